#!/usr/bin/env node
// Bundles each iac-ci Lambda handler (the image's) into one CommonJS file, build/lambdas/<module>.js, where <module>
// is the part of FUNCTIONS[*].command before the export name (e.g. process_webhook.handler ->
// build/lambdas/process_webhook.js exporting `handler`). Node 22, minified, the AWS SDK v3
// clients each handler uses bundled in (ESM builds first, so unused commands are dropped).
// Prints each bundle's size and its cold module-load time (median of fresh `node` processes).
//
//   node lambdas/iac-ci/bundle.js [--outdir DIR] [--only id,id] [--no-measure] [--strict]
//     --strict  exit 1 when a bundle is over SIZE_LIMIT_BYTES or LOAD_LIMIT_MS
//
// Also usable from tests: require("./lambdas/iac-ci/bundle.js").bundleLambdas({ outdir }).

const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const esbuild = require("esbuild");

const ROOT = path.resolve(__dirname, "..", "..");
const DEFAULT_OUTDIR = path.join(ROOT, "build", "lambdas");
const SIZE_LIMIT_BYTES = 1024 * 1024;
const LOAD_LIMIT_MS = 150;
const LOAD_RUNS = 3;

/** lambdas/iac-ci/contract.ts, transpiled and evaluated (it has no imports by design). */
function loadContract() {
  const file = path.join(ROOT, "lambdas", "iac-ci", "contract.ts");
  const { code } = esbuild.transformSync(fs.readFileSync(file, "utf8"), { loader: "ts", format: "cjs" });
  const mod = { exports: {} };
  new Function("module", "exports", code)(mod, mod.exports);
  return mod.exports;
}

/** [{ id, module, exportName, entry }] from FUNCTIONS. */
function targets(only) {
  const { FUNCTIONS } = loadContract();
  return Object.values(FUNCTIONS)
    .filter((fn) => !only || only.includes(fn.id))
    .map((fn) => {
      const dot = fn.command.lastIndexOf(".");
      const module = fn.command.slice(0, dot);
      return {
        id: fn.id,
        module,
        exportName: fn.command.slice(dot + 1),
        entry: path.join(ROOT, "lambdas", "iac-ci", `${module}.ts`),
      };
    });
}

/** Loads `file` in a fresh node process; returns its load time and export names. */
function measureLoad(file) {
  const script =
    "const t=process.hrtime.bigint();const m=require(process.argv[1]);" +
    "const ms=Number(process.hrtime.bigint()-t)/1e6;" +
    "process.stdout.write(JSON.stringify({ms,exports:Object.keys(m)}))";
  const runs = [];
  let exportsSeen = [];
  for (let i = 0; i < LOAD_RUNS; i++) {
    const out = spawnSync(process.execPath, ["-e", script, file], { encoding: "utf8" });
    if (out.status !== 0) throw new Error(`loading ${file} failed:\n${out.stderr}`);
    const parsed = JSON.parse(out.stdout);
    runs.push(parsed.ms);
    exportsSeen = parsed.exports;
  }
  runs.sort((a, b) => a - b);
  return { loadMs: runs[Math.floor(runs.length / 2)], exports: exportsSeen };
}

async function bundleLambdas({ outdir = DEFAULT_OUTDIR, only, measure = true, log = true } = {}) {
  const list = targets(only);
  fs.mkdirSync(outdir, { recursive: true });
  // Each bundle is written aside and renamed into place: several runs may bundle at once (npm
  // start's deploys in the e2e suites), and a reader (an image push) never sees half a file.
  const keep = new Set(list.map((t) => `${t.module}.js`));
  if (!only) {
    for (const f of fs.readdirSync(outdir)) if (f.endsWith(".js") && !keep.has(f)) fs.rmSync(path.join(outdir, f));
  }
  const results = [];
  for (const t of list) {
    const outfile = path.join(outdir, `${t.module}.js`);
    const partial = `${outfile}.${process.pid}.tmp`;
    const { metafile } = await esbuild.build({
      entryPoints: [t.entry],
      outfile: partial,
      bundle: true,
      platform: "node",
      target: "node22",
      format: "cjs",
      minify: true,
      // Prefer the SDK's ES module builds: tree-shaking keeps only the commands in use.
      mainFields: ["module", "main"],
      logLevel: "warning",
      metafile: true,
    });
    fs.renameSync(partial, outfile);
    const bytes = fs.statSync(outfile).size;
    // The AWS service clients bundled in (each handler should carry only those it calls).
    const clients = [
      ...new Set(
        Object.keys(metafile.inputs)
          .map((f) => /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\//.exec(f)?.[1])
          .filter(Boolean),
      ),
    ].sort();
    const result = { id: t.id, module: t.module, exportName: t.exportName, file: outfile, bytes, clients };
    if (measure) Object.assign(result, measureLoad(outfile));
    results.push(result);
  }
  if (log) {
    for (const r of results) {
      const size = `${(r.bytes / 1024).toFixed(1)} KiB`;
      const load = measure ? `${r.loadMs.toFixed(1)} ms cold load (median of ${LOAD_RUNS})` : "load not measured";
      const over = [];
      if (r.bytes > SIZE_LIMIT_BYTES) over.push("OVER SIZE LIMIT");
      if (measure && r.loadMs > LOAD_LIMIT_MS) over.push("OVER LOAD LIMIT");
      console.log(
        `${path.relative(ROOT, r.file).padEnd(34)} ${size.padStart(10)}  ${load}${over.length ? `  ${over.join(", ")}` : ""}`,
      );
    }
  }
  return results;
}

function parseArgs(argv) {
  const args = { measure: true, strict: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--outdir") args.outdir = path.resolve(argv[++i]);
    else if (a === "--only") args.only = argv[++i].split(",");
    else if (a === "--no-measure") args.measure = false;
    else if (a === "--strict") args.strict = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

if (require.main === module) {
  const args = parseArgs(process.argv.slice(2));
  bundleLambdas(args).then(
    (results) => {
      const over = results.filter((r) => r.bytes > SIZE_LIMIT_BYTES || (args.measure && r.loadMs > LOAD_LIMIT_MS));
      if (args.strict && over.length > 0) process.exitCode = 1;
    },
    (err) => {
      console.error(err.message ?? err);
      process.exitCode = 1;
    },
  );
}

module.exports = { bundleLambdas, targets, DEFAULT_OUTDIR, SIZE_LIMIT_BYTES, LOAD_LIMIT_MS };
