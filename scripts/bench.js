#!/usr/bin/env node
// `npm run bench`: how fast is synthesis of every stack of every system? In one run it measures
//   app       node scripts/run-app.js (esbuild transpile + synth of all stacks), as cdktf runs it
//   cdktf     `cdktf synth` end to end (CLI start-up + the app)
//   baseline  the same app after importing the provider packages' roots (what deep imports avoid)
// Each is run RUNS times; the median wall time and the largest peak RSS are reported.
// Then the local cloud's Lambda runtime (scripts/bench-runtime.js): warm and cold Invoke beside a
// direct call of the same handler (BENCH_SKIP_RUNTIME=1 skips it).

const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const runs = Number(process.env.BENCH_RUNS ?? 5);
const outdir = path.join(root, "build", "bench-out");
const env = { ...process.env, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: "1", CDKTF_DISABLE_PLUGIN_CACHE_ENV: "1" };
// Every stack of every system, from the registry: the bench synthesizes the whole app.
const expectedStacks = require("node:child_process")
  .execFileSync("node", [path.join(root, "scripts", "stacks.js"), "order"], { encoding: "utf8" })
  .trim()
  .split("\n");
// The budget for a synth of all stacks on this machine.
const TARGET = { seconds: 0.8, mb: 150 };

function measure(label, argv) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    fs.rmSync(outdir, { recursive: true, force: true });
    const report = path.join(root, "build", "bench-time.txt");
    execFileSync("/usr/bin/time", ["-f", "%e %M", "-o", report, ...argv], { cwd: root, env, stdio: "ignore" });
    const [seconds, kb] = fs.readFileSync(report, "utf8").trim().split(/\s+/).slice(-2).map(Number);
    for (const stack of expectedStacks) {
      if (!fs.existsSync(path.join(outdir, "stacks", stack, "cdk.tf.json"))) {
        throw new Error(`${label}: no synthesized ${stack} in ${outdir}`);
      }
    }
    samples.push({ seconds, mb: kb / 1024 });
  }
  const sorted = samples.map((s) => s.seconds).sort((a, b) => a - b);
  return { label, seconds: sorted[Math.floor(sorted.length / 2)], mb: Math.max(...samples.map((s) => s.mb)) };
}

fs.mkdirSync(path.join(root, "build"), { recursive: true });
const baselineFile = path.join(root, "build", "bench-baseline.js");
// The baseline loads the provider roots first, as `import { ... } from "@cdktf/provider-aws"` would.
fs.writeFileSync(
  baselineFile,
  'require("@cdktf/provider-aws");\nrequire("@cdktf/provider-random");\nrequire("../scripts/run-app.js");\n',
);

const app = measure("app (deep imports)", ["node", "scripts/run-app.js"]);
const cdktf = measure("cdktf synth", [path.join(root, "node_modules/.bin/cdktf"), "synth", "--output", outdir]);
const baseline = measure("baseline (root imports)", ["node", baselineFile]);

console.log(`runs per measurement: ${runs} (median time, max RSS)`);
for (const r of [app, cdktf, baseline]) {
  console.log(`${r.label.padEnd(26)} ${r.seconds.toFixed(2).padStart(6)} s ${r.mb.toFixed(0).padStart(6)} MB`);
}
console.log(
  `baseline / app time: ${(baseline.seconds / app.seconds).toFixed(1)}x, RSS: ${(baseline.mb / app.mb).toFixed(1)}x`,
);
console.log(`cdktf synth / app time: ${(cdktf.seconds / app.seconds).toFixed(1)}x`);
console.log(`stacks: ${expectedStacks.length} (${expectedStacks.join(", ")})`);
const ok = app.seconds <= TARGET.seconds && app.mb <= TARGET.mb;
console.log(`target (app <= ${TARGET.seconds} s and <= ${TARGET.mb} MB): ${ok ? "met" : "NOT met"}`);
process.exitCode = ok ? 0 : 1;
if (process.env.BENCH_SKIP_RUNTIME !== "1") {
  require("./bench-runtime.js")
    .main()
    .then(
      (runtimeOk) => {
        if (!runtimeOk) process.exitCode = 1;
      },
      (error) => {
        console.error(error);
        process.exitCode = 1;
      },
    );
}
