// The sales platform as a store chain tries it: every expected store asks the API for an upload
// URL and PUTs its day's CSV through it; S3 -> EventBridge starts upload-processor per file
// (Parquet under processed/, metrics in the table); the last store in starts the day's analysis,
// whose report goes out on the daily reports topic; the API answers the day; a malformed CSV is
// moved to rejected/ with its reasons and alerts.

import { GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  ListExecutionsCommand,
  SFNClient,
} from "@aws-sdk/client-sfn";
import { QUICKSIGHT_DATASETS, UPLOAD_STATUS } from "../../../lambdas/sales-platform/contract";
import { storeDayCsv } from "../../../lambdas/sales-platform/sample/generate";
import { type HttpReply, httpCall } from "../../support/http-call";
import { check, defineSmoke, type SmokeContext, waitFor } from "../../support/smoke";

export const STACK = "sales-platform";

export const apiUrl = (ctx: SmokeContext, path: string) => `${ctx.output(STACK, "api_gateway_url")}${path}`;
export const bucketOf = (ctx: SmokeContext) => ctx.output(STACK, "s3_bucket_name_output");
/** Function names are `<prefix>-<env>-<id>`, as the table's is `<prefix>-<env>-sales-data`. */
export const functionName = (ctx: SmokeContext, id: string) =>
  ctx.output(STACK, "dynamodb_table_name").replace(/sales-data$/, id);
export const ruleName = functionName;
export const regionOf = (ctx: SmokeContext) => ctx.output(STACK, "upload_processor_arn").split(":")[3];
export const dailyExecutionArn = (ctx: SmokeContext, date: string) =>
  `${ctx.output(STACK, "daily_analysis_arn").replace(":stateMachine:", ":execution:")}:daily-${date}`;

/** A JSON call to the REST API (no authorization: the browser calls it). */
export async function api(ctx: SmokeContext, method: string, path: string, body?: unknown): Promise<HttpReply> {
  return httpCall(apiUrl(ctx, path), {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
}

/** The answer's JSON when it has `status`, else a failure naming the call and what came back. */
export async function apiJson(
  ctx: SmokeContext,
  method: string,
  path: string,
  status = 200,
  body?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: API bodies, checked field by field by the callers
): Promise<any> {
  const reply = await api(ctx, method, path, body);
  check(
    reply.status === status,
    `${method} ${path} answered ${reply.status}, not ${status}: ${reply.text.slice(0, 300)}`,
  );
  return reply.json();
}

/** The stores the platform expects (its upload-url function's setting, as a user reads it). */
export async function expectedStores(ctx: SmokeContext): Promise<string[]> {
  const lambda = new LambdaClient(ctx.clientConfig(regionOf(ctx)));
  const config = await lambda.send(
    new GetFunctionConfigurationCommand({ FunctionName: functionName(ctx, "generate-upload-url") }),
  );
  const stores = (config.Environment?.Variables?.EXPECTED_STORES ?? "").split(",").filter(Boolean);
  check(stores.length > 0, `${functionName(ctx, "generate-upload-url")} has no EXPECTED_STORES`);
  return stores;
}

const addDays = (date: string, days: number) => {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};

/**
 * A day the platform holds nothing for (GET /analytics answers 404), within the upload window:
 * the local cloud keeps data between runs, so each run starts from a day the clock picks and
 * steps back past days used before.
 */
export async function freshDate(ctx: SmokeContext): Promise<string> {
  const today = new Date().toISOString().slice(0, 10);
  const span = 330;
  const start = 2 + (Math.floor(Date.now() / 60_000) % span);
  for (let i = 0; i < span; i++) {
    const date = addDays(today, -(2 + ((start - 2 + i) % span)));
    const reply = await api(ctx, "GET", `/analytics?date=${date}`);
    if (reply.status === 404) return date;
    check(reply.status === 200, `GET /analytics?date=${date} answered ${reply.status}: ${reply.text.slice(0, 200)}`);
  }
  throw new Error(`every day of the last ${span + 2} has sales data already`);
}

/** The cents of a CSV's `total` column (the store-day's sales; the sample's names hold no commas). */
export function csvSalesCents(csv: string): number {
  const [header, ...lines] = csv.trim().split("\n");
  const at = header.split(",").indexOf("total");
  return lines.reduce((sum, line) => sum + Math.round(Number(line.split(",")[at]) * 100), 0);
}

export interface Upload {
  storeId: string;
  date: string;
  key: string;
  csv: string;
}

/** POST /uploads/url, then PUT the CSV through the presigned URL with the headers it names. */
export async function uploadThroughApi(ctx: SmokeContext, storeId: string, date: string, csv: string): Promise<Upload> {
  const grant = await apiJson(ctx, "POST", "/uploads/url", 200, { storeId, date });
  check(
    typeof grant.uploadUrl === "string" &&
      grant.method === "PUT" &&
      grant.key.startsWith(`uploads/${storeId}/${date}/`),
    `POST /uploads/url answered an unexpected grant: ${JSON.stringify(grant).slice(0, 300)}`,
  );
  const put = await httpCall(grant.uploadUrl, { method: "PUT", headers: grant.headers, body: csv });
  check(put.status === 200, `PUT to the upload URL of ${grant.key} answered ${put.status}: ${put.text.slice(0, 300)}`);
  return { storeId, date, key: grant.key, csv };
}

/** The upload-processor executions whose input names one of `keys`, once each of them has ended. */
export async function uploadExecutions(
  ctx: SmokeContext,
  keys: readonly string[],
  since: Date,
  timeoutMs = 120_000,
): Promise<Map<string, DescribeExecutionCommandOutput>> {
  const sfn = new SFNClient(ctx.clientConfig(regionOf(ctx)));
  const stateMachineArn = ctx.output(STACK, "upload_processor_arn");
  const found = new Map<string, DescribeExecutionCommandOutput>();
  const seen = new Set<string>();
  return waitFor(
    `upload-processor executions for ${keys.length} upload(s) to end`,
    async () => {
      let nextToken: string | undefined;
      do {
        const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, nextToken }));
        for (const e of page.executions ?? []) {
          if (
            !e.executionArn ||
            found.has(e.executionArn) ||
            (e.startDate && e.startDate < new Date(since.getTime() - 5_000))
          )
            continue;
          if (e.status === "RUNNING") continue;
          if (seen.has(e.executionArn)) continue;
          const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }));
          const key = JSON.parse(execution.input ?? "{}").key as string;
          if (keys.includes(key)) found.set(execution.executionArn as string, execution);
          else seen.add(e.executionArn);
        }
        nextToken = page.nextToken;
      } while (nextToken);
      const covered = new Set([...found.values()].map((e) => JSON.parse(e.input ?? "{}").key));
      return keys.every((k) => covered.has(k)) ? found : undefined;
    },
    timeoutMs,
  );
}

/** One execution once it has ended. */
export async function ended(ctx: SmokeContext, executionArn: string, timeoutMs = 180_000) {
  const sfn = new SFNClient(ctx.clientConfig(regionOf(ctx)));
  return waitFor(
    `execution ${executionArn} to end`,
    async () => {
      try {
        const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        return execution.status === "RUNNING" ? undefined : execution;
      } catch (error) {
        if ((error as { name?: string }).name === "ExecutionDoesNotExist") return undefined;
        throw error;
      }
    },
    timeoutMs,
  );
}

export interface OutboxMessage {
  time: string;
  topicArn: string;
  protocol: string;
  endpoint: string;
  subject?: string;
  message: string;
}

/** The local cloud's SNS outbox (e-mail and SMS deliveries) for one topic. */
export async function outbox(ctx: SmokeContext, topicArn: string): Promise<OutboxMessage[]> {
  const reply = await httpCall(`${ctx.endpoint}/_localcloud/outbox/sns?topicArn=${encodeURIComponent(topicArn)}`);
  check(reply.status === 200, `the SNS outbox answered ${reply.status}: ${reply.text.slice(0, 200)}`);
  return reply.json().messages as OutboxMessage[];
}

/** An object of the data bucket, as text (or undefined when absent). */
export async function objectText(ctx: SmokeContext, key: string): Promise<string | undefined> {
  const s3 = new S3Client(ctx.clientConfig(regionOf(ctx)));
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucketOf(ctx), Key: key }));
    return await out.Body?.transformToString();
  } catch (error) {
    if ((error as { name?: string }).name === "NoSuchKey") return undefined;
    throw error;
  }
}

/** A file every column of which is wrong for the schema: the header misses most columns. */
export const malformedCsv = (storeId: string, date: string) =>
  `date,store_id,amount\n${date},${storeId},12.50\n${date},${storeId},not-a-number\n`;

interface State {
  date?: string;
  stores?: string[];
  uploads?: Upload[];
  since?: Date;
  salesCents?: number;
  rejectedKey?: string;
}

const need = <T>(value: T | undefined, what: string): T => {
  check(value !== undefined, `an earlier step left no ${what}`);
  return value;
};

export const smoke = defineSmoke<State>({
  system: "sales-platform",
  init: () => ({}),
  steps: [
    {
      name: "every expected store PUTs its day's CSV through the upload URL the API gives",
      async run(ctx, state) {
        state.stores = await expectedStores(ctx);
        state.date = await freshDate(ctx);
        state.since = new Date();
        const date = state.date;
        state.uploads = await Promise.all(
          state.stores.map((storeId) => uploadThroughApi(ctx, storeId, date, storeDayCsv(storeId, date, 0, 1))),
        );
        state.salesCents = state.uploads.reduce((n, u) => n + csvSalesCents(u.csv), 0);
        return `${state.uploads.length} stores for ${date}, ${(state.salesCents / 100).toFixed(2)} in sales`;
      },
    },
    {
      name: "EventBridge starts upload-processor for each file; every execution succeeds",
      async run(ctx, state) {
        const uploads = need(state.uploads, "uploads");
        const executions = await uploadExecutions(
          ctx,
          uploads.map((u) => u.key),
          need(state.since, "start time"),
        );
        const failed = [...executions.values()].filter((e) => e.status !== "SUCCEEDED");
        check(
          failed.length === 0,
          `upload-processor failed: ${failed.map((e) => `${e.status} ${e.error}: ${e.cause?.slice(0, 300)}`).join("; ")}`,
        );
        const outputs = [...executions.values()].map((e) => JSON.parse(e.output ?? "{}"));
        const started = outputs.filter((o) => o.analysis?.started === true);
        check(
          outputs.every((o) => o.date === state.date),
          `an execution ended with another day: ${JSON.stringify(outputs[0])}`,
        );
        check(
          started.length === 1,
          `${started.length} executions started the daily analysis, not exactly one: ${JSON.stringify(outputs.map((o) => o.analysis ?? o.missing))}`,
        );
        return `${executions.size} executions SUCCEEDED; the last store in started ${started[0].analysis.executionArn.split(":").pop()}`;
      },
    },
    {
      name: "each store-day is Parquet under processed/ and its metrics are in the table",
      async run(ctx, state) {
        const date = need(state.date, "date");
        for (const upload of need(state.uploads, "uploads")) {
          const list = await apiJson(ctx, "GET", `/files?area=processed&storeId=${upload.storeId}&date=${date}`);
          const key = `processed/store_id=${upload.storeId}/date=${date}/sales.parquet`;
          check(
            list.files.length === 1 && list.files[0].key === key && list.files[0].size > 0,
            `GET /files listed ${JSON.stringify(list.files)} for store ${upload.storeId}, not ${key}`,
          );
          const day = await apiJson(ctx, "GET", `/analytics?date=${date}&storeId=${upload.storeId}`);
          const rows = upload.csv.trim().split("\n").length - 1;
          check(
            Math.round(day.metrics.totalSales * 100) === csvSalesCents(upload.csv) &&
              day.metrics.lineCount === rows &&
              day.metrics.processedKey === key,
            `store ${upload.storeId}'s metrics do not match its CSV (${rows} lines, ${csvSalesCents(upload.csv) / 100}): ${JSON.stringify(day.metrics).slice(0, 300)}`,
          );
        }
        // One file downloaded as a user does: the presigned URL serves the Parquet bytes.
        const first = need(state.uploads, "uploads")[0];
        const key = `processed/store_id=${first.storeId}/date=${date}/sales.parquet`;
        const grant = await apiJson(ctx, "GET", `/files/download-url?key=${encodeURIComponent(key)}`);
        const file = await httpCall(grant.downloadUrl);
        check(file.status === 200, `the download URL of ${key} answered ${file.status}: ${file.text.slice(0, 200)}`);
        check(
          file.raw.subarray(0, 4).toString() === "PAR1" && file.raw.subarray(-4).toString() === "PAR1",
          `${key} is not a Parquet file (starts ${JSON.stringify(file.raw.subarray(0, 8).toString())})`,
        );
        check(
          file.headers["x-amz-meta-rows"] === String(first.csv.trim().split("\n").length - 1),
          `${key} says it holds ${file.headers["x-amz-meta-rows"]} rows`,
        );
        return `${state.uploads?.length} Parquet files; ${key} downloads (${file.raw.length} bytes)`;
      },
    },
    {
      name: "the daily analysis runs once all stores are in and succeeds",
      async run(ctx, state) {
        const date = need(state.date, "date");
        const execution = await ended(ctx, dailyExecutionArn(ctx, date));
        check(
          execution.status === "SUCCEEDED",
          `daily-${date} ended ${execution.status}: ${execution.error ?? ""} ${execution.cause?.slice(0, 400) ?? ""}`,
        );
        const input = JSON.parse(execution.input ?? "{}");
        check(input.trigger === "all-stores-reported", `daily-${date} was started by ${input.trigger}`);
        const seconds = ((execution.stopDate?.getTime() ?? 0) - (execution.startDate?.getTime() ?? 0)) / 1000;
        return `daily-${date} SUCCEEDED in ${seconds.toFixed(1)} s`;
      },
    },
    {
      name: "GET /analytics answers the day: company, products, anomalies, trends, recommendations, report",
      async run(ctx, state) {
        const date = need(state.date, "date");
        const stores = need(state.stores, "stores");
        const day = await apiJson(ctx, "GET", `/analytics?date=${date}`);
        check(day.status === "complete", `the day is ${day.status}, not complete`);
        check(
          [...day.reportedStores].sort().join() === [...stores].sort().join(),
          `reported stores ${day.reportedStores} are not the expected ${stores}`,
        );
        check(
          Math.round(day.company.totalSales * 100) === state.salesCents && day.company.storeCount === stores.length,
          `company figures ${day.company.totalSales} from ${day.company.storeCount} stores, uploaded ${(state.salesCents ?? 0) / 100}`,
        );
        check(day.products.topProducts.length > 0, "no top products");
        // A first day has no history: every store is listed as not judged, none flagged.
        check(
          day.anomalies.anomalies.length === 0 &&
            [...day.anomalies.notJudged].sort().join() === [...stores].sort().join(),
          `anomalies of a day without history: ${JSON.stringify(day.anomalies).slice(0, 300)}`,
        );
        check(
          day.trends.company.scope === "company" && day.trends.stores.length === stores.length,
          `trends: ${JSON.stringify(day.trends).slice(0, 300)}`,
        );
        // The emulator's InvokeModel answers an empty body: the rules stand in and say so.
        const rec = day.recommendations;
        check(
          rec.source === "rules" && typeof rec.fallbackReason === "string" && rec.items.length > 0,
          `recommendations: ${JSON.stringify(rec).slice(0, 300)}`,
        );
        check(
          typeof day.report?.subject === "string" && day.report.subject.startsWith(`Daily sales report ${date}:`),
          `report: ${JSON.stringify(day.report).slice(0, 200)}`,
        );
        return `${day.company.totalSales} from ${day.company.storeCount} stores; ${rec.items.length} rule-based recommendations (${rec.fallbackReason})`;
      },
    },
    {
      name: "the report went out on the daily reports topic (SNS outbox)",
      async run(ctx, state) {
        const date = need(state.date, "date");
        const topic = ctx.output(STACK, "daily_reports_topic_arn");
        const mails = await waitFor(
          `the report of ${date} in the outbox`,
          async () => {
            const found = (await outbox(ctx, topic)).filter((m) =>
              m.subject?.startsWith(`Daily sales report ${date}:`),
            );
            return found.length ? found : undefined;
          },
          30_000,
        );
        check(mails.length === 1, `${mails.length} reports of ${date} went out, not one`);
        const [mail] = mails;
        check(mail.protocol === "email", `the report went to ${mail.protocol}:${mail.endpoint}`);
        check(
          mail.message.includes(`DAILY SALES REPORT - ${date}`) &&
            mail.message.includes("RECOMMENDATIONS (rule-based)"),
          `the report's text: ${mail.message.slice(0, 300)}`,
        );
        return `"${mail.subject}" to ${mail.endpoint}`;
      },
    },
    {
      name: "GET /trends and the QuickSight export hold the day",
      async run(ctx, state) {
        const date = need(state.date, "date");
        const trends = await apiJson(ctx, "GET", `/trends?days=7&to=${date}`);
        const point = trends.series.find((p: { date: string }) => p.date === date);
        check(
          trends.scope === "company" && point && Math.round(point.totalSales * 100) === state.salesCents,
          `GET /trends has no company point for ${date}: ${JSON.stringify(trends.series)}`,
        );
        const s3 = new S3Client(ctx.clientConfig(regionOf(ctx)));
        const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucketOf(ctx), Prefix: "quicksight/" }));
        const exported = (listed.Contents ?? [])
          .map((o) => o.Key as string)
          .filter((k) => k.includes(`/date=${date}/`));
        const datasets = Object.keys(QUICKSIGHT_DATASETS);
        check(
          datasets.every((d) => exported.includes(`quicksight/${d}/date=${date}/${d}.csv`)),
          `the QuickSight export of ${date} holds ${exported.join(", ") || "nothing"}`,
        );
        const summaries = await objectText(ctx, `quicksight/store_summaries/date=${date}/store_summaries.csv`);
        check(
          summaries?.trim().split("\n").length === (state.stores?.length ?? 0) + 1,
          `store_summaries.csv: ${summaries?.slice(0, 200)}`,
        );
        return `trend point ${point.totalSales}; ${exported.length} QuickSight files`;
      },
    },
    {
      name: "a malformed CSV is moved to rejected/ with its reasons, and the alert goes out",
      async run(ctx, state) {
        const date = need(state.date, "date");
        const storeId = need(state.stores, "stores")[0];
        const since = new Date();
        const upload = await uploadThroughApi(ctx, storeId, date, malformedCsv(storeId, date));
        const [execution] = [...(await uploadExecutions(ctx, [upload.key], since)).values()];
        check(execution.status === "SUCCEEDED", `upload-processor ended ${execution.status}: ${execution.cause ?? ""}`);
        const output = JSON.parse(execution.output ?? "{}");
        check(output.status === UPLOAD_STATUS.rejected, `the file was ${output.status}, not rejected`);
        const name = upload.key.split("/").pop() as string;
        state.rejectedKey = `rejected/${storeId}/${date}/${name}`;
        const list = await apiJson(ctx, "GET", `/files?area=rejected&storeId=${storeId}&date=${date}`);
        const keys = list.files.map((f: { key: string }) => f.key);
        check(
          keys.includes(state.rejectedKey) && keys.includes(`${state.rejectedKey}.errors.json`),
          `GET /files?area=rejected lists ${keys.join(", ")}`,
        );
        const grant = await apiJson(
          ctx,
          "GET",
          `/files/download-url?key=${encodeURIComponent(`${state.rejectedKey}.errors.json`)}`,
        );
        const reasons = (await httpCall(grant.downloadUrl)).json();
        check(
          reasons.source === upload.key &&
            reasons.reasons.some((r: string) => r.includes("missing column(s) transaction_id")),
          `the reasons: ${JSON.stringify(reasons).slice(0, 300)}`,
        );
        const uploads = await apiJson(ctx, "GET", `/files?area=uploads&storeId=${storeId}&date=${date}`);
        check(
          !uploads.files.some((f: { key: string }) => f.key === upload.key),
          `${upload.key} is still under uploads/`,
        );
        const alert = await waitFor(
          "the rejection alert in the outbox",
          async () =>
            (await outbox(ctx, ctx.output(STACK, "sns_topic_arn"))).find(
              (m) => m.subject === "Sales upload rejected" && m.message.includes(name),
            ),
          30_000,
        );
        return `${state.rejectedKey}: ${reasons.reasons[0]} (alert to ${alert.endpoint})`;
      },
    },
  ],
  tryIt: (ctx) => {
    const date = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const url = ctx.output(STACK, "api_gateway_url");
    return [
      `curl -s -X POST ${url}/uploads/url -H 'content-type: application/json' -d '{"storeId":"0001","date":"${date}"}'`,
      `curl -s -X PUT -H 'content-type: text/csv' --data-binary @sales_0001.csv "<uploadUrl from the answer>"`,
      `${ctx.awsCli} stepfunctions list-executions --state-machine-arn ${ctx.output(STACK, "upload_processor_arn")}`,
      `curl -s "${url}/files?area=processed&storeId=0001"`,
      `curl -s "${url}/analytics?date=${date}"`,
      `curl -s "${url}/trends?days=30"`,
      `curl -s -X POST ${ctx.endpoint}/_localcloud/events/rules/${ruleName(ctx, "daily-analysis-schedule")}/fire   # today's analysis now`,
      `curl -s "${ctx.endpoint}/_localcloud/outbox/sns?topicArn=${ctx.output(STACK, "daily_reports_topic_arn")}"`,
      `${ctx.awsCli} logs filter-log-events --log-group-name /aws/lambda/${functionName(ctx, "process-upload")}`,
    ];
  },
});
