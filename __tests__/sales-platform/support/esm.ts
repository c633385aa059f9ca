// Jest runs tests as CommonJS and does not transform node_modules, so it cannot load packages
// published only as ES modules (hyparquet, hyparquet-writer: the Parquet reader and writer the
// handlers use). esbuild, the bundler that builds the Lambda zips from the same imports,
// converts each package, unchanged, to one CommonJS file under build/jest-esm, and jest's module
// registry serves that file under the package's own name. Nothing is stubbed: the tests run the
// very library code the deployed functions run. Import this module before any handler.
import fs from "node:fs";
import path from "node:path";
import { buildSync } from "esbuild";

const ROOT = path.resolve(__dirname, "../../..");
const OUT = path.join(ROOT, "build", "jest-esm");
const ESM_ONLY = ["hyparquet", "hyparquet-writer"] as const;

function commonJsBuild(pkg: string): string {
  const version = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", pkg, "package.json"), "utf8")).version;
  const file = path.join(OUT, `${pkg}-${version}.js`);
  if (fs.existsSync(file)) return file;
  const [out] = buildSync({
    stdin: { contents: `export * from ${JSON.stringify(pkg)};`, resolveDir: ROOT, loader: "js" },
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    write: false,
    outfile: file,
    logLevel: "silent",
  }).outputFiles;
  fs.mkdirSync(OUT, { recursive: true });
  // Written aside and renamed: jest workers may build it at the same time.
  const partial = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(partial, out.contents);
  fs.renameSync(partial, file);
  return file;
}

for (const pkg of ESM_ONLY) {
  const file = commonJsBuild(pkg);
  jest.mock(pkg, () => jest.requireActual(file));
}
