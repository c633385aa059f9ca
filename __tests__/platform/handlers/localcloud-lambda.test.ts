import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudWatchLogsClient, CreateLogGroupCommand, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  InvokeCommand,
  LambdaClient,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from "@aws-sdk/client-lambda";
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { emulatorClientConfig, emulatorEndpoint } from "../../support/aws";
import { ACCOUNT, eventually, invoke, makeFunction, makeRole, uniqueName, zipOf } from "../../support/localcloud";

// The local cloud's Lambda runtime (scripts/localcloud/lambda_runtime.py, lambda_invoke.py): the
// code Terraform would upload runs on the Node.js major its runtime names, with Lambda's
// environment, context, errors, timeout, warm environments, concurrency, versions and aliases,
// asynchronous retries and destinations, and logs in CloudWatch.
const config = emulatorClientConfig();
const lambda = new LambdaClient(config);
const logs = new CloudWatchLogsClient(config);
jest.setTimeout(60_000);

const ECHO = `
let calls = 0;
exports.api = { v1: { handle: async (event, context) => {
  calls += 1;
  console.log("event", JSON.stringify(event));
  if (event.fail) throw new RangeError("bad input: " + event.fail);
  if (event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
  const env = process.env;
  return {
    calls,
    node: process.version,
    env: {
      AWS_REGION: env.AWS_REGION,
      AWS_LAMBDA_FUNCTION_NAME: env.AWS_LAMBDA_FUNCTION_NAME,
      AWS_LAMBDA_FUNCTION_VERSION: env.AWS_LAMBDA_FUNCTION_VERSION,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      AWS_LAMBDA_LOG_GROUP_NAME: env.AWS_LAMBDA_LOG_GROUP_NAME,
      AWS_ENDPOINT_URL: env.AWS_ENDPOINT_URL,
      AWS_SESSION_TOKEN: env.AWS_SESSION_TOKEN ? "set" : "missing",
      HOME: env.HOME,
      GREETING: env.GREETING,
      _HANDLER: env._HANDLER,
    },
    context: {
      awsRequestId: context.awsRequestId,
      functionName: context.functionName,
      functionVersion: context.functionVersion,
      invokedFunctionArn: context.invokedFunctionArn,
      remaining: context.getRemainingTimeInMillis(),
      memoryLimitInMB: context.memoryLimitInMB,
    },
  };
} } };`;

async function settled(name: string) {
  await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: name });
}

describe("zip functions run the uploaded code", () => {
  let name: string;
  beforeAll(async () => {
    name = await makeFunction({ "src/app.js": ECHO }, "src/app.api.v1.handle", {
      Timeout: 4,
      MemorySize: 256,
      Environment: { Variables: { GREETING: "hello" } },
    });
  });

  test("nested handler path, the function's and Lambda's environment, a real context, Node 22", async () => {
    const out = await invoke(name, { hello: "world" });
    expect(out.status).toBe(200);
    expect(out.functionError).toBeUndefined();
    expect(out.body.node).toMatch(/^v22\./);
    expect(out.body.env).toEqual({
      AWS_REGION: "us-east-1",
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "256",
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
      AWS_ENDPOINT_URL: emulatorEndpoint(),
      AWS_SESSION_TOKEN: "set",
      GREETING: "hello",
      _HANDLER: "src/app.api.v1.handle",
    });
    expect(out.body.context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.body.context.functionName).toBe(name);
    expect(out.body.context.functionVersion).toBe("$LATEST");
    expect(out.body.context.invokedFunctionArn).toBe(`arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`);
    expect(out.body.context.remaining).toBeGreaterThan(3000);
    expect(out.body.context.remaining).toBeLessThanOrEqual(4000);
    expect(out.body.context.memoryLimitInMB).toBe("256");
  });

  test("a warm environment keeps module state; a configuration change gives a fresh one", async () => {
    const first = await invoke(name);
    const second = await invoke(name);
    expect(second.body.calls).toBe(first.body.calls + 1);
    await lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: name, Environment: { Variables: { GREETING: "hi" } } }),
    );
    await settled(name);
    const after = await invoke(name);
    expect(after.body.calls).toBe(1);
    expect(after.body.env.GREETING).toBe("hi");
  });

  test("a thrown error answers as Lambda does: Unhandled, errorType, errorMessage, trace", async () => {
    const out = await invoke(name, { fail: "x" }, { LogType: "Tail" });
    expect(out.status).toBe(200);
    expect(out.functionError).toBe("Unhandled");
    expect(out.body.errorType).toBe("RangeError");
    expect(out.body.errorMessage).toBe("bad input: x");
    expect(out.body.trace[0]).toBe("RangeError: bad input: x");
    const tail = Buffer.from(out.raw.LogResult ?? "", "base64").toString("utf8");
    expect(tail).toMatch(/START RequestId: [0-9a-f-]{36} Version: \$LATEST/);
    expect(tail).toContain("Invoke Error");
    expect(tail).toMatch(/REPORT RequestId: .*Duration: [\d.]+ ms/);
  });

  test("the Timeout is enforced: Sandbox.Timedout, and the next call gets a fresh environment", async () => {
    const out = await invoke(name, { sleepMs: 10_000 });
    expect(out.functionError).toBe("Unhandled");
    expect(out.body.errorType).toBe("Sandbox.Timedout");
    expect(out.body.errorMessage).toMatch(/Task timed out after 4\.00 seconds/);
    const next = await invoke(name);
    expect(next.body.calls).toBe(1);
  });

  test("each invocation's output is in the function's log group with START/END/REPORT", async () => {
    const marker = uniqueName("marker");
    const out = await invoke(name, { marker });
    const requestId = out.body.context.awsRequestId;
    const events = await eventually(async () => {
      const found = await logs.send(
        new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${name}`, filterPattern: `"${requestId}"` }),
      );
      return (found.events ?? []).length >= 4 ? found.events : undefined;
    });
    const lines = (events ?? []).map((e) => e.message ?? "");
    expect(lines).toEqual(
      expect.arrayContaining([
        `START RequestId: ${requestId} Version: $LATEST`,
        `END RequestId: ${requestId}`,
        expect.stringMatching(new RegExp(`\\t${requestId}\\tINFO\\tevent .*${marker}`)),
        expect.stringMatching(
          new RegExp(
            `^REPORT RequestId: ${requestId}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: 256 MB`,
          ),
        ),
      ]),
    );
  });

  test("DryRun answers 204 and runs nothing", async () => {
    const before = await invoke(name);
    const dry = await invoke(name, {}, { InvocationType: "DryRun" });
    expect(dry.status).toBe(204);
    const after = await invoke(name);
    expect(after.body.calls).toBe(before.body.calls + 1);
  });

  test("a payload that is not JSON is refused with InvalidRequestContentException", async () => {
    await expect(
      lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from("{not json") })),
    ).rejects.toMatchObject({ name: "InvalidRequestContentException" });
  });
});

describe("errors and the trace header as Lambda's Node.js runtime client reports them", () => {
  test("an Error subclass without a name is Error; a thrown string or object by its typeof; _X_AMZN_TRACE_ID per invocation", async () => {
    const name = await makeFunction(
      {
        "index.js": `
class Quiet extends Error {}
exports.handler = async (event) => {
  if (event.kind === "subclass") throw new Quiet("quiet");
  if (event.kind === "string") throw "plain words";
  if (event.kind === "object") throw { code: 7 };
  return process.env._X_AMZN_TRACE_ID;
};`,
      },
      "index.handler",
    );
    const subclass = await invoke(name, { kind: "subclass" });
    expect([subclass.functionError, subclass.body.errorType, subclass.body.errorMessage]).toEqual([
      "Unhandled",
      "Error",
      "quiet",
    ]);
    const thrownString = await invoke(name, { kind: "string" });
    expect(thrownString.body).toEqual({ errorType: "string", errorMessage: "plain words", trace: [] });
    const thrownObject = await invoke(name, { kind: "object" });
    expect(thrownObject.body).toEqual({ errorType: "object", errorMessage: "[object Object]", trace: [] });
    const first = await invoke(name, { kind: "trace" });
    const second = await invoke(name, { kind: "trace" });
    expect(first.body).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Sampled=0$/);
    expect(second.body).toMatch(/^Root=1-/);
    expect(second.body).not.toBe(first.body);
  });
});

describe("handler resolution as Lambda's Node.js runtime does it", () => {
  test("ESM: a .mjs module and a type-module package", async () => {
    const mjs = await makeFunction(
      { "index.mjs": "export const handler = async (e) => ({ esm: true, got: e.n });" },
      "index.handler",
    );
    expect((await invoke(mjs, { n: 1 })).body).toEqual({ esm: true, got: 1 });
    const pkg = await makeFunction(
      {
        "package.json": JSON.stringify({ type: "module" }),
        "lib/main.js": "export async function go() { return import.meta.url.endsWith('/lib/main.js'); }",
      },
      "lib/main.go",
    );
    expect((await invoke(pkg)).body).toBe(true);
  });

  test("a callback-style handler", async () => {
    const name = await makeFunction(
      {
        "cb.js":
          "exports.handler = (event, context, callback) => { setTimeout(() => callback(null, { cb: event.x }), 5); };",
      },
      "cb.handler",
    );
    expect((await invoke(name, { x: 7 })).body).toEqual({ cb: 7 });
  });

  test("a missing export or module fails as Runtime.HandlerNotFound / Runtime.ImportModuleError", async () => {
    const noExport = await makeFunction({ "index.js": "exports.other = async () => 1;" }, "index.handler");
    const a = await invoke(noExport);
    expect(a.functionError).toBe("Unhandled");
    expect(a.body).toMatchObject({
      errorType: "Runtime.HandlerNotFound",
      errorMessage: "index.handler is undefined or not exported",
    });
    const noModule = await makeFunction({ "index.js": "exports.handler = async () => 1;" }, "missing.handler");
    const b = await invoke(noModule);
    expect(b.body).toMatchObject({ errorType: "Runtime.ImportModuleError" });
    expect(b.body.errorMessage).toContain("Cannot find module 'missing'");
  });

  test("an unsupported runtime is refused, naming it", async () => {
    const name = await makeFunction({ "index.py": "def handler(e, c):\n  return 1\n" }, "index.handler", {
      Runtime: "python3.12",
    });
    await expect(invoke(name)).rejects.toMatchObject({
      name: "InvalidRuntimeException",
      message: expect.stringContaining("python3.12"),
    });
  });
});

describe("credentials: each invocation runs as its execution role", () => {
  test("the caller is assumed-role/<role>/<function>", async () => {
    const role = await makeRole();
    const name = await makeFunction(
      {
        "index.js": `
          const { STSClient, GetCallerIdentityCommand } = require("@aws-sdk/client-sts");
          exports.handler = async () => (await new STSClient({}).send(new GetCallerIdentityCommand({}))).Arn;`,
      },
      "index.handler",
      { role },
    );
    const roleName = role.split("/").pop();
    const out = await invoke(name);
    expect(out.functionError).toBeUndefined();
    expect(out.body).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/${name}`);
  });
});

describe("versions, aliases, concurrency", () => {
  test("an alias runs the version it points to; $LATEST runs the new code", async () => {
    const name = await makeFunction({ "index.js": "exports.handler = async () => 'v1';" }, "index.handler");
    const published = await lambda.send(new PublishVersionCommand({ FunctionName: name }));
    await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: "live", FunctionVersion: published.Version }));
    await lambda.send(
      new UpdateFunctionCodeCommand({
        FunctionName: name,
        ZipFile: zipOf({ "index.js": "exports.handler = async () => 'v2';" }),
      }),
    );
    await settled(name);
    const live = await invoke(name, {}, { Qualifier: "live" });
    expect(live.body).toBe("v1");
    expect(live.executedVersion).toBe(published.Version);
    const latest = await invoke(name);
    expect(latest.body).toBe("v2");
    expect(latest.executedVersion).toBe("$LATEST");
  });

  test("reserved concurrency 0 throttles; 1 lets one invocation run at a time", async () => {
    const name = await makeFunction(
      {
        "index.js":
          "exports.handler = async (e) => { await new Promise((r) => setTimeout(r, e.ms || 0)); return 'done'; };",
      },
      "index.handler",
    );
    await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: 0 }));
    await expect(invoke(name)).rejects.toMatchObject({ name: "TooManyRequestsException" });
    await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: 1 }));
    const noRetries = new LambdaClient({ ...config, maxAttempts: 1 });
    const results = await Promise.allSettled([
      invoke(name, { ms: 1500 }, {}, noRetries),
      invoke(name, { ms: 1500 }, {}, noRetries),
    ]);
    const kinds = results.map((r) => (r.status === "fulfilled" ? r.value.body : (r.reason as Error).name)).sort();
    expect(kinds).toEqual(["TooManyRequestsException", "done"]);
  });
});

describe("asynchronous invocation", () => {
  test("Event answers 202; a failing event is retried, then its record goes to the on-failure destination", async () => {
    const sqs = new SQSClient(config);
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName("lc-failures") }));
    const queueArn = `arn:aws:sqs:us-east-1:${ACCOUNT}:${queue.QueueUrl?.split("/").pop()}`;
    const name = await makeFunction(
      { "index.js": "exports.handler = async (e) => { throw new Error('poison ' + e.id); };" },
      "index.handler",
    );
    await lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: name,
        MaximumRetryAttempts: 1,
        DestinationConfig: { OnFailure: { Destination: queueArn } },
      }),
    );
    const out = await invoke(name, { id: 42 }, { InvocationType: "Event" });
    expect(out.status).toBe(202);
    const message = await eventually(
      async () => {
        const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.QueueUrl, WaitTimeSeconds: 1 }));
        return got.Messages?.[0];
      },
      20_000,
      "the failure record",
    );
    const record = JSON.parse(message.Body ?? "{}");
    expect(record).toMatchObject({
      version: "1.0",
      requestContext: {
        functionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}:$LATEST`,
        condition: "RetriesExhausted",
        approximateInvokeCount: 2,
      },
      requestPayload: { id: 42 },
      responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
      responsePayload: { errorType: "Error", errorMessage: "poison 42" },
    });
  });

  test("the LoggingConfig log group receives the output", async () => {
    const group = `/custom/${uniqueName("lc-logs")}`;
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    const name = await makeFunction(
      { "index.js": "exports.handler = async () => { console.log('to custom group'); return 1; };" },
      "index.handler",
      {
        LoggingConfig: { LogGroup: group, LogFormat: "Text" },
      },
    );
    await invoke(name);
    const found = await eventually(async () => {
      const res = await logs.send(
        new FilterLogEventsCommand({ logGroupName: group, filterPattern: '"to custom group"' }),
      );
      return res.events?.length ? res.events : undefined;
    });
    expect(found.length).toBe(1);
  });
});

describe("image functions run their image's handler from the project's bundle", () => {
  test("a Dockerfile stage built and pushed locally; ImageConfig command over CMD; image ENV under the function's", async () => {
    const { buildLocalImage, pushLocalImage } = require("../../../scripts/local-image.js");
    const repository = uniqueName("lc-images");
    const out = mkdtempSync(join(tmpdir(), "lc-image-"));
    try {
      const image = buildLocalImage({
        dockerfile: "__tests__/platform/fixtures/image/Dockerfile",
        target: "greeter",
        buildArgs: { APP_VERSION: "abc123" },
        out: join(out, "root"),
      });
      expect(image).toMatchObject({
        cmd: ["greeter.handler"],
        runtime: "nodejs22.x",
        env: { APP_VERSION: "abc123", GREETING: "hello" },
      });
      await pushLocalImage({ endpoint: emulatorEndpoint(), repository, tag: "abc123", image });
      const imageUri = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/${repository}:abc123`;
      const role = await makeRole();
      const byCmd = uniqueName("lc-image-fn");
      await lambda.send(
        new CreateFunctionCommand({
          FunctionName: byCmd,
          PackageType: "Image",
          Code: { ImageUri: imageUri },
          Role: role,
          Architectures: ["arm64"],
          Environment: { Variables: { MODE: "fn" } },
        }),
      );
      expect((await invoke(byCmd, { name: "ada" })).body).toEqual({
        greeting: "hello ada",
        version: "abc123",
        mode: "fn",
      });
      const byCommand = uniqueName("lc-image-fn");
      await lambda.send(
        new CreateFunctionCommand({
          FunctionName: byCommand,
          PackageType: "Image",
          Code: { ImageUri: imageUri },
          ImageConfig: { Command: ["greeter.shout"] },
          Role: role,
        }),
      );
      expect((await invoke(byCommand, { name: "ada" })).body).toEqual({ greeting: "HEY ADA" });
      const unpushed = uniqueName("lc-image-fn");
      await lambda.send(
        new CreateFunctionCommand({
          FunctionName: unpushed,
          PackageType: "Image",
          Code: { ImageUri: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/${repository}:never-pushed` },
          Role: role,
        }),
      );
      await expect(invoke(unpushed)).rejects.toMatchObject({
        message: expect.stringContaining("has not been pushed to the local cloud"),
      });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
