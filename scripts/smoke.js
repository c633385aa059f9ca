#!/usr/bin/env node
// Runs deployed systems' smoke tests against the local cloud `npm start` deployed them to.
//   npm run smoke                  every system deployed there (its stacks' outputs present)
//   npm run smoke -- SYSTEM...     only these
// The local cloud is $EMULATOR_HOME (default .emulator/default). Each system's steps are in
// __tests__/<system>/e2e/smoke.ts; per system this prints each step's result and the commands
// a user can paste to try the system by hand. Exit 1 when a step fails, naming the system and step.

const fs = require("node:fs");
const path = require("node:path");
const { execFileSync } = require("node:child_process");
const { createJiti } = require("jiti");

// The SDK warns on Node 20 about releases after 2027-01; the machine's Node is what runs this.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const root = path.resolve(__dirname, "..");
const home = path.resolve(process.env.EMULATOR_HOME || path.join(root, ".emulator", "default"));
const jiti = createJiti(__filename);

/** The system's smoke steps and the runner, loaded from TypeScript by jiti (types are tsc's job). */
async function load(system) {
  const file = path.join(root, "__tests__", system, "e2e", "smoke.ts");
  if (!fs.existsSync(file)) throw new Error(`${system} has no smoke test (${path.relative(root, file)} is missing)`);
  const { smoke } = await jiti.import(file);
  const { runSmoke, smokeContext } = await jiti.import(path.join(root, "__tests__", "support", "smoke.ts"));
  return { smoke, runSmoke, smokeContext };
}

function stacksOf(system) {
  return execFileSync(process.execPath, [path.join(__dirname, "stacks.js"), "order", "--system", system], {
    encoding: "utf8",
  })
    .split("\n")
    .filter(Boolean);
}

function deployedSystems() {
  const all = execFileSync(process.execPath, [path.join(__dirname, "stacks.js"), "systems"], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean);
  return all.filter((system) =>
    stacksOf(system).every((stack) => fs.existsSync(path.join(home, `outputs-${stack}.json`))),
  );
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

async function smokeOne(system) {
  const lines = [];
  let results = [];
  let failure;
  try {
    const { smoke, runSmoke, smokeContext } = await load(system);
    const ctx = smokeContext(system, home);
    lines.push(`== ${system}: smoke test on the local cloud at ${ctx.endpoint}`);
    results = await runSmoke(smoke, ctx, (r) =>
      lines.push(
        r.ok
          ? `  ok    ${r.name} (${seconds(r.ms)})${r.detail ? `: ${r.detail}` : ""}`
          : `  FAIL  ${r.name} (${seconds(r.ms)}): ${r.error}`,
      ),
    );
    const failed = results.find((r) => !r.ok);
    if (failed) failure = `step "${failed.name}" failed: ${failed.error}`;
    else lines.push(`  ${results.length}/${smoke.steps.length} steps passed`);
    lines.push("-- try it:", ...smoke.tryIt(ctx).map((l) => `  ${l}`));
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
    lines.push(`== ${system}: smoke test could not run: ${failure}`);
  }
  return { system, lines, failure, passed: results.filter((r) => r.ok).length };
}

async function main(argv) {
  const systems = argv.length ? argv : deployedSystems();
  if (systems.length === 0)
    throw new Error(`no system is deployed to the local cloud in ${home} (run npm start first)`);
  // Side by side (each mostly waits on the local cloud); each system's report printed whole.
  const outcomes = await Promise.all(
    systems.map((s) =>
      smokeOne(s).then((o) => {
        console.log(`${o.lines.join("\n")}\n`);
        return o;
      }),
    ),
  );
  const failed = outcomes.filter((o) => o.failure);
  console.log(
    `smoke: ${outcomes.map((o) => `${o.system} ${o.failure ? "FAILED" : "passed"} (${o.passed} step(s) ok)`).join(", ")}`,
  );
  for (const o of failed) console.error(`smoke: ${o.system}: ${o.failure}`);
  return failed.length ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(`smoke: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  },
);
