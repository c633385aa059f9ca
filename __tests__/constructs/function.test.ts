import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { LambdaFunction } from "../../constructs/function";
import { Table } from "../../constructs/table";
import { imageCode, newStack, statementsOf } from "../support/constructs";
import { toJson } from "../support/synth";

describe("LambdaFunction", () => {
  test("has its own log group with retention and a logs permission scoped to it", () => {
    const stack = newStack();
    new LambdaFunction(stack, "Fn", {
      functionName: "fn",
      code: imageCode,
      logRetentionDays: 14,
      tracing: false,
      deadLetterQueue: false,
    });
    const json = toJson(stack);
    const group = Object.values(json.resource.aws_cloudwatch_log_group)[0];
    expect(group).toMatchObject({ name: "/aws/lambda/fn", retention_in_days: 14 });
    expect(statementsOf(json, "Fn_Role")).toEqual([
      {
        sid: "WriteLogsFn",
        effect: "Allow",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.Fn_LogGroup_\w+\.arn\}:\*$/)],
      },
    ]);
    expect(json.raw).not.toContain("AWSLambdaBasicExecutionRole");
  });

  test("failed async events go to an encrypted dead-letter queue the function may send to", () => {
    const stack = newStack();
    new LambdaFunction(stack, "Fn", { functionName: "fn", code: imageCode });
    const json = toJson(stack);
    const [queueKey, queue] = Object.entries(json.resource.aws_sqs_queue)[0];
    expect(queue).toMatchObject({ name: "fn-dlq", sqs_managed_sse_enabled: true });
    const fn = Object.values(json.resource.aws_lambda_function)[0];
    expect(fn.dead_letter_config).toEqual({ target_arn: `\${aws_sqs_queue.${queueKey}.arn}` });
    expect(statementsOf(json, "Fn_Role")).toContainEqual(
      expect.objectContaining({
        sid: "SendToDeadLetterQueueFn",
        actions: ["sqs:SendMessage"],
        resources: [`\${aws_sqs_queue.${queueKey}.arn}`],
      }),
    );
  });

  test.each([
    [{ timeout: 0 }, /timeout 0 must be an integer from 1 to 900/],
    [{ timeout: 901 }, /timeout 901/],
    [{ memorySize: 64 }, /memorySize 64 must be an integer from 128 to 10240/],
    [{ functionName: "bad name" }, /function name "bad name"/],
  ])("refuses %p", (override, message) => {
    expect(() => new LambdaFunction(newStack(), "Fn", { functionName: "fn", code: imageCode, ...override })).toThrow(
      message,
    );
  });

  test("bundle code is bundled at synth into a deterministic zip asset deployed with its hash", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-test-"));
    try {
      expectDeterministicBundle(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  function expectDeterministicBundle(dir: string): void {
    const entry = path.join(dir, "handler.ts");
    fs.writeFileSync(entry, "export const handler = async (e: unknown) => ({ got: e });\n");
    const synthFn = () => {
      const stack = newStack();
      new LambdaFunction(stack, "Fn", { functionName: "fn", code: { kind: "bundle", entry, bundleDir: dir } });
      return Object.values(toJson(stack).resource.aws_lambda_function)[0];
    };
    const first = synthFn();
    expect(first).toMatchObject({ package_type: "Zip", handler: "index.handler", runtime: "nodejs22.x" });
    expect(first.filename).toMatch(/^assets\/Fn_Code_\w+\/\w+\/handler-[0-9a-f]{8}\.zip$/);
    expect(first.source_code_hash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    // Same code, same hash (a re-plan is clean); changed code, new hash (the apply updates it).
    expect(synthFn().source_code_hash).toBe(first.source_code_hash);
    fs.writeFileSync(entry, "export const handler = async (e: unknown) => ({ changed: e });\n");
    const later = Date.now() / 1000 + 5;
    fs.utimesSync(entry, later, later);
    expect(synthFn().source_code_hash).not.toBe(first.source_code_hash);
  }

  test("env and grants come from what the function uses; the contract must match exactly", () => {
    const stack = newStack();
    const table = new Table(stack, "Things", { tableName: "things", partitionKey: { name: "pk", type: "S" } });
    const fn = new LambdaFunction(stack, "Fn", {
      functionName: "fn",
      code: imageCode,
      uses: [table.readData("THINGS_TABLE")],
      expectedEnvironment: ["THINGS_TABLE"],
    });
    expect(Object.keys(fn.environment)).toEqual(["THINGS_TABLE"]);
    const sids = statementsOf(toJson(stack), "Fn_Role").map((s: { sid: string }) => s.sid);
    expect(sids).toContain("ReadThings");
    expect(
      () =>
        new LambdaFunction(newStack(), "Fn", {
          functionName: "fn",
          code: imageCode,
          environment: { EXTRA: "1" },
          expectedEnvironment: ["NEEDED"],
        }),
    ).toThrow(/environment does not match the function's contract; missing NEEDED; not read by its code: EXTRA/);
  });

  test("grantInvoke allows the function and its versions only", () => {
    const stack = newStack();
    const target = new LambdaFunction(stack, "Target", { functionName: "target", code: imageCode });
    const caller = new LambdaFunction(stack, "Caller", { functionName: "caller", code: imageCode });
    target.grantInvoke(caller);
    const invoke = statementsOf(toJson(stack), "Caller_Role").find((s: { sid: string }) => s.sid === "InvokeTarget");
    expect(invoke.resources).toEqual([
      expect.stringMatching(/Target_\w+\.arn\}$/),
      expect.stringMatching(/Target_\w+\.arn\}:\*$/),
    ]);
  });
});
