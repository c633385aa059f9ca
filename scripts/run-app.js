#!/usr/bin/env node
// The app runner `cdktf synth|deploy` calls (cdktf.json "app"). It transpiles main.ts and
// everything it imports with esbuild (types are checked by `npm run typecheck`, not on every
// synth) into one file with node_modules left external, then runs it. ~50 ms instead of the
// seconds ts-node spends type-checking.

const fs = require("node:fs");
const path = require("node:path");
const esbuild = require("esbuild");

const root = path.resolve(__dirname, "..");
const outfile = path.join(root, "build", "app", "main.js");
const [bundle] = esbuild.buildSync({
  entryPoints: [path.join(root, "main.ts")],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  packages: "external",
  sourcemap: "inline",
  logLevel: "warning",
  write: false,
}).outputFiles;
// Written aside, then renamed into place: several synths may run at once (the test suite runs
// environments side by side), and none may load another's half-written file.
fs.mkdirSync(path.dirname(outfile), { recursive: true });
const partial = `${outfile}.${process.pid}.tmp`;
fs.writeFileSync(partial, bundle.contents);
fs.renameSync(partial, outfile);
require(outfile);
