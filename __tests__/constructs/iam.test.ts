import { Construct } from "constructs";
import { Bucket } from "../../constructs/bucket";
import { LambdaFunction } from "../../constructs/function";
import { Role } from "../../constructs/iam";
import { Table } from "../../constructs/table";
import { Topic } from "../../constructs/topic";
import { imageCode, newStack, statementsOf } from "../support/constructs";
import { toJson } from "../support/synth";

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

  test("the same grant twice is a no-op for every construct, compared on the resolved ARNs; each returns its Grant", () => {
    const stack = newStack();
    const role = new Role(stack, "R", { roleName: "r", assumedBy: { service: "lambda.amazonaws.com" } });
    const fn = new LambdaFunction(stack, "Fn", { functionName: "fn", code: imageCode });
    const table = new Table(stack, "T", { tableName: "things", partitionKey: { name: "pk", type: "S" } });
    const bucket = new Bucket(stack, "B", { bucketName: "a-bucket" });
    const topic = new Topic(stack, "Topic", { topicName: "alerts" });
    for (let i = 0; i < 2; i++) {
      // Each read of `fn.arn` is a new token string: only after resolution are they one ARN.
      const invoke = fn.grantInvoke(role);
      expect(invoke.principal).toBe(role);
      expect(invoke.statements.map((st) => st.sid)).toEqual(["InvokeFn"]);
      table.grantReadData(role);
      bucket.grantRead(role, "in/");
      topic.grantPublish(role);
    }
    const sids = role.policyStatements.map((st) => st.sid);
    expect(sids).toHaveLength(new Set(sids).size);
    expect(sids.length).toBeGreaterThanOrEqual(4);
    const statements = statementsOf(toJson(stack), "R_PolicyDocument");
    expect(statements.find((st: { sid: string }) => st.sid === "InvokeFn").resources).toEqual([
      expect.stringMatching(/^\$\{aws_lambda_function\.Fn_\w+\.arn\}$/),
      expect.stringMatching(/^\$\{aws_lambda_function\.Fn_\w+\.arn\}:\*$/),
    ]);
    // A different statement under the same id is still refused, showing both.
    expect(() =>
      role.addToPolicy({ sid: "InvokeFn", actions: ["lambda:InvokeFunction"], resources: [fn.arn] }),
    ).toThrow(/"InvokeFn" is used twice with different contents: .*aws_lambda_function\.Fn_\w+\.arn\}:\*.* and /);
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

  test("a role owns its policy sets: no managed policy, no inline policy but its own", () => {
    const stack = newStack();
    const role = new Role(stack, "R", { roleName: "r", assumedBy: { service: "lambda.amazonaws.com" } });
    new Role(stack, "Bare", { roleName: "bare", assumedBy: { service: "lambda.amazonaws.com" } });
    role.addToPolicy({ sid: "A", actions: ["s3:GetObject"], resources: ["arn:aws:s3:::b/*"] });
    const json = toJson(stack);
    const attachments = Object.entries(json.resource.aws_iam_role_policy_attachments_exclusive);
    expect(attachments.map(([, a]) => a.policy_arns)).toEqual([[], []]);
    const inline = Object.fromEntries(
      Object.entries(json.resource.aws_iam_role_policies_exclusive).map(([k, v]) => [k.split("_")[0], v.policy_names]),
    );
    // The name comes through the policy resource, so the set is applied after the policy exists.
    expect(inline).toEqual({ R: [expect.stringMatching(/^\$\{aws_iam_role_policy\.R_Policy_\w+\.name\}$/)], Bare: [] });
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
