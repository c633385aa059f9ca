import "../support/esm";
import { CreateTopicCommand, PublishCommand, SubscribeCommand } from "@aws-sdk/client-sns";
import { ENV, FUNCTIONS, UPLOAD_STATUS } from "../../../lambdas/sales-platform/contract";
import { fromParquet } from "../../../lambdas/sales-platform/lib/parquet";
import { generateSampleData } from "../../../lambdas/sales-platform/sample/generate";
import { emulatorCredentials } from "../../support/aws";
import type { Json } from "../../support/synth";
import { type Execution, runDefinition, type TaskCall } from "../support/asl";
import { HANDLERS } from "../support/handlers";
import {
  type BedrockStandIn,
  novaAnswer,
  type SnsSubscriber,
  startBedrockStandIn,
  startSnsSubscriber,
} from "../support/loopback";
import {
  apiEvent,
  clients,
  createSalesPlatform,
  executions,
  listKeys,
  putObject,
  readBytes,
  type SalesPlatform,
  uniqueName,
} from "../support/platform";
import { synthSalesPlatform } from "../support/synth";

// The whole platform end to end, on the emulator's real S3, DynamoDB, Step Functions and SNS:
// the generated sample data set (11 stores x 30 days) is uploaded day by day; each upload runs
// through the upload-processor definition as synthesized; when the last store of a day is in,
// the daily analysis starts (recorded by the emulator) and its definition runs; the reports go
// out on SNS; then the data access API answers from what the pipeline wrote. Bedrock's answer
// comes from a loopback stand-in speaking InvokeModel's wire format (the emulator's InvokeModel
// answers an empty body; see recommendations-emulator.test.ts).
// 330 uploads, 30 analyses: 240-270 s alone on 2 cores, and 880 s seen while npm test runs
// the terraform and e2e suites beside it. The budget is for the load, not the assertions.
jest.setTimeout(1_500_000);

const DAYS = 30;
const LAST = "2026-01-30";
const MODEL_TEXT = JSON.stringify([
  { priority: "high", title: "Check store 0007 operations today", detail: "Sales collapsed against its median." },
  { priority: "medium", title: "Expand store 0003's best sellers", detail: "Its sales rise steadily week over week." },
]);

let p: SalesPlatform;
let alerts: { arn: string; inbox: SnsSubscriber };
let model: BedrockStandIn;
let definitions: { upload: Json; daily: Json };
const functionOf = new Map<string, string>(); // "${aws_lambda_function.<key>.arn}" -> function id
const topicOf = new Map<string, string>(); // "${aws_sns_topic.<key>.arn}" -> the test's topic ARN
const dailyRuns: Execution[] = [];

/** The Task states' work: Lambda steps run their handler in-process, SNS publishes go to the emulator. */
async function task(call: TaskCall): Promise<Json> {
  if (call.resource === "arn:aws:states:::lambda:invoke") {
    const id = functionOf.get(call.parameters.FunctionName);
    if (!id) throw new Error(`no function for ${call.parameters.FunctionName}`);
    return { Payload: await HANDLERS[id](structuredClone(call.parameters.Payload)) };
  }
  if (call.resource === "arn:aws:states:::sns:publish") {
    const TopicArn = topicOf.get(call.parameters.TopicArn);
    if (!TopicArn) throw new Error(`no topic for ${call.parameters.TopicArn}`);
    const out = await clients().sns.send(
      new PublishCommand({ TopicArn, Message: call.parameters.Message, Subject: call.parameters.Subject }),
    );
    return { MessageId: out.MessageId };
  }
  throw new Error(`unexpected task ${call.resource}`);
}

/** What EventBridge's input transformer makes of an S3 "Object Created" event (the rule's template). */
function transformerInput(key: string, size: number) {
  const target = definitions.upload.target;
  const event = {
    time: "2026-01-30T23:00:00Z",
    detail: { bucket: { name: p.bucket }, object: { key, size } },
  };
  const values: Record<string, unknown> = {
    bucket: event.detail.bucket.name,
    key: event.detail.object.key,
    size: event.detail.object.size,
    time: event.time,
  };
  expect(Object.keys(target.input_transformer.input_paths).sort()).toEqual(Object.keys(values).sort());
  const text = (target.input_transformer.input_template as string).replace(/<(\w+)>/g, (_, n) =>
    JSON.stringify(values[n]),
  );
  return JSON.parse(text);
}

async function upload(key: string, body: string): Promise<Execution> {
  await putObject(p.bucket, key, body);
  return runDefinition(definitions.upload.definition, transformerInput(key, Buffer.byteLength(body)), task);
}

beforeAll(async () => {
  p = await createSalesPlatform("e2e", 11);
  // The alerts topic, with an HTTP subscriber of the test's own.
  const inbox = await startSnsSubscriber();
  const topic = await clients().sns.send(new CreateTopicCommand({ Name: uniqueName("e2e-alerts") }));
  await clients().sns.send(new SubscribeCommand({ TopicArn: topic.TopicArn, Protocol: "http", Endpoint: inbox.url }));
  alerts = { arn: topic.TopicArn as string, inbox };
  model = await startBedrockStandIn(() => ({
    ok: true,
    body: novaAnswer(`Here are my recommendations:\n${MODEL_TEXT}`),
  }));
  process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = model.url;

  // The definitions, rule and names exactly as the stack synthesizes them.
  const stack = synthSalesPlatform();
  const byName = (type: string, name: string) =>
    Object.entries<Json>(stack.resource[type]).find(([, r]) => r.name === name) as [string, Json];
  for (const [key, fn] of Object.entries<Json>(stack.resource.aws_lambda_function)) {
    functionOf.set(`\${aws_lambda_function.${key}.arn}`, fn.function_name.replace(/^sales-dev-/, ""));
  }
  topicOf.set(`\${aws_sns_topic.${byName("aws_sns_topic", "sales-dev-alerts")[0]}.arn}`, alerts.arn);
  topicOf.set(`\${aws_sns_topic.${byName("aws_sns_topic", "sales-dev-daily-reports")[0]}.arn}`, p.reportsTopicArn);
  const [ruleKey] = byName("aws_cloudwatch_event_rule", "sales-dev-upload-created");
  definitions = {
    upload: {
      definition: JSON.parse(byName("aws_sfn_state_machine", "sales-dev-upload-processor")[1].definition),
      target: Object.values<Json>(stack.resource.aws_cloudwatch_event_target).find((t) => t.rule.includes(ruleKey)),
    },
    daily: { definition: JSON.parse(byName("aws_sfn_state_machine", "sales-dev-daily-analysis")[1].definition) },
  };
});

afterAll(async () => {
  await Promise.all([p.reports.close(), alerts.inbox.close(), model.close()]);
  delete process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME;
});

describe("end to end: 11 stores x 30 days of uploads, analyses, reports and the API", () => {
  test("every upload of the sample data set goes through upload-processor; each complete day starts one analysis, which runs", async () => {
    const files = generateSampleData({ stores: 11, days: DAYS, lastDate: LAST });
    expect(files).toHaveLength(11 * DAYS);
    const byDay = new Map<string, typeof files>();
    for (const f of files) byDay.set(f.date, [...(byDay.get(f.date) ?? []), f]);
    for (const [date, day] of byDay) {
      // The stores of a day upload at once; the last one in starts the analysis.
      const runs = await Promise.all(day.map((f) => upload(`uploads/${f.storeId}/${date}/${f.fileName}`, f.csv)));
      for (const run of runs) {
        expect([run.status, run.path.slice(-2)]).toEqual(["SUCCEEDED", ["CheckAllStores", "Done"]]);
      }
      const started = runs.flatMap((r) => (r.output.analysis?.started ? [r.output.analysis] : []));
      // Concurrent last uploads may both see all stores in: exactly one of them starts the day.
      expect([date, started.length]).toEqual([date, 1]);
      const run = await runDefinition(definitions.daily.definition, { date, trigger: "all-stores-reported" }, task);
      expect([date, run.status, run.error]).toEqual([date, "SUCCEEDED", undefined]);
      dailyRuns.push(run);
    }
    const names = (await executions(p)).map((e) => e.name).sort();
    expect(names).toEqual([...byDay.keys()].map((d) => `daily-${d}`).sort());
    expect(dailyRuns[0].path).toEqual(
      expect.arrayContaining([
        "GetStoreSummaries",
        "Analyze",
        "Analyze/0/CalcCompanyMetrics",
        "Analyze/3/AnalyzeTrends",
        "GenerateRecommendations",
        "GenerateReport",
        "ExportToQuickSight",
        "Done",
      ]),
    );
  });

  test("the last day's analysis finds store 0007's collapse and store 0003's growth", async () => {
    const res = await HANDLERS["get-analytics"](apiEvent("GET", "/analytics", { query: { date: LAST } }));
    const body = JSON.parse((res as { body: string }).body);
    expect(body.status).toBe("complete");
    expect(body.reportedStores).toHaveLength(11);
    expect(body.anomalies.anomalies).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ storeId: "0007", metric: "totalSales", direction: "below", severity: "high" }),
      ]),
    );
    expect(body.anomalies.anomalies.filter((a: Json) => a.storeId !== "0007")).toEqual([]);
    // Store 0003 grows 2% a day: the steepest 28-day slope of all stores, and rising week over week.
    const steepest = [...body.trends.stores].sort((a: Json, b: Json) => b.slopePctPerDay - a.slopePctPerDay)[0];
    expect(steepest).toMatchObject({ scope: "store:0003", direction: "up" });
    expect(steepest.weekOverWeekPct).toBeGreaterThan(5);
    expect(body.company.storeCount).toBe(11);
    const storeSum = body.company.stores.reduce((n: number, s: Json) => n + Math.round(s.totalSales * 100), 0) / 100;
    expect(body.company.totalSales).toBe(storeSum);
    expect(body.recommendations).toMatchObject({ source: "bedrock", modelId: "amazon.nova-lite-v1:0" });
    expect(body.recommendations.items[0].title).toBe("Check store 0007 operations today");
  });

  test("Bedrock was called with InvokeModel in Nova's format, SigV4-signed for the configured model", () => {
    expect(model.requests).toHaveLength(DAYS);
    const last = model.requests[model.requests.length - 1];
    expect(last.modelId).toBe("amazon.nova-lite-v1:0");
    expect(last.headers.authorization).toMatch(
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=${emulatorCredentials().accessKeyId}/\\d{8}/us-east-1/bedrock/aws4_request`,
      ),
    );
    expect(last.headers["content-type"]).toBe("application/json");
    expect(last.body).toMatchObject({ schemaVersion: "messages-v1", inferenceConfig: { maxTokens: 1200 } });
    expect(JSON.stringify(last.body)).toContain(`\\"date\\":\\"${LAST}\\"`);
  });

  test("every day's report went out on the daily reports topic; the last one names the anomaly", async () => {
    const reports = p.reports.notifications;
    expect(reports).toHaveLength(DAYS);
    const last = reports.find((r) => r.Subject?.includes(LAST));
    expect(last?.Subject).toMatch(
      new RegExp(`^Daily sales report ${LAST}: [\\d,.]+ from 11/11 stores, 2 alert\\(s\\)$`),
    );
    // Both high alerts are store 0007's: its sales and its transactions collapsed.
    expect(last?.Message).toContain("[HIGH] store 0007: totalSales");
    expect(last?.Message).toContain("[HIGH] store 0007: transactionCount");
    expect(last?.Message).toContain("RECOMMENDATIONS (Amazon Bedrock, amazon.nova-lite-v1:0)");
    expect(alerts.inbox.notifications).toEqual([]);
  });

  test("the QuickSight export holds the day's five datasets as CSV", async () => {
    const keys = await listKeys(p.bucket, "quicksight/");
    const lastDay = keys.filter((k) => k.includes(`date=${LAST}/`));
    expect(lastDay.map((k) => k.split("/")[1]).sort()).toEqual(
      ["anomalies", "products", "recommendations", "store_summaries", "trends"].sort(),
    );
    const summaries = (
      await readBytes(p.bucket, `quicksight/store_summaries/date=${LAST}/store_summaries.csv`)
    )?.toString();
    expect(summaries?.split("\n")[0]).toBe("date,store_id,total_sales,total_units,transactions,avg_transaction_value");
    expect(summaries?.trim().split("\n")).toHaveLength(12);
  });

  test("the API: trends over 30 days, a store's files, and a download URL that serves the Parquet file", async () => {
    const trends = JSON.parse(
      (
        (await HANDLERS["get-trends"](apiEvent("GET", "/trends", { query: { days: "30", to: LAST } }))) as {
          body: string;
        }
      ).body,
    );
    expect(trends.series).toHaveLength(DAYS);
    expect(trends.scope).toBe("company");
    const store = JSON.parse(
      (
        (await HANDLERS["get-trends"](
          apiEvent("GET", "/trends", { query: { days: "14", to: LAST, storeId: "0003" } }),
        )) as { body: string }
      ).body,
    );
    expect(store.trend).toMatchObject({ scope: "store:0003", direction: "up" });

    const list = JSON.parse(
      (
        (await HANDLERS["list-files"](
          apiEvent("GET", "/files", { query: { area: "processed", storeId: "0001", limit: "10" } }),
        )) as { body: string }
      ).body,
    );
    expect(list.files).toHaveLength(10);
    expect(list.nextCursor).toEqual(expect.any(String));
    const next = JSON.parse(
      (
        (await HANDLERS["list-files"](
          apiEvent("GET", "/files", {
            query: { area: "processed", storeId: "0001", limit: "100", cursor: list.nextCursor },
          }),
        )) as { body: string }
      ).body,
    );
    expect(list.files.length + next.files.length).toBe(DAYS);

    const key = `processed/store_id=0001/date=${LAST}/sales.parquet`;
    const res = (await HANDLERS["generate-download-url"](
      apiEvent("GET", "/files/download-url", { query: { key } }),
    )) as {
      statusCode: number;
      body: string;
    };
    expect(res.statusCode).toBe(200);
    const download = await fetch(JSON.parse(res.body).downloadUrl);
    expect(download.status).toBe(200);
    const rows = await fromParquet(Buffer.from(await download.arrayBuffer()));
    expect(rows.every((r) => r.storeId === "0001" && r.date === LAST)).toBe(true);
  });

  test("a rejected upload alerts with its reasons and ends; a file that vanished alerts and fails the execution", async () => {
    const rejected = await upload(`uploads/0005/${LAST}/fix.csv`, "date,store_id\n2026-01-30,0005\n");
    expect(rejected.status).toBe("SUCCEEDED");
    expect(rejected.path).toEqual(["ProcessUpload", "RouteUpload", "NotifyRejected", "Rejected"]);
    expect(rejected.output.status).toBe(UPLOAD_STATUS.rejected);
    const alert = alerts.inbox.notifications.find((n) => n.Subject === "Sales upload rejected");
    expect(alert?.Message).toContain("fix.csv was rejected: header: missing column(s) transaction_id");
    expect(alert?.Message).toContain(`Moved to: s3://${p.bucket}/rejected/0005/${LAST}/fix.csv`);

    const missing = await runDefinition(
      definitions.upload.definition,
      transformerInput("uploads/0005/gone.csv", 10),
      task,
    );
    expect(missing.status).toBe("FAILED");
    expect(missing.error?.Error).toBe("NoSuchKey");
    expect(missing.path.slice(-2)).toEqual(["NotifyFailure", "Failed"]);
    const failure = alerts.inbox.notifications.find((n) => n.Subject === "Sales upload processing failed");
    expect(JSON.parse(failure?.Message ?? "{}")).toMatchObject({
      key: "uploads/0005/gone.csv",
      error: { Error: "NoSuchKey" },
    });
  });

  test("a day without any sales fails the analysis with NoSalesData after alerting", async () => {
    const run = await runDefinition(definitions.daily.definition, { date: "2025-06-01", trigger: "schedule" }, task);
    expect(run).toMatchObject({ status: "FAILED", error: { Error: "NoSalesData" } });
    const failure = alerts.inbox.notifications.find((n) => n.Subject === "Daily sales analysis failed");
    expect(failure?.Message).toContain("no store reported sales for 2025-06-01");
    expect(process.env[ENV.bedrockModelId]).toBe("amazon.nova-lite-v1:0");
    expect(Object.keys(FUNCTIONS)).toHaveLength(19);
  });
});
