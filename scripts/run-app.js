#!/usr/bin/env node
// The app runner `cdktf synth|deploy` calls (cdktf.json "app"). It transpiles main.ts and
// everything it imports with esbuild (types are checked by `npm run typecheck`, not on every
// synth) into one file with node_modules left external, then runs it. ~50 ms instead of the
// seconds ts-node spends type-checking.

const path = require("node:path");
const esbuild = require("esbuild");

const root = path.resolve(__dirname, "..");
const outfile = path.join(root, "build", "app", "main.js");
esbuild.buildSync({
  entryPoints: [path.join(root, "main.ts")],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  packages: "external",
  sourcemap: "inline",
  logLevel: "warning",
});
require(outfile);
