import fs from "node:fs";
import path from "node:path";

let root: string | undefined;

/** The project root (the directory holding cdktf.json), found from the working directory. */
export function projectRoot(): string {
  if (root) return root;
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "cdktf.json"))) {
      root = dir;
      return dir;
    }
    if (path.dirname(dir) === dir) throw new Error(`no cdktf.json in ${process.cwd()} or above: run from the project`);
  }
}

/** The entry file of a handler: `lambdas/<system>/<file>`. */
export function handlerEntry(system: string, file: string): string {
  return path.join(projectRoot(), "lambdas", system, file);
}

/** Where synth caches handler bundles. */
export function bundleDir(): string {
  return path.join(projectRoot(), "build", "bundles");
}
