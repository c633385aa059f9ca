import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

// What the image tests read without a Docker engine: a Dockerfile's instructions, and what a
// fresh node (as the Lambda runtime) finds in a bundle.

export interface DockerStep {
  readonly instruction: string;
  readonly args: string;
}

/** A Dockerfile's instructions in order (comments and blank lines aside). */
export function dockerfileSteps(file: string): DockerStep[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => {
      const [instruction, ...rest] = l.split(/\s+/);
      return { instruction: instruction.toUpperCase(), args: rest.join(" ") };
    });
}

/** A bundle's exports and their types, loaded by a fresh node process. */
export function exportsOf(file: string): Record<string, string> {
  const out = spawnSync(
    process.execPath,
    [
      "-e",
      "const m=require(process.argv[1]);process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(m).map(([k,v])=>[k,typeof v]))))",
      file,
    ],
    { encoding: "utf8" },
  );
  if (out.status !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout);
}
