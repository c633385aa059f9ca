#!/usr/bin/env node
// CDKTF -> CDK Terrain equivalence check (`npm test`). CDKTF is deprecated upstream (final
// 0.21.0); CDK Terrain (cdktn) is its community fork. The app stays on cdktf; this check
// synthesizes every stack twice, with cdktf and with cdktn, and compares each stack's
// cdk.tf.json. Every difference is listed; one is accepted only when EXPLAINED gives its
// reason, any other fails the check.
//   node scripts/cdktn-check.js [--out build/cdktn-check]
//
// How the app runs on cdktn without changing it: this file, preloaded into the app's process
// (`node -r scripts/cdktn-check.js scripts/run-app.js`, IAC_CI_CDKTN_HOOK=<cdktn tree>), resolves
// every `require("cdktf")` (the app's and the prebuilt @cdktf/provider-* packages') to cdktn
// and every `require("constructs")` to the constructs cdktn is built for, from the npm tree
// scripts/toolchain.sh installs (IAC_CI_CDKTN_DIR). It records which files were loaded, and the
// check fails if any came from the project's own cdktf or constructs.
// The driver is cdktn-cli (`cdktn synth`) when Node satisfies its engines (>= 22.19); on older
// Node it is cdktf-cli, which runs the app the same way (the JSON is written by the library,
// cdktn, either way; checked equal with Node 22.23.3).

const { spawn } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");

/** Differences accepted, by path in the stack JSON, with the reason. */
const EXPLAINED = [
  {
    path: "//.metadata.version",
    reason:
      "the library's own version (cdktf 0.21.0, cdktn 0.24.0), which each writes into the stack's `//` metadata block; Terraform ignores `//` keys",
  },
];

/** Every difference between two JSON values, as { path, a, b } (a or b undefined when absent). */
function diffJson(a, b, at = []) {
  const show = () => at.join(".");
  if (Object.is(a, b)) return [];
  const isObj = (v) => v !== null && typeof v === "object";
  if (Array.isArray(a) && Array.isArray(b)) {
    const out = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) out.push(...diffJson(a[i], b[i], [...at, `[${i}]`]));
    return out;
  }
  if (isObj(a) && isObj(b) && !Array.isArray(a) && !Array.isArray(b)) {
    const out = [];
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      out.push(...diffJson(a[k], b[k], [...at, k]));
    }
    return out;
  }
  return [{ path: show(), a, b }];
}

/** Splits differences into explained (with their reason) and unexplained ones. */
function classify(diffs, explained = EXPLAINED) {
  const ok = [];
  const bad = [];
  for (const d of diffs) {
    const why = explained.find((e) => e.path === d.path);
    if (why) ok.push({ ...d, reason: why.reason });
    else bad.push(d);
  }
  return { ok, bad };
}

// ---- the preload hook ---------------------------------------------------------------------
function installHook(tree) {
  const Module = require("node:module");
  const mapped = { cdktf: "cdktn", constructs: "constructs" };
  const original = Module._resolveFilename;
  Module._resolveFilename = function (request, parent, isMain, options) {
    const m = /^(cdktf|constructs)(\/.*)?$/.exec(request);
    if (m) return original.call(this, mapped[m[1]] + (m[2] ?? ""), parent, isMain, { ...options, paths: [tree] });
    return original.call(this, request, parent, isMain, options);
  };
  const proof = process.env.IAC_CI_CDKTN_PROOF;
  if (proof) {
    process.on("exit", () => {
      const files = Object.keys(require.cache);
      const inTree = (p) => p.startsWith(path.join(tree, "node_modules") + path.sep);
      const ours = (pkg) => path.join(root, "node_modules", pkg) + path.sep;
      fs.writeFileSync(
        proof,
        JSON.stringify({
          cdktn: files.filter((f) => inTree(f) && f.includes(`${path.sep}cdktn${path.sep}`)).length,
          constructs: files.filter((f) => inTree(f) && f.includes(`${path.sep}constructs${path.sep}`)).length,
          projectCdktf: files.filter((f) => f.startsWith(ours("cdktf"))),
          projectConstructs: files.filter((f) => f.startsWith(ours("constructs"))),
        }),
      );
    });
  }
}

// ---- the check ------------------------------------------------------------------------------
function run(command, args, env) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => {
      output += d;
    });
    child.stderr.on("data", (d) => {
      output += d;
    });
    child.on("error", (e) => resolve({ status: -1, output: `${output}${e.message}`, seconds: 0 }));
    child.on("close", (status) => resolve({ status, output, seconds: (Date.now() - started) / 1000 }));
  });
}

const readJson = (p) => JSON.parse(fs.readFileSync(p, "utf8"));
const show = (v) => (v === undefined ? "(absent)" : JSON.stringify(v));

async function main() {
  const started = Date.now();
  const args = process.argv.slice(2);
  const outIndex = args.indexOf("--out");
  const out = path.resolve(outIndex >= 0 ? args[outIndex + 1] : path.join(root, "build", "cdktn-check"));
  const tree = process.env.IAC_CI_CDKTN_DIR;
  if (!tree || !fs.existsSync(path.join(tree, ".complete"))) {
    console.error(
      `cdktn check: no cdktn tree at IAC_CI_CDKTN_DIR=${tree ?? "(unset)"}: run scripts/toolchain.sh cdktn and source scripts/env.sh`,
    );
    process.exit(1);
  }
  const cdktnVersion = readJson(path.join(tree, "node_modules", "cdktn", "package.json")).version;
  const cdktfVersion = readJson(path.join(root, "node_modules", "cdktf", "package.json")).version;
  const constructsVersion = readJson(path.join(tree, "node_modules", "constructs", "package.json")).version;
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const outCdktf = path.join(out, "cdktf.out");
  const outCdktn = path.join(out, "cdktn.out");
  const proof = path.join(out, "cdktn-hook.json");

  const cdktfCli = path.join(root, "node_modules", ".bin", "cdktf");
  const cdktnCli = path.join(tree, "node_modules", ".bin", "cdktn");
  const [major, minor] = process.versions.node.split(".").map(Number);
  const cliOk = major > 22 || (major === 22 && minor >= 19);
  const driver = cliOk ? cdktnCli : cdktfCli;
  const app = `node -r ${JSON.stringify(__filename)} scripts/run-app.js`;
  console.log(`cdktf ${cdktfVersion}: cdktf synth --output ${path.relative(root, outCdktf)}`);
  console.log(
    `cdktn ${cdktnVersion}: ${cliOk ? "cdktn" : "cdktf"} synth --app "node -r scripts/cdktn-check.js scripts/run-app.js" --output ${path.relative(root, outCdktn)}` +
      (cliOk ? "" : ` (cdktn-cli needs Node >= 22.19, this is ${process.versions.node}: cdktf-cli drives the app)`),
  );
  const [a, b] = await Promise.all([
    run(cdktfCli, ["synth", "--output", outCdktf], process.env),
    run(driver, ["synth", "--app", app, "--output", outCdktn], {
      ...process.env,
      IAC_CI_CDKTN_HOOK: tree,
      IAC_CI_CDKTN_PROOF: proof,
    }),
  ]);
  let failed = 0;
  for (const [name, r] of [
    ["cdktf", a],
    ["cdktn", b],
  ]) {
    if (r.status !== 0) {
      console.log(`FAILED: ${name} synth exited ${r.status}:\n${r.output}`);
      failed++;
    }
  }
  if (failed) process.exit(1);
  console.log(`synthesized in ${a.seconds.toFixed(1)} s (cdktf) and ${b.seconds.toFixed(1)} s (cdktn), side by side`);

  // The cdktn leg really ran on cdktn, and only on it.
  const hook = readJson(proof);
  if (hook.cdktn === 0 || hook.projectCdktf.length > 0 || hook.projectConstructs.length > 0) {
    console.log(`FAILED: the cdktn leg did not run on cdktn alone: ${JSON.stringify(hook)}`);
    process.exit(1);
  }
  console.log(
    `cdktn leg loaded ${hook.cdktn} files of cdktn and ${hook.constructs} of constructs ${constructsVersion}, none of the project's cdktf or constructs`,
  );

  const stacksOf = (dir) => Object.keys(readJson(path.join(dir, "manifest.json")).stacks).sort();
  const stacksA = stacksOf(outCdktf);
  const stacksB = stacksOf(outCdktn);
  if (JSON.stringify(stacksA) !== JSON.stringify(stacksB)) {
    console.log(`FAILED: different stacks: cdktf ${stacksA.join(", ")}; cdktn ${stacksB.join(", ")}`);
    process.exit(1);
  }
  let unexplained = 0;
  for (const stack of stacksA) {
    const file = path.join("stacks", stack, "cdk.tf.json");
    const { ok, bad } = classify(diffJson(readJson(path.join(outCdktf, file)), readJson(path.join(outCdktn, file))));
    console.log(`${stack.padEnd(14)} ${ok.length} explained difference(s), ${bad.length} unexplained`);
    for (const d of ok) console.log(`  explained ${d.path}: cdktf ${show(d.a)}, cdktn ${show(d.b)}: ${d.reason}`);
    for (const d of bad) console.log(`  UNEXPLAINED ${d.path}: cdktf ${show(d.a)}, cdktn ${show(d.b)}`);
    unexplained += bad.length;
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (unexplained > 0) {
    console.log(`cdktn check: ${unexplained} unexplained difference(s) over ${stacksA.length} stacks (${seconds} s)`);
    process.exitCode = 1;
  } else {
    console.log(`cdktn check: passed, the Terraform JSON of ${stacksA.length} stacks is equivalent (${seconds} s)`);
  }
}

module.exports = { diffJson, classify, EXPLAINED };

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else if (process.env.IAC_CI_CDKTN_HOOK) {
  installHook(process.env.IAC_CI_CDKTN_HOOK);
}
