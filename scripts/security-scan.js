#!/usr/bin/env node
// The security gate: checkov over every synthesized stack (framework terraform_json) and over
// any plan JSON given (framework terraform_plan). Fails on a failed check that is not in
// security/checkov-skips.json or its system's stacks/<system>/checkov-skips.json (each skip names the check, optionally the resources, and why),
// and on a skip entry that matched nothing (stale). Prints passed/failed/skipped per target.
//   node scripts/security-scan.js [--stacks cdktf.out/stacks] [--plans dir-with-*.json] [--stack NAME]
// --stack scans only that stack of --stacks (CI scans each stack in its own job): a skip that
// matched nothing there may be another stack's, so unused skips are listed but fail only a full scan.

const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const stacksDir = path.resolve(opt("--stacks") ?? path.join(root, "cdktf.out", "stacks"));
const plansDir = opt("--plans") && path.resolve(opt("--plans"));
const onlyStack = opt("--stack");
if (onlyStack !== undefined && !fs.existsSync(path.join(stacksDir, onlyStack, "cdk.tf.json"))) {
  console.error(`security-scan: no synthesized stack ${onlyStack} in ${stacksDir}`);
  process.exit(2);
}
// The platform-wide skips, then each system's own (stacks/<system>/checkov-skips.json).
const skipFiles = [
  path.join("security", "checkov-skips.json"),
  ...fs
    .readdirSync(path.join(root, "stacks"), { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(root, "stacks", d.name, "checkov-skips.json")))
    .map((d) => path.join("stacks", d.name, "checkov-skips.json"))
    .sort(),
];
const skips = skipFiles.flatMap((file) =>
  JSON.parse(fs.readFileSync(path.join(root, file), "utf8")).skips.map((s) => ({ ...s, file })),
);
const checkov = process.env.CHECKOV_BIN ?? "checkov";

function scan(target, framework) {
  const out = spawnSync(checkov, ["--framework", framework, "-o", "json", "--compact", ...target], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (out.error) throw out.error;
  const text = out.stdout.trim();
  if (!text.startsWith("{") && !text.startsWith("[")) {
    throw new Error(`checkov produced no JSON (exit ${out.status}):\n${out.stderr}\n${text.slice(0, 2000)}`);
  }
  const parsed = JSON.parse(text);
  return Array.isArray(parsed) ? parsed : [parsed];
}

/**
 * checkov 3.3.30's terraform_json parser treats every entry of the `terraform` block as a block
 * and throws on the `required_version` string ("this method receives only dicts"), dropping the
 * whole file. So stacks are scanned from a copy without that one key (it configures no resource).
 */
const scanCopies = fs.mkdtempSync(path.join(require("node:os").tmpdir(), "checkov-"));
function scannableCopy(file, name) {
  const json = JSON.parse(fs.readFileSync(file, "utf8"));
  if (json.terraform) delete json.terraform.required_version;
  const copy = path.join(scanCopies, `${name}.tf.json`);
  fs.writeFileSync(copy, JSON.stringify(json));
  return copy;
}

const used = new Set();
const rows = [];
let unaccepted = 0;
const targets = [];
for (const stack of onlyStack !== undefined ? [onlyStack] : fs.readdirSync(stacksDir).sort()) {
  targets.push({
    name: `stack ${stack}`,
    args: ["-f", scannableCopy(path.join(stacksDir, stack, "cdk.tf.json"), stack)],
    framework: "terraform_json",
  });
}
if (plansDir) {
  for (const plan of fs
    .readdirSync(plansDir)
    .filter((f) => f.endsWith(".json"))
    .sort()) {
    targets.push({ name: `plan ${plan}`, args: ["-f", path.join(plansDir, plan)], framework: "terraform_plan" });
  }
}
for (const target of targets) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const report of scan(target.args, target.framework)) {
    // A file checkov could not parse was not checked at all: that is a failure, never a pass.
    const parsingErrors = report.summary?.parsing_errors ?? 0;
    if (parsingErrors > 0) {
      unaccepted++;
      console.log(`FAILED ${target.name}: checkov could not parse it (${parsingErrors} parsing error(s))`);
    }
    const results = report.results ?? {};
    passed += (results.passed_checks ?? []).length;
    for (const f of results.failed_checks ?? []) {
      const resource = `${f.resource}`;
      const skip = skips.findIndex(
        (s) => s.check === f.check_id && (!s.resource || new RegExp(s.resource).test(resource)),
      );
      if (skip >= 0) {
        used.add(skip);
        skipped++;
      } else {
        failed++;
        unaccepted++;
        console.log(`FAILED ${target.name}: ${f.check_id} ${f.check_name} -> ${resource}`);
      }
    }
  }
  if (passed + failed + skipped === 0) {
    unaccepted++;
    console.log(`FAILED ${target.name}: checkov ran no check at all`);
  }
  rows.push({ target: target.name, passed, failed, skipped });
}
console.log(`\ncheckov results (skips: ${skipFiles.join(", ")})`);
for (const r of rows) {
  console.log(
    `${r.target.padEnd(40)} passed ${String(r.passed).padStart(4)}  failed ${String(r.failed).padStart(3)}  skipped ${String(r.skipped).padStart(3)}`,
  );
}
const unusedSkips = skips.filter((_, i) => !used.has(i));
const stale = onlyStack !== undefined ? [] : unusedSkips;
for (const s of stale) console.log(`STALE skip (matched nothing): ${s.check} ${s.resource ?? ""} (${s.file})`);
if (onlyStack !== undefined)
  console.log(`${unusedSkips.length} skip(s) not used by ${onlyStack} (staleness is judged by a full scan)`);
fs.rmSync(scanCopies, { recursive: true, force: true });
if (unaccepted > 0 || stale.length > 0) {
  console.log(`security gate: ${unaccepted} unaccepted failure(s), ${stale.length} stale skip(s)`);
  process.exitCode = 1;
} else {
  console.log("security gate: passed");
}
