import { TerraformVariable } from "cdktf";
import { EventRule } from "../../constructs/event-rule";
import { LambdaFunction } from "../../constructs/function";
import { lambdaInvokeTask, StateMachine } from "../../constructs/state-machine";
import { imageCode, newStack, statementsOf } from "../support/constructs";
import { toJson } from "../support/synth";

function machine(stack: ReturnType<typeof newStack>) {
  const fn = new LambdaFunction(stack, "Step", { functionName: "step", code: imageCode });
  return new StateMachine(stack, "Sm", {
    stateMachineName: "sm",
    definition: { StartAt: "Run", TimeoutSeconds: 60, States: { Run: lambdaInvokeTask(fn) } },
  });
}

describe("EventRule", () => {
  test("needs exactly one of a pattern and a schedule; literal schedules and names are checked", () => {
    const stack = newStack();
    expect(() => new EventRule(stack, "A", { ruleName: "a" })).toThrow(
      /test\/A: give exactly one of eventPattern and schedule/,
    );
    expect(() => new EventRule(stack, "B", { ruleName: "b", schedule: "every day" })).toThrow(
      /must be cron\(...\) or rate\(...\)/,
    );
    expect(() => new EventRule(stack, "C", { ruleName: "c d", schedule: "rate(1 day)" })).toThrow(/rule name "c d"/);
  });

  test("a state machine target brings a role that may start exactly that machine, and an input transformer", () => {
    const stack = newStack();
    const sm = machine(stack);
    const rule = new EventRule(stack, "Uploads", { ruleName: "uploads", eventPattern: { source: ["aws.s3"] } });
    rule.addStateMachineTarget(sm, {
      targetId: "run",
      roleName: "uploads-events",
      inputTransformer: { inputPaths: { key: "$.detail.object.key" }, inputTemplate: '{"key": <key>}' },
    });
    expect(() => rule.addStateMachineTarget(sm, { targetId: "run", roleName: "x" })).toThrow(
      /target id "run" is used twice/,
    );
    const json = toJson(stack);
    expect(Object.values(json.resource.aws_cloudwatch_event_rule)[0].event_pattern).toBe('{"source":["aws.s3"]}');
    const target = Object.values(json.resource.aws_cloudwatch_event_target)[0];
    expect(target).toMatchObject({
      arn: expect.stringMatching(/aws_sfn_state_machine\.Sm_\w+\.arn/),
      role_arn: expect.stringMatching(/aws_iam_role\.Uploads_RunRole_\w+\.arn/),
      input_transformer: { input_paths: { key: "$.detail.object.key" }, input_template: '{"key": <key>}' },
    });
    expect(statementsOf(json, "Uploads_RunRole")).toEqual([
      expect.objectContaining({
        actions: ["states:StartExecution"],
        resources: [expect.stringMatching(/Sm_\w+\.arn\}$/)],
      }),
    ]);
  });

  test("a switched rule counts itself, its targets and the Lambda permission, which names only this rule", () => {
    const stack = newStack();
    const enabled = new TerraformVariable(stack, "enabled", { type: "bool", default: true });
    const fn = new LambdaFunction(stack, "Tick", { functionName: "tick", code: imageCode });
    const rule = new EventRule(stack, "Nightly", {
      ruleName: "nightly",
      schedule: "cron(0 1 * * ? *)",
      enabled: enabled.booleanValue,
    });
    rule.addLambdaTarget(fn, { targetId: "tick", input: { mode: "nightly" } });
    const json = toJson(stack);
    const [ruleKey] = Object.keys(json.resource.aws_cloudwatch_event_rule);
    const on = "${var.enabled ? 1 : 0}";
    expect(json.resource.aws_cloudwatch_event_rule[ruleKey].count).toBe(on);
    expect(Object.values(json.resource.aws_cloudwatch_event_target)[0]).toMatchObject({
      count: on,
      rule: `\${one(aws_cloudwatch_event_rule.${ruleKey}[*].name)}`,
      input: '{"mode":"nightly"}',
    });
    expect(Object.values(json.resource.aws_lambda_permission)[0]).toMatchObject({
      count: on,
      principal: "events.amazonaws.com",
      source_arn: `\${one(aws_cloudwatch_event_rule.${ruleKey}[*].arn)}`,
    });
  });
});
