#!/usr/bin/env node
// tflint over synthesized stacks: every directory given (cdktf.out/stacks/<stack>/, holding
// cdk.tf.json) is linted with the terraform ruleset bundled in tflint, "recommended" preset
// (.tflint.hcl; no plugin download). Fails on any finding, of any severity, and on any tflint
// error, printing each; prints one line per stack otherwise.
//   node scripts/tflint.js cdktf.out/stacks/*/
// TFLINT_BIN overrides the binary (default: `tflint` on PATH, the toolchain's after env.sh).

const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const config = path.join(root, ".tflint.hcl");
const tflint = process.env.TFLINT_BIN ?? "tflint";
const dirs = process.argv
  .slice(2)
  .map((d) => path.resolve(d))
  .sort();

if (dirs.length === 0) {
  console.error("tflint: no stack directories given (usage: node scripts/tflint.js cdktf.out/stacks/*/)");
  process.exit(1);
}

const version = spawnSync(tflint, ["--version"], { encoding: "utf8" });
if (version.error || version.status !== 0) {
  console.error(`tflint: cannot run ${tflint}: ${version.error?.message ?? version.stderr}`);
  console.error("build it with scripts/toolchain.sh tflint and source scripts/env.sh");
  process.exit(1);
}
console.log(version.stdout.trim().split("\n").join(", "));

let findings = 0;
let failures = 0;
for (const dir of dirs) {
  const stack = path.basename(dir);
  if (!fs.existsSync(path.join(dir, "cdk.tf.json"))) {
    console.log(`FAILED ${stack}: no cdk.tf.json in ${dir}`);
    failures++;
    continue;
  }
  const out = spawnSync(tflint, [`--chdir=${dir}`, `--config=${config}`, "--format=json", "--no-color"], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  let report;
  try {
    report = JSON.parse(out.stdout);
  } catch {
    console.log(`FAILED ${stack}: tflint exited ${out.status} without a JSON report:\n${out.stderr}${out.stdout}`);
    failures++;
    continue;
  }
  const issues = report.issues ?? [];
  const errors = report.errors ?? [];
  for (const i of issues) {
    const where = i.range ? `${path.basename(i.range.filename)}:${i.range.start.line}` : "";
    console.log(`FINDING ${stack}: ${i.rule.name} (${i.rule.severity}) ${i.message} [${where}]`);
  }
  for (const e of errors) console.log(`ERROR ${stack}: ${e.message ?? JSON.stringify(e)}`);
  if (errors.length === 0 && out.status !== 0 && issues.length === 0) {
    console.log(`FAILED ${stack}: tflint exited ${out.status}:\n${out.stderr}`);
    failures++;
  }
  findings += issues.length;
  failures += errors.length;
  console.log(`${stack.padEnd(20)} ${issues.length} finding(s), ${errors.length} error(s)`);
}
if (findings > 0 || failures > 0) {
  console.log(`tflint: ${findings} finding(s), ${failures} error(s) over ${dirs.length} stack(s)`);
  process.exitCode = 1;
} else {
  console.log(`tflint: passed, 0 findings over ${dirs.length} stack(s)`);
}
