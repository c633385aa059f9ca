// The zips synth builds, run as Lambda would run them: the function's bundle alone, and with the
// kit layer extracted under an /opt-like directory on NODE_PATH. The function must answer the
// same way in both; the log says which kit ran.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { bundleNodeHandler } from "../../../constructs/bundle";
import { ENV, FUNCTION, KIT, LIMITS } from "../../../lambdas/model-share/contract";
import type { ModelShareStack } from "../../../stacks/model-share/model-share-stack";
import { bundleDir, handlerEntry } from "../../../stacks/paths";
import { synthApp } from "../../support/synth";
import { extractZip, readZip } from "../../support/zip";

const { stacks } = synthApp();
const stack = stacks.get("model-share") as ModelShareStack;
const functionZip = bundleNodeHandler({ entry: handlerEntry("model-share", FUNCTION.entry), outDir: bundleDir() });
const work = fs.mkdtempSync(path.join(os.tmpdir(), "model-share-packaging-"));
const task = path.join(work, "task");
const opt = path.join(work, "opt");
extractZip(functionZip.zipFile, task);
extractZip(stack.layer.bundle.zipFile, opt);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** Runs the bundled handler once in a fresh Node process (as a cold start) and returns its answer and log. */
function coldStart(nodePath: string | undefined, body: string) {
  const script = `
    const { handler } = require(${JSON.stringify(path.join(task, "index.js"))});
    handler({
      routeKey: "POST /tables",
      rawPath: "/tables",
      headers: { origin: "https://app.example.org" },
      body: ${JSON.stringify(body)},
      isBase64Encoded: false,
      requestContext: { http: { method: "POST" }, requestId: "r-1" },
    }).then((r) => process.stderr.write("ANSWER " + JSON.stringify(r) + "\\n"));
  `;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    [ENV.table]: "not-used-by-a-rejected-request",
    [ENV.safeConcurrency]: "true",
    [ENV.corsAllowOrigins]: "https://app.example.org",
    AWS_REGION: "us-east-1",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    ...(nodePath ? { NODE_PATH: nodePath } : {}),
  };
  // stdout holds the handler's log lines, stderr the answer.
  const run = spawnSync(process.execPath, ["-e", script], { env, cwd: task, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`the bundled handler failed:\n${run.stderr}`);
  const answerLine = run.stderr.split("\n").find((l) => l.startsWith("ANSWER ")) as string;
  const logs = run.stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  return { answer: JSON.parse(answerLine.slice("ANSWER ".length)), logs };
}

describe("packaging", () => {
  test("the function zip is one index.js holding the handler and its own copy of the kit", () => {
    expect([...readZip(fs.readFileSync(functionZip.zipFile)).keys()]).toEqual(["index.js"]);
    expect(functionZip.bytes).toBeLessThan(1_000_000);
    // The layer's module is required by name at run time, not resolved at build time.
    expect(fs.readFileSync(path.join(task, "index.js"), "utf8")).toContain(KIT.moduleName);
  });

  test("the layer zip is the kit as nodejs/node_modules/model-share-kit/index.js, with no AWS SDK inside", () => {
    const entries = readZip(fs.readFileSync(stack.layer.bundle.zipFile));
    expect([...entries.keys()]).toEqual([`nodejs/node_modules/${KIT.moduleName}/index.js`]);
    const code = (entries.get(`nodejs/node_modules/${KIT.moduleName}/index.js`) as Buffer).toString("utf8");
    expect(code).not.toMatch(/@aws-sdk/);
    expect(stack.layer.bundle.bytes).toBeLessThan(20_000);
  });

  test("without the layer the function runs its bundled kit: a bad table id answers 400 naming the field", () => {
    const { answer, logs } = coldStart(undefined, JSON.stringify({ tableId: "bad id" }));
    expect(answer.statusCode).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ error: "bad_request", field: "tableId" });
    expect(answer.headers["access-control-allow-origin"]).toBe("https://app.example.org");
    expect(logs.find((l) => l.msg === "kit loaded")).toMatchObject({ kitSource: "bundled" });
  });

  test("with the layer on NODE_PATH (as Lambda sets it) the function runs the layer's kit, with the same answers", () => {
    const nodePath = [
      path.join(opt, "nodejs", "node22", "node_modules"),
      path.join(opt, "nodejs", "node_modules"),
    ].join(":");
    const bad = coldStart(nodePath, JSON.stringify({ tableId: "bad id" }));
    expect(bad.logs.find((l) => l.msg === "kit loaded")).toMatchObject({ kitSource: "layer" });
    expect(bad.answer.statusCode).toBe(400);
    expect(JSON.parse(bad.answer.body)).toMatchObject({ error: "bad_request", field: "tableId" });
    const big = coldStart(nodePath, "x".repeat(LIMITS.maxBodyBytes + 1));
    expect(big.answer.statusCode).toBe(413);
    expect(JSON.parse(big.answer.body)).toMatchObject({ error: "payload_too_large", field: "body" });
  });

  test("a layer of another kit interface version is ignored: the bundled kit runs", () => {
    const other = path.join(work, "other-opt", "nodejs", "node_modules", KIT.moduleName);
    fs.mkdirSync(other, { recursive: true });
    fs.writeFileSync(path.join(other, "index.js"), "exports.KIT_API_VERSION = 999;\n");
    const { answer, logs } = coldStart(path.join(work, "other-opt", "nodejs", "node_modules"), "{}");
    expect(logs.find((l) => l.msg === "kit loaded")).toMatchObject({ kitSource: "bundled" });
    expect(JSON.parse(answer.body)).toMatchObject({ field: "tableId" });
  });
});
