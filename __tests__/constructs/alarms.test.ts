import { TerraformVariable, Testing } from "cdktf";
import { ALARM_DEFAULTS, SystemAlarms } from "../../constructs/alarms";
import { LambdaFunction } from "../../constructs/function";
import { HttpApi } from "../../constructs/http-api";
import { Role } from "../../constructs/iam";
import { Key } from "../../constructs/key";
import { RestApi } from "../../constructs/rest-api";
import { lambdaInvokeTask, StateMachine } from "../../constructs/state-machine";
import { Table } from "../../constructs/table";
import { Topic } from "../../constructs/topic";
import { imageCode, newStack, statementsOf } from "../support/constructs";
import { type Json, toJson } from "../support/synth";

const TOPIC = "arn:aws:sns:us-east-1:123456789012:sys-alerts";
const alarmsOf = (json: ReturnType<typeof toJson>): Json[] => Object.values(json.resource.aws_cloudwatch_metric_alarm);
const byName = (json: ReturnType<typeof toJson>) =>
  Object.fromEntries(alarmsOf(json).map((a) => [a.alarm_name, a])) as Record<string, Json>;

/** A stack with one of each watched kind, all named under the prefix `sys`. */
function everything() {
  const stack = newStack();
  const fn = new LambdaFunction(stack, "Worker", { functionName: "sys-worker", code: imageCode });
  const quiet = new LambdaFunction(stack, "Sync", {
    functionName: "sys-sync",
    code: imageCode,
    deadLetterQueue: false,
  });
  new StateMachine(stack, "Flow", {
    stateMachineName: "sys-flow",
    definition: { StartAt: "A", TimeoutSeconds: 60, States: { A: lambdaInvokeTask(quiet, {}) } },
  });
  new HttpApi(stack, "Api", { apiName: "sys-api" });
  new RestApi(stack, "Rest", {
    restApiName: "sys-rest",
    stageName: "live",
    openApi: {
      openapi: "3.0.1",
      info: { title: "t", version: "1", description: "d" },
      paths: { "/x": { get: { operationId: "x" } } },
    },
    integrations: { x: fn },
  });
  new Table(stack, "Things", { tableName: "sys-things", partitionKey: { name: "pk", type: "S" } });
  return stack;
}

describe("SystemAlarms", () => {
  test("watchStack: errors and throttles of every function, its dead-letter queue's depth, failed and timed-out executions, 5xx of both API kinds, table throttles", () => {
    const stack = everything();
    new SystemAlarms(stack, "Alarms", { topicArn: TOPIC, namePrefix: "sys" }).watchStack();
    const json = toJson(stack);
    const alarms = byName(json);
    expect(Object.keys(alarms).sort()).toEqual(
      [
        "sys-worker-errors",
        "sys-worker-throttles",
        "sys-worker-dlq-depth",
        "sys-sync-errors",
        "sys-sync-throttles",
        "sys-flow-executions-failed",
        "sys-flow-executions-timed-out",
        "sys-api-5xx",
        "sys-rest-live-5xx",
        "sys-things-read-throttles",
        "sys-things-write-throttles",
      ].sort(),
    );
    const fnKey = Object.entries<Json>(json.resource.aws_lambda_function).find(
      ([, f]) => f.function_name === "sys-worker",
    )?.[0];
    expect(alarms["sys-worker-errors"]).toMatchObject({
      namespace: "AWS/Lambda",
      metric_name: "Errors",
      dimensions: { FunctionName: `\${aws_lambda_function.${fnKey}.function_name}` },
      statistic: "Sum",
      comparison_operator: "GreaterThanThreshold",
      threshold: 0,
      period: 300,
      evaluation_periods: 1,
      datapoints_to_alarm: 1,
      treat_missing_data: "notBreaching",
      alarm_actions: [TOPIC],
      ok_actions: [TOPIC],
    });
    expect(alarms["sys-worker-throttles"].metric_name).toBe("Throttles");
    expect(alarms["sys-worker-dlq-depth"]).toMatchObject({
      namespace: "AWS/SQS",
      metric_name: "ApproximateNumberOfMessagesVisible",
      statistic: "Maximum",
      dimensions: { QueueName: expect.stringMatching(/^\$\{aws_sqs_queue\.Worker_DeadLetterQueue_\w+\.name\}$/) },
    });
    expect(alarms["sys-flow-executions-failed"]).toMatchObject({
      namespace: "AWS/States",
      metric_name: "ExecutionsFailed",
      dimensions: { StateMachineArn: expect.stringMatching(/^\$\{aws_sfn_state_machine\.\w+\.arn\}$/) },
    });
    expect(alarms["sys-flow-executions-timed-out"].metric_name).toBe("ExecutionsTimedOut");
    expect(alarms["sys-api-5xx"]).toMatchObject({
      namespace: "AWS/ApiGateway",
      metric_name: "5xx",
      dimensions: { ApiId: expect.stringMatching(/^\$\{aws_apigatewayv2_api\.\w+\.id\}$/), Stage: "$default" },
    });
    expect(alarms["sys-rest-live-5xx"]).toMatchObject({
      metric_name: "5XXError",
      dimensions: { ApiName: "sys-rest", Stage: "live" },
    });
    expect(alarms["sys-things-read-throttles"]).toMatchObject({
      namespace: "AWS/DynamoDB",
      metric_name: "ReadThrottleEvents",
      dimensions: { TableName: expect.stringMatching(/^\$\{aws_dynamodb_table\.\w+\.name\}$/) },
    });
    expect(alarms["sys-things-write-throttles"].metric_name).toBe("WriteThrottleEvents");
    for (const a of alarmsOf(json)) expect([a.alarm_name, a.ok_actions]).toEqual([a.alarm_name, [TOPIC]]);
  });

  test("a resource added after watchStack fails synth by name; watching it explicitly fixes that", () => {
    const stack = everything();
    const alarms = new SystemAlarms(stack, "Alarms", { topicArn: TOPIC, namePrefix: "sys" }).watchStack();
    expect(stack.node.validate()).toEqual([]);
    const late = new LambdaFunction(stack, "Late", { functionName: "sys-late", code: imageCode });
    const table = new Table(stack, "LateTable", { tableName: "sys-late", partitionKey: { name: "pk", type: "S" } });
    const problems = alarms.node.validate();
    expect(problems).toEqual([
      "test/Late has no alarms",
      "test/Late/DeadLetterQueue has no alarms",
      "test/LateTable has no alarms",
    ]);
    expect(() => Testing.synth(stack, true)).toThrow(/test\/Late has no alarms/);
    alarms.forFunction(late).forTable(table);
    expect(alarms.node.validate()).toEqual([]);
    expect(() => alarms.forTable(table)).toThrow(/test\/LateTable already has its alarms/);
  });

  test("names start with the system prefix (added when the resource's name lacks it); defaults and per-call settings", () => {
    const stack = newStack();
    const a = new LambdaFunction(stack, "A", { functionName: "other-a", code: imageCode, deadLetterQueue: false });
    const b = new LambdaFunction(stack, "B", { functionName: "sys-b", code: imageCode, deadLetterQueue: false });
    new SystemAlarms(stack, "Alarms", {
      topicArn: TOPIC,
      namePrefix: "sys",
      defaults: { periodSeconds: 60, evaluationPeriods: 5 },
    })
      .forFunction(a)
      .forFunction(b, { threshold: 3, evaluationPeriods: 3, datapointsToAlarm: 2 });
    const alarms = byName(toJson(stack));
    expect(Object.keys(alarms).sort()).toEqual([
      "sys-b-errors",
      "sys-b-throttles",
      "sys-other-a-errors",
      "sys-other-a-throttles",
    ]);
    expect(alarms["sys-other-a-errors"]).toMatchObject({
      period: 60,
      evaluation_periods: 5,
      datapoints_to_alarm: 5,
      threshold: 0,
    });
    expect(alarms["sys-b-errors"]).toMatchObject({
      period: 60,
      evaluation_periods: 3,
      datapoints_to_alarm: 2,
      threshold: 3,
    });
    expect(alarms["sys-b-errors"].alarm_description).toBe(
      "Invocations of sys-b that ended in a function error: Errors (Sum) above 3 in 2 of 3 periods of 60 s",
    );
    expect(ALARM_DEFAULTS).toEqual({
      threshold: 0,
      periodSeconds: 300,
      evaluationPeriods: 1,
      treatMissingData: "notBreaching",
    });
  });

  test("refuses settings CloudWatch refuses, a bad prefix, and names that are Terraform expressions", () => {
    const stack = newStack();
    const fn = new LambdaFunction(stack, "F", { functionName: "sys-f", code: imageCode, deadLetterQueue: false });
    const alarms = new SystemAlarms(stack, "Alarms", { topicArn: TOPIC, namePrefix: "sys" });
    expect(() => alarms.forFunction(fn, { periodSeconds: 45 })).toThrow(/period 45 must be 10, 30 or a multiple of 60/);
    expect(
      () => new SystemAlarms(stack, "A2", { topicArn: TOPIC, namePrefix: "sys", defaults: { evaluationPeriods: 0 } }),
    ).toThrow(/evaluationPeriods 0/);
    expect(() => new SystemAlarms(stack, "A3", { topicArn: TOPIC, namePrefix: "s y" })).toThrow(/name prefix "s y"/);
    const other = newStack();
    const name = new TerraformVariable(other, "name", { type: "string" });
    const table = new Table(other, "T", { tableName: "sys-t", partitionKey: { name: "pk", type: "S" } });
    table.resource.name = name.stringValue;
    expect(() => new SystemAlarms(other, "Alarms", { topicArn: TOPIC, namePrefix: "sys" }).forTable(table)).toThrow(
      /test\/T: alarms need its name as a literal string/,
    );
  });
});

describe("Key and a topic under it", () => {
  test("the key rotates and lets the account (through IAM) and the named services use it", () => {
    const stack = newStack();
    new Key(stack, "K", { description: "k", services: ["cloudwatch.amazonaws.com"] });
    const key = Object.values<Json>(toJson(stack).resource.aws_kms_key)[0];
    expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30, description: "k" });
    expect(JSON.parse(key.policy).Statement).toEqual([
      {
        Sid: "AccountManagesTheKeyThroughIam",
        Effect: "Allow",
        Principal: {
          AWS: expect.stringMatching(
            /^arn:\$\{data\.aws_partition\.\w+\.partition\}:iam::\$\{data\.aws_caller_identity\.\w+\.account_id\}:root$/,
          ),
        },
        Action: "kms:*",
        Resource: "*",
      },
      {
        Sid: "ServicesUseTheKey",
        Effect: "Allow",
        Principal: { Service: ["cloudwatch.amazonaws.com"] },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
      },
    ]);
    expect(() => new Key(stack, "K2", { description: "k", deletionWindowDays: 3 })).toThrow(/deletionWindowDays 3/);
  });

  test("a topic under a key: encrypted with it; a publisher gets sns:Publish and the key's data-key actions", () => {
    const stack = newStack();
    const key = new Key(stack, "K", { description: "k" });
    const topic = new Topic(stack, "T", { topicName: "sys-alerts", key });
    const role = new Role(stack, "R", { roleName: "r", assumedBy: { service: "states.amazonaws.com" } });
    topic.grantPublish(role);
    topic.grantPublish(role);
    const json = toJson(stack);
    const keyKey = Object.keys(json.resource.aws_kms_key)[0];
    expect(Object.values<Json>(json.resource.aws_sns_topic)[0].kms_master_key_id).toBe(`\${aws_kms_key.${keyKey}.arn}`);
    expect(statementsOf(json, "R_PolicyDocument").map((s: Json) => [s.actions, s.resources])).toEqual([
      [["sns:Publish"], [expect.stringMatching(/^\$\{aws_sns_topic\.\w+\.arn\}$/)]],
      [["kms:Decrypt", "kms:GenerateDataKey*"], [`\${aws_kms_key.${keyKey}.arn}`]],
    ]);
    expect(() => new Topic(stack, "T2", { topicName: "x", key, kmsMasterKeyId: "alias/aws/sns" })).toThrow(/not both/);
  });

  test("e-mail subscriptions from a list: for_each over its set", () => {
    const stack = newStack();
    const emails = new TerraformVariable(stack, "emails", { type: "list(string)", default: [] });
    new Topic(stack, "T", { topicName: "sys-alerts" }).addEmailSubscriptions(emails.listValue);
    expect(Object.values<Json>(toJson(stack).resource.aws_sns_topic_subscription)).toEqual([
      expect.objectContaining({ for_each: "${toset(var.emails)}", protocol: "email", endpoint: "${each.value}" }),
    ]);
  });
});
