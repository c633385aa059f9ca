/**
 * What a system's alarms must be, derived from its synthesized JSON: every function, state
 * machine, dead-letter queue, API stage and table the stack holds, whatever construct made it,
 * has its alarms, each notifying the system's alert topic. A resource added without alarms
 * makes the expected set larger than the alarms found, and the test fails naming it.
 */
import { ALARM_DEFAULTS } from "../../constructs/alarms";
import type { Json, StackJson } from "./synth";

/** One alarm as the tests compare them: what it watches, and where it sends. */
export interface AlarmKey {
  readonly namespace: string;
  readonly metric: string;
  readonly dimensions: Record<string, string>;
}

const ref = (type: string, key: string, attribute: string) => `\${${type}.${key}.${attribute}}`;
const entries = (json: StackJson, type: string): [string, Json][] => Object.entries(json.resource[type] ?? {});

/** The alarms every resource of the stack needs, from the resources themselves. */
export function expectedAlarms(json: StackJson): AlarmKey[] {
  const want: AlarmKey[] = [];
  const add = (namespace: string, metrics: string[], dimensions: Record<string, string>) => {
    for (const metric of metrics) want.push({ namespace, metric, dimensions });
  };
  for (const [key] of entries(json, "aws_lambda_function")) {
    add("AWS/Lambda", ["Errors", "Throttles"], { FunctionName: ref("aws_lambda_function", key, "function_name") });
  }
  for (const [key] of entries(json, "aws_sfn_state_machine")) {
    add("AWS/States", ["ExecutionsFailed", "ExecutionsTimedOut"], {
      StateMachineArn: ref("aws_sfn_state_machine", key, "arn"),
    });
  }
  // Dead-letter queues: any queue a function's dead_letter_config or a queue's redrive policy names.
  const deadLetterTargets = new Set<string>([
    ...entries(json, "aws_lambda_function").map(([, f]) => f.dead_letter_config?.target_arn),
    ...entries(json, "aws_sqs_queue").map(([, q]) => q.redrive_policy ?? ""),
  ]);
  for (const [key] of entries(json, "aws_sqs_queue")) {
    const arn = ref("aws_sqs_queue", key, "arn");
    if ([...deadLetterTargets].some((t) => typeof t === "string" && t.includes(arn))) {
      add("AWS/SQS", ["ApproximateNumberOfMessagesVisible"], { QueueName: ref("aws_sqs_queue", key, "name") });
    }
  }
  for (const [, stage] of entries(json, "aws_apigatewayv2_stage")) {
    add("AWS/ApiGateway", ["5xx"], { ApiId: stage.api_id, Stage: stage.name });
  }
  for (const [, stage] of entries(json, "aws_api_gateway_stage")) {
    const apiKey = /^\$\{aws_api_gateway_rest_api\.(\w+)\.id\}$/.exec(stage.rest_api_id)?.[1] as string;
    add("AWS/ApiGateway", ["5XXError"], {
      ApiName: json.resource.aws_api_gateway_rest_api[apiKey].name,
      Stage: stage.stage_name,
    });
  }
  for (const [key] of entries(json, "aws_dynamodb_table")) {
    add("AWS/DynamoDB", ["ReadThrottleEvents", "WriteThrottleEvents"], {
      TableName: ref("aws_dynamodb_table", key, "name"),
    });
  }
  return want;
}

/** The alarms the stack has. */
export function alarmsOf(json: StackJson): Json[] {
  return entries(json, "aws_cloudwatch_metric_alarm").map(([, a]) => a);
}

export const keyOf = (a: Json): AlarmKey => ({
  namespace: a.namespace,
  metric: a.metric_name,
  dimensions: a.dimensions,
});
const sortKeys = (keys: AlarmKey[]) => keys.map((k) => JSON.stringify(k)).sort();

/** The Terraform reference to the ARN of the topic named `topicName`. */
export function topicArnRef(json: StackJson, topicName: string): string {
  const found = entries(json, "aws_sns_topic").filter(([, t]) => t.name === topicName);
  if (found.length !== 1) throw new Error(`expected one topic ${topicName}, found ${found.length}`);
  return ref("aws_sns_topic", found[0][0], "arn");
}

/**
 * Checks that the stack's alarms are exactly the expected ones, each judged with the documented
 * defaults, named under the prefix and sending ALARM and OK to the topic; returns their count.
 */
export function checkAlarms(json: StackJson, props: { topicName: string; namePrefix: string }): number {
  const topic = topicArnRef(json, props.topicName);
  const alarms = alarmsOf(json);
  expect(sortKeys(alarms.map(keyOf))).toEqual(sortKeys(expectedAlarms(json)));
  for (const a of alarms) {
    expect([a.alarm_name, a.alarm_actions, a.ok_actions]).toEqual([a.alarm_name, [topic], [topic]]);
    expect(a.alarm_name.startsWith(`${props.namePrefix}-`)).toBe(true);
    expect(a).toMatchObject({
      comparison_operator: "GreaterThanThreshold",
      threshold: ALARM_DEFAULTS.threshold,
      period: ALARM_DEFAULTS.periodSeconds,
      evaluation_periods: ALARM_DEFAULTS.evaluationPeriods,
      datapoints_to_alarm: ALARM_DEFAULTS.evaluationPeriods,
      treat_missing_data: "notBreaching",
      statistic: a.namespace === "AWS/SQS" ? "Maximum" : "Sum",
    });
  }
  expect(new Set(alarms.map((a) => a.alarm_name)).size).toBe(alarms.length);
  return alarms.length;
}

/**
 * The topic's key lets CloudWatch make and open data keys (alarms cannot publish to a topic
 * under a key whose policy does not name the service).
 */
export function checkTopicKeyAllowsCloudWatch(json: StackJson, topicName: string): void {
  const topic = entries(json, "aws_sns_topic").find(([, t]) => t.name === topicName)?.[1];
  const keyRef = /^\$\{aws_kms_key\.(\w+)\.arn\}$/.exec(topic?.kms_master_key_id ?? "")?.[1];
  expect(keyRef).toBeDefined();
  const key = json.resource.aws_kms_key[keyRef as string];
  expect(key.enable_key_rotation).toBe(true);
  const policy = JSON.parse(key.policy);
  const service = policy.Statement.find((s: Json) => s.Principal?.Service);
  expect(service).toMatchObject({
    Effect: "Allow",
    Principal: { Service: ["cloudwatch.amazonaws.com"] },
    Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
  });
  const root = policy.Statement.find((s: Json) => s.Principal?.AWS);
  expect(root.Principal.AWS).toMatch(
    /^arn:\$\{data\.aws_partition\.\w+\.partition\}:iam::\$\{data\.aws_caller_identity\.\w+\.account_id\}:root$/,
  );
}

/**
 * The `alert_emails` variable as Terraform would judge a value: its type and default, and its
 * synthesized condition (`alltrue` over the addresses of `can(regex(...))`) evaluated in JS.
 */
export function alertEmailsRule(json: StackJson): (emails: string[]) => boolean {
  const variable = json.variable.alert_emails;
  expect(variable).toMatchObject({ type: "list(string)", default: [], nullable: false });
  expect(variable.validation).toHaveLength(1);
  const condition: string = variable.validation[0].condition;
  const match = /^\$\{alltrue\(\[for e in var\.alert_emails : can\(regex\("(.+)", e\)\)\]\)\}$/.exec(condition);
  expect(match).not.toBeNull();
  // An HCL string literal: \\ is one backslash.
  const pattern = new RegExp((match as RegExpExecArray)[1].replace(/\\\\/g, "\\"));
  return (emails) => emails.every((e) => pattern.test(e));
}

/** The e-mail subscriptions: one resource, for_each over the set of alert_emails. */
export function checkEmailSubscriptions(json: StackJson, topicName: string): void {
  const topic = topicArnRef(json, topicName);
  const subs = entries(json, "aws_sns_topic_subscription")
    .map(([, s]) => s)
    .filter((s) => s.topic_arn === topic);
  expect(subs).toEqual([
    expect.objectContaining({ for_each: "${toset(var.alert_emails)}", protocol: "email", endpoint: "${each.value}" }),
  ]);
}

/** Tables and buckets protected from destruction (deletion protection and prevent_destroy). */
export function protection(json: StackJson) {
  return {
    tables: entries(json, "aws_dynamodb_table").map(([, t]) => ({
      name: t.name,
      deletionProtection: t.deletion_protection_enabled,
      preventDestroy: t.lifecycle?.prevent_destroy === true,
    })),
    buckets: entries(json, "aws_s3_bucket").map(([, b]) => ({
      bucket: b.bucket,
      forceDestroy: b.force_destroy,
      preventDestroy: b.lifecycle?.prevent_destroy === true,
    })),
  };
}

/** A system with an alerts topic of its own: the stack and how its topic and alarms are named. */
export interface OwnAlertsTopic {
  readonly system: string;
  readonly dev: StackJson;
  readonly prod: StackJson;
  readonly topicName: (environment: "dev" | "prod") => string;
  readonly namePrefix: string;
  /** Alarms per CloudWatch namespace in dev: what the system holds today, so the derivation is not vacuous. */
  readonly alarmsPerNamespace: Readonly<Record<string, number>>;
}

/** The alarm and alerts-topic tests every system with its own alerts topic must pass. */
export function describeOwnAlertsTopic(s: OwnAlertsTopic): void {
  describe(`${s.system}: alarms and the alerts topic`, () => {
    test("every function, state machine, dead-letter queue, API stage and table has its alarms, each to the alerts topic", () => {
      for (const [json, env] of [
        [s.dev, "dev"],
        [s.prod, "prod"],
      ] as const) {
        checkAlarms(json, { topicName: s.topicName(env), namePrefix: s.namePrefix });
      }
      const byNamespace: Record<string, number> = {};
      for (const a of alarmsOf(s.dev)) byNamespace[a.namespace] = (byNamespace[a.namespace] ?? 0) + 1;
      expect(byNamespace).toEqual(s.alarmsPerNamespace);
    });

    test("the alerts topic is under a key CloudWatch may use; e-mail subscribers come from alert_emails", () => {
      checkTopicKeyAllowsCloudWatch(s.dev, s.topicName("dev"));
      checkEmailSubscriptions(s.dev, s.topicName("dev"));
    });

    test("alert_emails: a list of e-mail addresses, empty by default", () => {
      const accepts = alertEmailsRule(s.dev);
      expect(accepts([])).toBe(true);
      expect(accepts(["ops@example.com", "a.b+c@x.co.uk"])).toBe(true);
      for (const bad of ["ops", "a@b", "a b@c.de", "@example.com", ""]) {
        expect([bad, accepts(["ops@example.com", bad])]).toEqual([bad, false]);
      }
    });
  });
}
