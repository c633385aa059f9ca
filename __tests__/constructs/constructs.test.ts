import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import { Construct } from "constructs";
import { Bucket } from "../../constructs/bucket";
import { CodeBuildProject } from "../../constructs/codebuild-project";
import { LambdaFunction } from "../../constructs/function";
import { HttpApi } from "../../constructs/http-api";
import { Role } from "../../constructs/iam";
import { fitName } from "../../constructs/names";
import { Repository } from "../../constructs/repository";
import { lambdaInvokeTask, StateMachine, validateDefinition } from "../../constructs/state-machine";
import { Table } from "../../constructs/table";
import { type StackJson, toJson } from "../support/synth";

function newStack(): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "test");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  return stack;
}
const imageCode = {
  kind: "image" as const,
  imageUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1",
  command: ["a.handler"],
};
const statementsOf = (json: StackJson, docPrefix: string) =>
  Object.entries(json.data.aws_iam_policy_document)
    .filter(([k]) => k.startsWith(docPrefix))
    .flatMap(([, v]) => v.statement);

describe("Role", () => {
  test("refuses a wildcard resource without a reason", () => {
    const role = new Role(newStack(), "R", { roleName: "r", assumedBy: { service: "lambda.amazonaws.com" } });
    expect(() => role.addToPolicy({ sid: "All", actions: ["s3:GetObject"], resources: ["*"] })).toThrow(
      /test\/R: statement "All" uses the wildcard resource "\*"/,
    );
  });

  test("refuses a duplicate statement id and an empty statement", () => {
    const role = new Role(newStack(), "R", { roleName: "r", assumedBy: { service: "lambda.amazonaws.com" } });
    role.addToPolicy({ sid: "A", actions: ["s3:GetObject"], resources: ["arn:aws:s3:::b/*"] });
    expect(() => role.addToPolicy({ sid: "A", actions: ["s3:PutObject"], resources: ["arn:aws:s3:::b/*"] })).toThrow(
      /used twice with different contents/,
    );
    // The very same statement again (a grant made twice) is a no-op.
    role.addToPolicy({ sid: "A", actions: ["s3:GetObject"], resources: ["arn:aws:s3:::b/*"] });
    expect(role.policyStatements).toHaveLength(1);
    expect(() => role.addToPolicy({ sid: "B", actions: [], resources: ["arn:aws:s3:::b/*"] })).toThrow(
      /at least one action/,
    );
  });

  test("refuses an invalid role name", () => {
    expect(() => new Role(newStack(), "R", { roleName: "has space", assumedBy: { service: "x" } })).toThrow(
      /role name "has space"/,
    );
  });

  test("a role without grants has no policy; grants gather into one inline policy", () => {
    const stack = newStack();
    const bare = new Role(stack, "Bare", { roleName: "bare", assumedBy: { service: "lambda.amazonaws.com" } });
    const role = new Role(stack, "R", { roleName: "r", assumedBy: { service: "lambda.amazonaws.com" } });
    role.addToPolicy({ sid: "A", actions: ["s3:GetObject"], resources: ["arn:aws:s3:::b/*"] });
    role.addToPolicy({ sid: "B", actions: ["s3:PutObject"], resources: ["arn:aws:s3:::c/*"] });
    const json = toJson(stack);
    expect(bare.policyDependable).toBeUndefined();
    expect(Object.keys(json.resource.aws_iam_role_policy)).toHaveLength(1);
    expect(statementsOf(json, "R_PolicyDocument").map((s: { sid: string }) => s.sid)).toEqual(["A", "B"]);
  });

  test("adopt emits an import block for the role name and nothing otherwise", () => {
    const stack = newStack();
    new Role(stack, "Adopted", { roleName: "made-by-hand", assumedBy: { service: "lambda.amazonaws.com" } }).adopt();
    new Role(stack, "Fresh", { roleName: "fresh", assumedBy: { service: "lambda.amazonaws.com" } });
    const json = toJson(stack);
    expect(json.import).toEqual([{ to: expect.stringMatching(/^aws_iam_role\.Adopted_\w+$/), id: "made-by-hand" }]);
  });

  test("statement ids are unique by construct path: two systems' OrdersTable granted to one role", () => {
    const stack = newStack();
    const role = new Role(stack, "R", { roleName: "r", assumedBy: { service: "lambda.amazonaws.com" } });
    const a = new Construct(stack, "SystemA");
    const b = new Construct(stack, "SystemB");
    for (const scope of [a, b]) {
      new Table(scope, "OrdersTable", {
        tableName: `${scope.node.id}-orders`,
        partitionKey: { name: "pk", type: "S" },
      }).grantReadData(role);
    }
    expect(role.policyStatements.map((s) => s.sid)).toEqual(["ReadSystemAOrdersTable", "ReadSystemBOrdersTable"]);
  });
});

describe("fitName", () => {
  test("keeps names that fit and shortens the rest to the limit with a stable hash", () => {
    expect(fitName("short-role", 64)).toBe("short-role");
    const long = `${"a".repeat(60)}-lambda-role-stage`;
    const fitted = fitName(long, 64);
    expect(fitted).toHaveLength(64);
    expect(fitted).toMatch(/^a+-[0-9a-f]{8}$/);
    expect(fitName(long, 64)).toBe(fitted);
    expect(fitName(`${long}x`, 64)).not.toBe(fitted);
  });
});

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
  });

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

describe("Table", () => {
  test("declares each key attribute once and grants table + indexes", () => {
    const stack = newStack();
    const table = new Table(stack, "T", {
      tableName: "things",
      partitionKey: { name: "pk", type: "S" },
      sortKey: { name: "sk", type: "S" },
      ttlAttribute: "ttl",
      globalSecondaryIndexes: [{ indexName: "by_pk", partitionKey: { name: "pk", type: "S" } }],
    });
    const role = new Role(stack, "R", { roleName: "r", assumedBy: { service: "lambda.amazonaws.com" } });
    table.grantReadData(role);
    const json = toJson(stack);
    const body = Object.values(json.resource.aws_dynamodb_table)[0];
    expect(body.attribute).toEqual([
      { name: "pk", type: "S" },
      { name: "sk", type: "S" },
    ]);
    const [statement] = statementsOf(json, "R_PolicyDocument");
    expect(statement.actions).not.toContain("dynamodb:PutItem");
    expect(statement.resources).toEqual([
      expect.stringMatching(/\.arn\}$/),
      expect.stringMatching(/\.arn\}\/index\/\*$/),
    ]);
  });

  test("refuses one attribute with two types", () => {
    expect(
      () =>
        new Table(newStack(), "T", {
          tableName: "things",
          partitionKey: { name: "pk", type: "S" },
          globalSecondaryIndexes: [{ indexName: "i", partitionKey: { name: "pk", type: "N" } }],
        }),
    ).toThrow(/attribute "pk" is declared as both S and N/);
  });
});

describe("Bucket", () => {
  test("refuses an invalid literal name and a prefix without a trailing slash", () => {
    expect(() => new Bucket(newStack(), "B", { bucketName: "Bad_Name" })).toThrow(/bucket name "Bad_Name"/);
    const stack = newStack();
    const bucket = new Bucket(stack, "B", { bucketName: "good-name" });
    const role = new Role(stack, "R", { roleName: "r", assumedBy: { service: "lambda.amazonaws.com" } });
    expect(() => bucket.grantRead(role, "tmp")).toThrow(/prefix "tmp" must end with "\/"/);
  });

  test("is private and TLS-only by default, kept on destroy, without expiry unless asked", () => {
    const stack = newStack();
    new Bucket(stack, "B", { bucketName: "good-name" });
    const json = toJson(stack);
    expect(Object.values(json.resource.aws_s3_bucket)[0].force_destroy).toBe(false);
    expect(json.resource.aws_s3_bucket_public_access_block).toBeDefined();
    expect(json.resource.aws_s3_bucket_policy).toBeDefined();
    expect(json.resource.aws_s3_bucket_lifecycle_configuration).toBeUndefined();
  });

  test("prefix grants scope object ARNs to the prefix", () => {
    const stack = newStack();
    const bucket = new Bucket(stack, "B", { bucketName: "good-name" });
    const role = new Role(stack, "R", { roleName: "r", assumedBy: { service: "lambda.amazonaws.com" } });
    bucket.grantWrite(role, "tmp/exec/");
    const [statement] = statementsOf(toJson(stack), "R_PolicyDocument");
    expect(statement).toMatchObject({
      actions: ["s3:PutObject"],
      resources: [expect.stringMatching(/\.arn\}\/tmp\/exec\/\*$/)],
    });
  });
});

describe("StateMachine", () => {
  test("validation finds unknown targets, unreachable states and missing ends", () => {
    expect(
      validateDefinition({
        StartAt: "A",
        TimeoutSeconds: 60,
        States: { A: { Type: "Wait", Seconds: 1, Next: "Nowhere" }, B: { Type: "Wait", Seconds: 1, Next: "A" } },
      }),
    ).toEqual(['state "A" goes to unknown state "Nowhere"', "no state ends the execution", 'state "B" is unreachable']);
  });

  test("the role may invoke exactly the functions the definition names", () => {
    const stack = newStack();
    const fn = new LambdaFunction(stack, "Check", { functionName: "check", code: imageCode });
    new LambdaFunction(stack, "Other", { functionName: "other", code: imageCode });
    new StateMachine(stack, "Sm", {
      stateMachineName: "sm",
      invokes: [fn],
      definition: {
        StartAt: "Run",
        TimeoutSeconds: 60,
        States: { Run: lambdaInvokeTask(fn, { next: "Done" }), Done: { Type: "Succeed" } },
      },
    });
    const statements = statementsOf(toJson(stack), "Sm_Role");
    const invokes = statements.filter((s: { actions: string[] }) => s.actions.includes("lambda:InvokeFunction"));
    expect(invokes).toHaveLength(1);
    expect(invokes[0].resources.join(" ")).toMatch(/Check_\w+\.arn/);
    expect(invokes[0].resources.join(" ")).not.toMatch(/Other_/);
  });

  test("refuses an invalid definition naming the construct", () => {
    expect(
      () =>
        new StateMachine(newStack(), "Sm", {
          stateMachineName: "sm",
          invokes: [],
          definition: { StartAt: "Missing", TimeoutSeconds: 60, States: { Done: { Type: "Succeed" } } },
        }),
    ).toThrow(/test\/Sm: invalid state machine definition: StartAt "Missing" is not a state/);
  });
});

describe("HttpApi, Repository, CodeBuildProject", () => {
  test("a route path must start with /", () => {
    const stack = newStack();
    const api = new HttpApi(stack, "Api", { apiName: "api" });
    const fn = new LambdaFunction(stack, "Fn", { functionName: "fn", code: imageCode });
    expect(() => api.addLambdaRoute({ method: "GET", path: "orders", fn })).toThrow(
      /route path "orders" must start with "\/"/,
    );
  });

  test("repository defaults to immutable tags and refuses invalid names", () => {
    const stack = newStack();
    new Repository(stack, "Repo", { repositoryName: "ok/name" });
    expect(Object.values(toJson(stack).resource.aws_ecr_repository)[0].image_tag_mutability).toBe("IMMUTABLE");
    expect(() => new Repository(newStack(), "Repo", { repositoryName: "Bad" })).toThrow(/repository name "Bad"/);
  });

  test("CodeBuild refuses an out-of-range timeout", () => {
    expect(
      () =>
        new CodeBuildProject(newStack(), "Cb", {
          projectName: "cb",
          imageUri: "x",
          repositoryArn: "arn:aws:ecr:us-east-1:123456789012:repository/x",
          buildspec: "version: 0.2",
          buildTimeoutMinutes: 1,
        }),
    ).toThrow(/buildTimeoutMinutes 1 must be from 5 to 2160/);
  });
});
