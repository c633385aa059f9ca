import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import { AddPermissionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import {
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { emulatorClientConfig, emulatorEndpoint } from "../../support/aws";
import { ACCOUNT, eventually, makeFunction, makeRole, uniqueName } from "../../support/localcloud";

// Event sources and Step Functions executions in the local cloud (scripts/localcloud/
// stepfunctions_exec.py, event_delivery.py, events_targets.py): executions run their Lambda,
// SNS and Wait states; EventBridge rules, schedules, SNS subscriptions and S3 notifications
// invoke the deployed functions with the events AWS documents; e-mail lands in the outbox.
const config = emulatorClientConfig();
const sfn = new SFNClient(config);
const lambda = new LambdaClient(config);
const logs = new CloudWatchLogsClient(config);
const events = new EventBridgeClient(config);
const sns = new SNSClient(config);
const s3 = new S3Client(config);
jest.setTimeout(90_000);

const REGION = "us-east-1";
const fnArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;

/** A function that logs each event it gets ("RECORD <json>") and answers `answer(event)`. */
async function recorder(answer = "event", options: { Timeout?: number } = {}): Promise<string> {
  return makeFunction(
    {
      "index.js": `exports.handler = async (event) => {
  console.log("RECORD " + JSON.stringify(event));
  if (event && event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
  if (event && event.fail) { const e = new Error(event.fail); e.name = "ValidationError"; throw e; }
  return ${answer};
};`,
    },
    "index.handler",
    options,
  );
}

/** What `name` recorded so far, oldest first. */
// biome-ignore lint/suspicious/noExplicitAny: events of many shapes, checked by each test
async function recorded(name: string): Promise<any[]> {
  try {
    const found = await logs.send(
      new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${name}`, filterPattern: '"RECORD"' }),
    );
    return (found.events ?? [])
      .map((e) => e.message ?? "")
      .filter((m) => m.includes("RECORD "))
      .map((m) => JSON.parse(m.slice(m.indexOf("RECORD ") + 7)));
  } catch {
    return []; // no log group yet: nothing ran
  }
}

// biome-ignore lint/suspicious/noExplicitAny: see recorded
async function received(name: string, count = 1): Promise<any[]> {
  return eventually(
    async () => {
      const got = await recorded(name);
      return got.length >= count ? got : undefined;
    },
    20_000,
    `${count} event(s) at ${name}`,
  );
}

/** Lets `service` invoke `name` for `sourceArn` (what our constructs' LambdaPermission does). */
async function allow(name: string, service: string, sourceArn: string): Promise<void> {
  await lambda.send(
    new AddPermissionCommand({
      FunctionName: name,
      StatementId: uniqueName("allow"),
      Action: "lambda:InvokeFunction",
      Principal: service,
      SourceArn: sourceArn,
    }),
  );
}

async function machine(definition: object, statements: Parameters<typeof makeRole>[0] = []): Promise<string> {
  const out = await sfn.send(
    new CreateStateMachineCommand({
      name: uniqueName("lc-sm"),
      definition: JSON.stringify(definition),
      roleArn: await makeRole(statements, "states.amazonaws.com"),
    }),
  );
  return out.stateMachineArn ?? "";
}

async function execute(stateMachineArn: string, input: object): Promise<DescribeExecutionCommandOutput> {
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
  return eventually(
    async () => {
      const out = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return out.status === "RUNNING" ? undefined : out;
    },
    60_000,
    `execution ${executionArn}`,
  );
}

const invokeTask = (name: string, extra: object = {}) => ({
  Type: "Task",
  Resource: "arn:aws:states:::lambda:invoke",
  Parameters: { FunctionName: fnArn(name), "Payload.$": "$" },
  ...extra,
});
const mayInvoke = (...names: string[]) => [
  { Effect: "Allow" as const, Action: "lambda:InvokeFunction", Resource: names.map(fnArn) },
];

// biome-ignore lint/suspicious/noExplicitAny: the outbox's JSON records
async function outbox(query: string): Promise<any[]> {
  const res = await fetch(`${emulatorEndpoint()}/_localcloud/outbox/sns?${query}`);
  expect(res.status).toBe(200);
  // biome-ignore lint/suspicious/noExplicitAny: the outbox's JSON
  return ((await res.json()) as any).messages;
}

describe("Step Functions executions run", () => {
  test("two lambda:invoke tasks: the execution SUCCEEDS with the second function's result", async () => {
    const first = await recorder("{ n: event.n + 1 }");
    const second = await recorder("{ n: event.n * 10, seen: event }");
    const arn = await machine(
      {
        StartAt: "First",
        States: {
          First: invokeTask(first, { OutputPath: "$.Payload", Next: "Second" }),
          Second: invokeTask(second, { End: true }),
        },
      },
      mayInvoke(first, second),
    );
    const out = await execute(arn, { n: 1 });
    expect(out.status).toBe("SUCCEEDED");
    const output = JSON.parse(out.output ?? "");
    // the optimized integration's result, as AWS returns it
    expect(output).toEqual({
      ExecutedVersion: "$LATEST",
      Payload: { n: 20, seen: { n: 2 } },
      SdkHttpMetadata: expect.objectContaining({ HttpStatusCode: 200 }),
      SdkResponseMetadata: { RequestId: expect.any(String) },
      StatusCode: 200,
    });
    expect(await received(first)).toEqual([{ n: 1 }]);
  });

  test("a function error is retried by Retry, then routed by Catch with the error and its cause", async () => {
    const failing = await recorder();
    const arn = await machine(
      {
        StartAt: "Validate",
        States: {
          Validate: invokeTask(failing, {
            Retry: [{ ErrorEquals: ["ValidationError"], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 1 }],
            Catch: [{ ErrorEquals: ["ValidationError"], ResultPath: "$.error", Next: "Rejected" }],
            Next: "Accepted",
          }),
          Accepted: { Type: "Succeed" },
          Rejected: { Type: "Pass", Result: "rejected", ResultPath: "$.route", End: true },
        },
      },
      mayInvoke(failing),
    );
    const out = await execute(arn, { fail: "bad row 3" });
    expect(out.status).toBe("SUCCEEDED");
    const output = JSON.parse(out.output ?? "");
    expect(output.route).toBe("rejected");
    expect(output.error.Error).toBe("ValidationError");
    expect(JSON.parse(output.error.Cause)).toMatchObject({ errorType: "ValidationError", errorMessage: "bad row 3" });
    expect(await received(failing, 3)).toHaveLength(3); // the attempt and two retries
  });

  test("a function timing out FAILS the execution with Sandbox.Timedout; a task timeout with States.Timeout", async () => {
    const slow = await recorder("event", { Timeout: 1 });
    const sandbox = await execute(
      await machine({ StartAt: "Slow", States: { Slow: invokeTask(slow, { End: true }) } }, mayInvoke(slow)),
      {
        sleepMs: 3000,
      },
    );
    expect(sandbox.status).toBe("FAILED");
    expect(sandbox.error).toBe("Sandbox.Timedout");
    expect(JSON.parse(sandbox.cause ?? "")).toMatchObject({ errorType: "Sandbox.Timedout" });

    const patient = await recorder("event", { Timeout: 10 });
    const task = await execute(
      await machine(
        { StartAt: "Slow", States: { Slow: invokeTask(patient, { TimeoutSeconds: 1, End: true }) } },
        mayInvoke(patient),
      ),
      { sleepMs: 4000 },
    );
    expect(task.status).toBe("FAILED");
    expect(task.error).toBe("States.Timeout");
  });

  test("an sns:publish task publishes with the machine's role; a Wait state waits its seconds", async () => {
    const topic = (await sns.send(new CreateTopicCommand({ Name: uniqueName("lc-topic") }))).TopicArn ?? "";
    const address = `${uniqueName("ops")}@example.com`;
    await sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: "email", Endpoint: address }));
    const arn = await machine(
      {
        StartAt: "Pause",
        States: {
          Pause: { Type: "Wait", Seconds: 2, Next: "Notify" },
          Notify: {
            Type: "Task",
            Resource: "arn:aws:states:::sns:publish",
            Parameters: { TopicArn: topic, Subject: "Upload rejected", "Message.$": "States.JsonToString($)" },
            ResultPath: "$.published",
            End: true,
          },
        },
      },
      [{ Effect: "Allow", Action: "sns:Publish", Resource: topic }],
    );
    const out = await execute(arn, { file: "a.csv" });
    expect(out.status).toBe("SUCCEEDED");
    expect((out.stopDate?.getTime() ?? 0) - (out.startDate?.getTime() ?? 0)).toBeGreaterThanOrEqual(2000);
    const messageId = JSON.parse(out.output ?? "").published.MessageId;
    expect(messageId).toEqual(expect.any(String));
    expect(await outbox(`topicArn=${encodeURIComponent(topic)}`)).toEqual([
      expect.objectContaining({
        topicArn: topic,
        protocol: "email",
        endpoint: address,
        subject: "Upload rejected",
        message: '{"file":"a.csv"}',
        messageId,
      }),
    ]);
  });
});

describe("EventBridge rules invoke Lambda targets", () => {
  test("PutEvents: the transformed input to one target, the event itself to another; no permission, no delivery", async () => {
    const transformed = await recorder();
    const whole = await recorder();
    const unpermitted = await recorder();
    const Name = uniqueName("lc-rule");
    const rule = await events.send(
      new PutRuleCommand({ Name, EventPattern: JSON.stringify({ source: ["lc.orders"], "detail-type": ["Placed"] }) }),
    );
    await allow(transformed, "events.amazonaws.com", rule.RuleArn ?? "");
    await allow(whole, "events.amazonaws.com", rule.RuleArn ?? "");
    await allow(unpermitted, "events.amazonaws.com", `${rule.RuleArn}-other`);
    await events.send(
      new PutTargetsCommand({
        Rule: Name,
        Targets: [
          {
            Id: "transformed",
            Arn: fnArn(transformed),
            InputTransformer: {
              InputPathsMap: { id: "$.detail.id", total: "$.detail.total" },
              InputTemplate: '{"order": <id>, "total": <total>, "note": "order <id>"}',
            },
          },
          { Id: "whole", Arn: fnArn(whole) },
          { Id: "unpermitted", Arn: fnArn(unpermitted) },
        ],
      }),
    );
    await events.send(
      new PutEventsCommand({
        Entries: [{ Source: "lc.orders", DetailType: "Placed", Detail: JSON.stringify({ id: "o-1", total: 12.5 }) }],
      }),
    );
    await events.send(
      new PutEventsCommand({ Entries: [{ Source: "lc.orders", DetailType: "Cancelled", Detail: "{}" }] }),
    );
    expect(await received(transformed)).toEqual([{ order: "o-1", total: 12.5, note: 'order "o-1"' }]);
    const [event] = await received(whole);
    expect(event).toEqual({
      version: "0",
      id: expect.any(String),
      "detail-type": "Placed",
      source: "lc.orders",
      account: ACCOUNT,
      time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
      region: REGION,
      resources: [],
      detail: { id: "o-1", total: 12.5 },
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await recorded(unpermitted)).toEqual([]);
    expect(await recorded(whole)).toHaveLength(1); // the Cancelled event matched nothing
  });

  test("a rate(1 minute) schedule fired now sends the Scheduled Event; the scheduler knows its next run", async () => {
    const target = await recorder();
    const Name = uniqueName("lc-schedule");
    const rule = await events.send(new PutRuleCommand({ Name, ScheduleExpression: "rate(1 minute)" }));
    await allow(target, "events.amazonaws.com", rule.RuleArn ?? "");
    await events.send(new PutTargetsCommand({ Rule: Name, Targets: [{ Id: "tick", Arn: fnArn(target) }] }));

    const res = await fetch(`${emulatorEndpoint()}/_localcloud/events/rules/${Name}/fire`, { method: "POST" });
    expect(res.status).toBe(200);
    // biome-ignore lint/suspicious/noExplicitAny: the endpoint's JSON
    const fired = (await res.json()) as any;
    expect(fired.targets).toEqual([{ id: "tick", outcome: expect.stringMatching(/^accepted/) }]);
    const [event] = await received(target);
    expect(event).toEqual({
      version: "0",
      id: expect.any(String),
      "detail-type": "Scheduled Event",
      source: "aws.events",
      account: ACCOUNT,
      time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
      region: REGION,
      resources: [rule.RuleArn],
      detail: {},
    });
    expect(event).toEqual(fired.event);

    const schedules = await eventually(async () => {
      // biome-ignore lint/suspicious/noExplicitAny: the endpoint's JSON
      const all = ((await (await fetch(`${emulatorEndpoint()}/_localcloud/events/schedules`)).json()) as any).schedules;
      // biome-ignore lint/suspicious/noExplicitAny: the endpoint's JSON
      return all.find((s: any) => s.rule === Name);
    });
    const next = Date.parse(schedules.next);
    expect(schedules.expression).toBe("rate(1 minute)");
    expect(next - Date.now()).toBeGreaterThan(0);
    expect(next - Date.now()).toBeLessThanOrEqual(61_000);

    const disabled = uniqueName("lc-off");
    await events.send(new PutRuleCommand({ Name: disabled, ScheduleExpression: "rate(1 minute)", State: "DISABLED" }));
    expect(
      (await fetch(`${emulatorEndpoint()}/_localcloud/events/rules/${disabled}/fire`, { method: "POST" })).status,
    ).toBe(409);
    expect(
      (await fetch(`${emulatorEndpoint()}/_localcloud/events/rules/${uniqueName("none")}/fire`, { method: "POST" }))
        .status,
    ).toBe(404);
  });
});

describe("SNS delivers to subscriptions", () => {
  test("a lambda subscription gets the SNS event; e-mail and SMS land in the outbox", async () => {
    const TopicArn = (await sns.send(new CreateTopicCommand({ Name: uniqueName("lc-topic") }))).TopicArn ?? "";
    const target = await recorder();
    await allow(target, "sns.amazonaws.com", TopicArn);
    const sub = await sns.send(new SubscribeCommand({ TopicArn, Protocol: "lambda", Endpoint: fnArn(target) }));
    const address = `${uniqueName("ops")}@example.com`;
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: "email", Endpoint: address }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: "email-json", Endpoint: `json-${address}` }));
    const published = await sns.send(
      new PublishCommand({
        TopicArn,
        Subject: "Daily report",
        Message: "sales are up",
        MessageAttributes: { store: { DataType: "String", StringValue: "s-7" } },
      }),
    );
    const [event] = await received(target);
    expect(event).toEqual({
      Records: [
        {
          EventSource: "aws:sns",
          EventVersion: "1.0",
          EventSubscriptionArn: sub.SubscriptionArn,
          Sns: {
            Type: "Notification",
            MessageId: published.MessageId,
            TopicArn,
            Subject: "Daily report",
            Message: "sales are up",
            Timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
            SignatureVersion: "1",
            Signature: expect.any(String),
            SigningCertUrl: expect.stringMatching(/^https:\/\/sns\.us-east-1\.amazonaws\.com\//),
            UnsubscribeUrl: expect.stringContaining(`SubscriptionArn=${sub.SubscriptionArn}`),
            MessageAttributes: { store: { Type: "String", Value: "s-7" } },
          },
        },
      ],
    });

    const mail = await outbox(`topicArn=${encodeURIComponent(TopicArn)}`);
    expect(mail.map((m) => [m.protocol, m.endpoint, m.subject, m.message, m.messageId])).toEqual([
      ["email", address, "Daily report", "sales are up", published.MessageId],
      ["email-json", `json-${address}`, "Daily report", "sales are up", published.MessageId],
    ]);
    expect(JSON.parse(mail[1].body)).toMatchObject({
      Type: "Notification",
      TopicArn,
      Subject: "Daily report",
      Message: "sales are up",
    });

    const phone = `+1555${Math.floor(1_000_000 + Math.random() * 8_999_999)}`;
    const sms = await sns.send(new PublishCommand({ PhoneNumber: phone, Message: "your code is 123" }));
    expect(await outbox(`endpoint=${encodeURIComponent(phone)}`)).toEqual([
      expect.objectContaining({
        protocol: "sms",
        topicArn: null,
        message: "your code is 123",
        messageId: sms.MessageId,
      }),
    ]);
  });
});

describe("S3 notifications invoke Lambda", () => {
  test("PutObject under the filtered prefix sends the S3 event; other keys send nothing", async () => {
    const Bucket = uniqueName("lc-uploads");
    await s3.send(new CreateBucketCommand({ Bucket }));
    const target = await recorder();
    await allow(target, "s3.amazonaws.com", `arn:aws:s3:::${Bucket}`);
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket,
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            {
              Id: "uploads",
              LambdaFunctionArn: fnArn(target),
              Events: ["s3:ObjectCreated:*"],
              Filter: {
                Key: {
                  FilterRules: [
                    { Name: "prefix", Value: "uploads/" },
                    { Name: "suffix", Value: ".csv" },
                  ],
                },
              },
            },
          ],
        },
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket, Key: "other/a.csv", Body: "x" }));
    await s3.send(new PutObjectCommand({ Bucket, Key: "uploads/a.json", Body: "x" }));
    await s3.send(new PutObjectCommand({ Bucket, Key: "uploads/store 1.csv", Body: "abc" }));
    const [event] = await received(target);
    expect(event).toEqual({
      Records: [
        {
          eventVersion: "2.1",
          eventSource: "aws:s3",
          awsRegion: REGION,
          eventTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
          eventName: "ObjectCreated:Put",
          userIdentity: { principalId: expect.any(String) },
          requestParameters: { sourceIPAddress: expect.any(String) },
          responseElements: { "x-amz-request-id": expect.any(String), "x-amz-id-2": expect.any(String) },
          s3: {
            s3SchemaVersion: "1.0",
            configurationId: "uploads",
            bucket: { name: Bucket, ownerIdentity: { principalId: expect.any(String) }, arn: `arn:aws:s3:::${Bucket}` },
            object: {
              key: "uploads/store+1.csv",
              size: 3,
              eTag: "900150983cd24fb0d6963f7d28e17f72",
              sequencer: expect.stringMatching(/^[0-9A-F]+$/),
            },
          },
        },
      ],
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await recorded(target)).toHaveLength(1);
  });
});
