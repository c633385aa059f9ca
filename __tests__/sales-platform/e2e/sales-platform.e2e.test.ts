// The sales platform deployed as `npm start -- sales-platform` deploys it, driven as its users
// drive it: the smoke steps, then what goes wrong for them (a bad file, a bad request, a poison
// event for the scheduled trigger, a duplicate upload or delivery), the scheduled fallback, and
// what IAM enforcement makes real on the deployed roles.
import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { GetRolePolicyCommand, IAMClient, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { GetFunctionConfigurationCommand, InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { ListExecutionsCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { UPLOAD_STATUS } from "../../../lambdas/sales-platform/contract";
import { storeDayCsv } from "../../../lambdas/sales-platform/sample/generate";
import { deploySystem, smokeStepsAsTests } from "../../support/e2e";
import { httpCall } from "../../support/http-call";
import { type SmokeContext, waitFor } from "../../support/smoke";
import {
  api,
  apiJson,
  bucketOf,
  csvSalesCents,
  dailyExecutionArn,
  ended,
  expectedStores,
  freshDate,
  functionName,
  outbox,
  regionOf,
  ruleName,
  STACK,
  smoke,
  uploadExecutions,
  uploadThroughApi,
} from "./smoke";

const deployed = deploySystem("sales-platform");

smokeStepsAsTests(smoke, deployed);

const sfnOf = (ctx: SmokeContext) => new SFNClient(ctx.clientConfig(regionOf(ctx)));

/** The day the smoke steps uploaded (the one daily analysis all stores started). */
async function smokeDay(ctx: SmokeContext): Promise<string> {
  const { executions = [] } = await sfnOf(ctx).send(
    new ListExecutionsCommand({ stateMachineArn: ctx.output(STACK, "daily_analysis_arn"), statusFilter: "SUCCEEDED" }),
  );
  const names = executions.map((e) => e.name as string).filter((n) => n.startsWith("daily-"));
  expect(names.length).toBeGreaterThan(0);
  return names.sort()[0].slice("daily-".length);
}

/** Log lines of one of the platform's functions since `since`. */
async function logLines(ctx: SmokeContext, id: string, since: Date): Promise<string[]> {
  const logs = new CloudWatchLogsClient(ctx.clientConfig(regionOf(ctx)));
  const out = await logs.send(
    new FilterLogEventsCommand({
      logGroupName: `/aws/lambda/${functionName(ctx, id)}`,
      startTime: since.getTime() - 1000,
    }),
  );
  return (out.events ?? []).map((e) => e.message ?? "");
}

async function oneUpload(ctx: SmokeContext, storeId: string, date: string, csv: string) {
  const since = new Date();
  const upload = await uploadThroughApi(ctx, storeId, date, csv);
  const [execution] = [...(await uploadExecutions(ctx, [upload.key], since)).values()];
  return { upload, execution, output: JSON.parse(execution.output ?? "{}"), since };
}

test("GIVEN the emulator's Bedrock WHEN the day's recommendations are made THEN the rules stand in because its answer was empty, not because InvokeModel was refused", async () => {
  const ctx = deployed.ctx();
  const day = await apiJson(ctx, "GET", `/analytics?date=${await smokeDay(ctx)}`);
  expect(day.recommendations).toMatchObject({
    source: "rules",
    modelId: "amazon.nova-lite-v1:0",
    fallbackReason: "the model's answer held no recommendations",
  });
  expect(day.report.message).toContain("RECOMMENDATIONS (rule-based)");
}, 60_000);

test("GIVEN bad requests WHEN the API is called THEN each is refused naming the parameter, and a tampered upload URL is refused by S3", async () => {
  const ctx = deployed.ctx();
  const stores = await expectedStores(ctx);
  const unknown = await apiJson(ctx, "POST", "/uploads/url", 400, { storeId: "9999", date: "2026-01-01" });
  expect(unknown.message).toBe(`storeId must be one of the expected stores: ${stores.join(", ")}`);
  const badDate = await apiJson(ctx, "POST", "/uploads/url", 400, { storeId: stores[0], date: "2026-02-30" });
  expect(badDate.message).toBe("date must be a calendar date as YYYY-MM-DD");
  const notJson = await api(ctx, "POST", "/uploads/url");
  expect([notJson.status, notJson.json().error]).toEqual([400, "bad_request"]);
  expect((await apiJson(ctx, "GET", "/analytics", 400)).message).toBe("date is required as a calendar date YYYY-MM-DD");
  expect((await apiJson(ctx, "GET", "/files?area=everything", 400)).message).toBe(
    "area must be one of uploads, processed, rejected",
  );
  expect(
    (
      await apiJson(
        ctx,
        "GET",
        `/files/download-url?key=${encodeURIComponent("quicksight/manifests/trends.json")}`,
        403,
      )
    ).error,
  ).toBe("forbidden");
  expect((await apiJson(ctx, "GET", "/files/download-url?key=uploads/0001/nothing.csv", 404)).error).toBe("not_found");

  // The presigned URL is for its key only: another key under the same signature is refused.
  const today = new Date().toISOString().slice(0, 10);
  const grant = await apiJson(ctx, "POST", "/uploads/url", 200, { storeId: stores[0], date: today });
  const tampered = grant.uploadUrl.replace(`/${stores[0]}/`, `/${stores[1]}/`);
  const put = await httpCall(tampered, { method: "PUT", headers: grant.headers, body: "x" });
  expect(put.status).toBe(403);
  expect(put.text).toContain("SignatureDoesNotMatch");
}, 60_000);

test("GIVEN a file with bad lines for a day already processed WHEN it is uploaded THEN it moves to rejected/ with every reason, alerts, and the good day stays as it was", async () => {
  const ctx = deployed.ctx();
  const date = await smokeDay(ctx);
  const [storeId, other] = await expectedStores(ctx);
  const before = await apiJson(ctx, "GET", `/analytics?date=${date}&storeId=${storeId}`);
  const lines = [
    "date,store_id,transaction_id,product_id,product_name,category,quantity,unit_price,discount,total",
    `${date},${storeId},T1,P001,Whole Milk 1L,Dairy,2,1.49,0.00,5.00`,
    `${date},${storeId},T2,P002,Greek Yogurt,Dairy,1,0.99,0.00,0.99`,
    `${date},${storeId},T2,P002,Greek Yogurt,Dairy,1,0.99,0.00,0.99`,
    `${date},${other},T3,P003,Cheddar 200g,Dairy,zero,3.29,0.00,3.29`,
  ];
  const { upload, execution, output } = await oneUpload(ctx, storeId, date, `${lines.join("\n")}\n`);
  expect(execution.status).toBe("SUCCEEDED");
  expect(output.status).toBe(UPLOAD_STATUS.rejected);
  const name = upload.key.split("/").pop() as string;
  const rejectedKey = `rejected/${storeId}/${date}/${name}`;
  expect(output.rejectedKey).toBe(rejectedKey);
  const grant = await apiJson(
    ctx,
    "GET",
    `/files/download-url?key=${encodeURIComponent(`${rejectedKey}.errors.json`)}`,
  );
  const reasons = (await httpCall(grant.downloadUrl)).json();
  expect(reasons).toMatchObject({ source: upload.key, storeId, date, problemCount: 3 });
  expect(reasons.reasons).toEqual([
    "line 2: total 5.00 is not quantity x unit_price - discount (2.98)",
    "line 4: transaction T2 lists product P002 twice",
    'line 5: quantity "zero" must be a whole number from 1 to 10000',
  ]);
  const alert = await waitFor(
    "the rejection alert",
    async () =>
      (await outbox(ctx, ctx.output(STACK, "sns_topic_arn"))).find(
        (m) => m.subject === "Sales upload rejected" && m.message.includes(name),
      ),
    30_000,
  );
  expect(alert.message).toContain(`Moved to: s3://${bucketOf(ctx)}/${rejectedKey}`);
  // The day's good file and figures are untouched.
  expect(await apiJson(ctx, "GET", `/analytics?date=${date}&storeId=${storeId}`)).toEqual(before);
}, 180_000);

test("GIVEN a complete day WHEN a store uploads its file again and the same event is delivered twice THEN the store-day is counted once and the day's analysis is not started again", async () => {
  const ctx = deployed.ctx();
  const date = await smokeDay(ctx);
  const stores = await expectedStores(ctx);
  const storeId = stores[2];
  const csv = storeDayCsv(storeId, date, 0, 1);
  const again = await oneUpload(ctx, storeId, date, csv);
  expect(again.execution.status).toBe("SUCCEEDED");
  expect(again.output).toMatchObject({
    date,
    allReported: true,
    analysis: { started: false, reason: "already-started", by: "all-stores-reported" },
  });
  // EventBridge delivers at least once: the same event a second time changes nothing either.
  const duplicate = await sfnOf(ctx).send(
    new StartExecutionCommand({
      stateMachineArn: ctx.output(STACK, "upload_processor_arn"),
      input: again.execution.input,
    }),
  );
  const second = await ended(ctx, duplicate.executionArn as string);
  expect(second.status).toBe("SUCCEEDED");
  expect(JSON.parse(second.output ?? "{}").analysis).toMatchObject({ started: false, reason: "already-started" });

  const series = await apiJson(ctx, "GET", `/trends?days=1&to=${date}&storeId=${storeId}`);
  expect(series.series).toHaveLength(1);
  expect(Math.round(series.series[0].totalSales * 100)).toBe(csvSalesCents(csv));
  const { executions = [] } = await sfnOf(ctx).send(
    new ListExecutionsCommand({ stateMachineArn: ctx.output(STACK, "daily_analysis_arn") }),
  );
  expect(executions.filter((e) => e.name === `daily-${date}`)).toHaveLength(1);
  const reports = (await outbox(ctx, ctx.output(STACK, "daily_reports_topic_arn"))).filter((m) =>
    m.subject?.startsWith(`Daily sales report ${date}:`),
  );
  expect(reports).toHaveLength(1);
}, 240_000);

test("GIVEN two stores of today in WHEN the schedule rule fires (twice) THEN today's analysis runs once, naming the missing stores", async () => {
  const ctx = deployed.ctx();
  const stores = await expectedStores(ctx);
  // trigger-daily-analysis's "today" is the deployed daily_analysis_timezone's (America/New_York).
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: "America/New_York" }).format(new Date());
  const since = new Date();
  const uploads = await Promise.all(
    stores.slice(0, 2).map((s) => uploadThroughApi(ctx, s, today, storeDayCsv(s, today, 0, 1))),
  );
  const runs = await uploadExecutions(
    ctx,
    uploads.map((u) => u.key),
    since,
  );
  for (const run of runs.values()) {
    expect(run.status).toBe("SUCCEEDED");
    expect(JSON.parse(run.output ?? "{}")).toMatchObject({ allReported: false });
  }
  const fire = async () => {
    const reply = await httpCall(
      `${ctx.endpoint}/_localcloud/events/rules/${ruleName(ctx, "daily-analysis-schedule")}/fire`,
      { method: "POST" },
    );
    expect(reply.status).toBe(200);
    return reply.json();
  };
  const fired = await fire();
  // The rule's one target (the stack names it after the function) took the Scheduled Event.
  expect(fired.targets).toEqual([{ id: "trigger-daily-analysis", outcome: "accepted (202)" }]);
  const execution = await ended(ctx, dailyExecutionArn(ctx, today));
  expect([execution.status, execution.error]).toEqual(["SUCCEEDED", undefined]);
  expect(JSON.parse(execution.input ?? "{}")).toEqual({ date: today, trigger: "schedule" });
  const day = await apiJson(ctx, "GET", `/analytics?date=${today}`);
  expect(day.status).toBe("complete");
  expect(day.company.storeCount).toBe(2);
  expect(day.report.message).toContain(`MISSING STORES:         ${stores.slice(2).join(", ")}`);

  await fire();
  await waitFor(
    "the second firing's 'already started'",
    async () =>
      (await logLines(ctx, "trigger-daily-analysis", since)).some((l) => l.includes("daily analysis already started"))
        ? true
        : undefined,
    30_000,
  );
  const { executions = [] } = await sfnOf(ctx).send(
    new ListExecutionsCommand({ stateMachineArn: ctx.output(STACK, "daily_analysis_arn") }),
  );
  expect(executions.filter((e) => e.name === `daily-${today}`)).toHaveLength(1);
}, 240_000);

test("GIVEN a poison event for the scheduled trigger WHEN it is invoked asynchronously THEN it is tried three times and lands in the dead-letter queue with its error", async () => {
  const ctx = deployed.ctx();
  const region = regionOf(ctx);
  const name = functionName(ctx, "trigger-daily-analysis");
  const lambda = new LambdaClient(ctx.clientConfig(region));
  const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
  const dlqArn = config.DeadLetterConfig?.TargetArn as string;
  expect(dlqArn).toMatch(/^arn:aws:sqs:.*-dlq$/);
  const sqs = new SQSClient(ctx.clientConfig(region));
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: dlqArn.split(":").pop() }));
  const since = new Date();
  const poison = { date: "yesterday", marker: `poison-${Date.now()}` };
  const invoked = await lambda.send(
    new InvokeCommand({ FunctionName: name, InvocationType: "Event", Payload: JSON.stringify(poison) }),
  );
  expect(invoked.StatusCode).toBe(202);
  const message = await waitFor(
    "the poison event in the dead-letter queue",
    async () => {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ["All"],
          WaitTimeSeconds: 1,
        }),
      );
      return out.Messages?.find((m) => m.Body?.includes(poison.marker));
    },
    60_000,
  );
  expect(JSON.parse(message.Body as string)).toEqual(poison);
  expect(message.MessageAttributes?.ErrorMessage?.StringValue).toBe("date must be YYYY-MM-DD when given");
  // The first attempt and Lambda's two retries (the function's MaximumRetryAttempts), each logged.
  const errors = await waitFor(
    "three failed attempts in the function's log",
    async () => {
      const lines = (await logLines(ctx, "trigger-daily-analysis", since)).filter(
        (l) => l.includes("Invoke Error") && l.includes('"errorType":"InvalidInput"'),
      );
      return lines.length >= 3 ? lines : undefined;
    },
    30_000,
  );
  expect(errors).toHaveLength(3);
}, 120_000);

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
}
const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

test("GIVEN process-upload's role without s3:PutObject on processed/ WHEN a store uploads THEN the execution fails AccessDenied naming the action, alerts, and passes again with the real policy", async () => {
  const ctx = deployed.ctx();
  const iam = new IAMClient(ctx.clientConfig());
  const roleName = `${functionName(ctx, "process-upload")}-role`;
  const policy = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: "least-privilege" }));
  const document = decodeURIComponent(policy.PolicyDocument as string);
  const parsed = JSON.parse(document) as { Statement: Statement[] };
  const processed = `arn:aws:s3:::${bucketOf(ctx)}/processed/*`;
  const without = {
    ...parsed,
    Statement: parsed.Statement.filter(
      (s) => !(list(s.Action).includes("s3:PutObject") && list(s.Resource).includes(processed)),
    ),
  };
  expect(without.Statement).toHaveLength(parsed.Statement.length - 1);
  const stores = await expectedStores(ctx);
  const date = await freshDate(ctx);
  const csv = storeDayCsv(stores[0], date, 0, 1);
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: roleName,
      PolicyName: "least-privilege",
      PolicyDocument: JSON.stringify(without),
    }),
  );
  try {
    const denied = await oneUpload(ctx, stores[0], date, csv);
    expect(denied.execution.status).toBe("FAILED");
    expect(denied.execution.error).toBe("AccessDenied");
    const target = `${bucketOf(ctx)}/processed/store_id=${stores[0]}/date=${date}/sales.parquet`;
    // The cause is Lambda's error JSON: the S3 SDK's AccessDenied as the function saw it.
    expect(JSON.parse(denied.execution.cause ?? "{}").errorMessage).toBe(
      `User: arn:aws:sts::123456789012:assumed-role/${roleName}/${functionName(ctx, "process-upload")} is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::${target}" because no identity-based policy allows the s3:PutObject action`,
    );
    const lines = await logLines(ctx, "process-upload", denied.since);
    expect(lines.some((l) => l.includes(`assumed-role/${roleName}/`) && l.includes("s3:PutObject"))).toBe(true);
    const alert = await waitFor(
      "the processing-failure alert",
      async () =>
        (await outbox(ctx, ctx.output(STACK, "sns_topic_arn"))).find(
          (m) => m.subject === "Sales upload processing failed" && m.message.includes(denied.upload.key),
        ),
      30_000,
    );
    expect(JSON.parse(alert.message).error.Error).toBe("AccessDenied");
    expect((await api(ctx, "GET", `/analytics?date=${date}&storeId=${stores[0]}`)).status).toBe(404);
  } finally {
    await iam.send(
      new PutRolePolicyCommand({ RoleName: roleName, PolicyName: "least-privilege", PolicyDocument: document }),
    );
  }
  const passed = await oneUpload(ctx, stores[0], date, csv);
  expect(passed.execution.status).toBe("SUCCEEDED");
  expect(passed.output).toMatchObject({ date, reported: [stores[0]], allReported: false });
  const day = await apiJson(ctx, "GET", `/analytics?date=${date}&storeId=${stores[0]}`);
  expect(Math.round(day.metrics.totalSales * 100)).toBe(csvSalesCents(csv));
}, 240_000);
