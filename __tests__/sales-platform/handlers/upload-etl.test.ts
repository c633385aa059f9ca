import "../support/esm";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { handler as calculateMetrics } from "../../../lambdas/sales-platform/calculate-metrics";
import { handler as checkAllStores } from "../../../lambdas/sales-platform/check-all-stores";
import { CSV_COLUMNS, REJECTION_REASONS_SUFFIX, UPLOAD_STATUS } from "../../../lambdas/sales-platform/contract";
import {
  handler as generateUploadUrl,
  handlerAt as generateUploadUrlAt,
} from "../../../lambdas/sales-platform/generate-upload-url";
import { fromParquet } from "../../../lambdas/sales-platform/lib/parquet";
import { handler as processUpload } from "../../../lambdas/sales-platform/process-upload";
import { storeDayCsv } from "../../../lambdas/sales-platform/sample/generate";
import {
  handler as triggerDailyAnalysis,
  handlerAt as triggerDailyAnalysisAt,
} from "../../../lambdas/sales-platform/trigger-daily-analysis";
import { handler as writeMetrics } from "../../../lambdas/sales-platform/write-metrics";
import {
  apiEvent,
  clients,
  createSalesPlatform,
  executions,
  listKeys,
  putObject,
  readBytes,
  type SalesPlatform,
} from "../support/platform";

// The upload ETL against the emulator's real S3, DynamoDB and Step Functions: a presigned URL
// upload, validation, Parquet, metrics in the table, and the once-a-day start of the analysis.
jest.setTimeout(60_000);

let p: SalesPlatform;
const DATE = "2026-01-30";
const NOW = new Date("2026-01-31T01:00:00Z");
type Answer = { statusCode: number; body: string };
const event = (key: string, size = 100) => ({ bucket: p.bucket, key, size, eventTime: NOW.toISOString() });

beforeAll(async () => {
  p = await createSalesPlatform("etl", 3);
});
afterAll(() => p.reports.close());

/** The ETL steps of upload-processor for one object, as the state machine runs them after VALID. */
async function runEtl(key: string, size = 100) {
  const processed = await processUpload(event(key, size));
  if (processed.status !== UPLOAD_STATUS.valid) return { processed };
  const metrics = await calculateMetrics(processed);
  const written = await writeMetrics(metrics);
  const check = await checkAllStores(written);
  return { processed, metrics, written, check };
}

describe("upload ETL on the emulator", () => {
  test("GIVEN an upload URL WHEN a store PUTs its CSV through it THEN the file lands under its key", async () => {
    const res = await generateUploadUrlAt(
      apiEvent("POST", "/uploads/url", { body: { storeId: "0001", date: DATE } }),
      NOW,
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({ "access-control-allow-origin": "http://localhost:3000" });
    const body = JSON.parse(res.body);
    // The time of the request to the millisecond, then a random tail.
    expect(body.key).toMatch(
      new RegExp(`^uploads/0001/${DATE}/sales_0001_${DATE}_20260131T010000000Z-[0-9a-f]{6}\\.csv$`),
    );
    const csv = storeDayCsv("0001", DATE, 0, 1);
    const put = await fetch(body.uploadUrl, { method: "PUT", headers: body.headers, body: csv });
    expect(put.status).toBe(200);
    expect((await readBytes(p.bucket, body.key))?.toString()).toBe(csv);

    // WHEN the ETL runs on it
    const { processed, metrics, check } = await runEtl(body.key, Buffer.byteLength(csv));
    // THEN the Parquet file holds every line, the metrics are in the table, one store of three is in
    expect(processed).toMatchObject({ status: "VALID", storeId: "0001", date: DATE });
    expect(processed.processedKey).toBe(`processed/store_id=0001/date=${DATE}/sales.parquet`);
    const rows = await fromParquet((await readBytes(p.bucket, processed.processedKey as string)) as Buffer);
    expect(rows).toHaveLength(csv.trim().split("\n").length - 1);
    const item = await clients().ddb.send(
      new GetCommand({ TableName: p.table, Key: { PK: "STORE#0001", SK: `DATE#${DATE}` } }),
    );
    expect(item.Item).toMatchObject({
      GSI1PK: `DATE#${DATE}`,
      GSI1SK: "STORE#0001",
      totalSales: metrics?.metrics.totalSales,
      transactionCount: metrics?.metrics.transactionCount,
    });
    expect(check).toMatchObject({ allReported: false, reported: ["0001"], missing: ["0002", "0003"] });
    expect(await executions(p)).toEqual([]);
  });

  test("GIVEN two upload URLs asked for in the same millisecond WHEN issued THEN their keys differ (neither upload overwrites the other)", async () => {
    const body = { storeId: "0002", date: NOW.toISOString().slice(0, 10) };
    const keys = await Promise.all(
      [1, 2].map(async () => {
        const res = await generateUploadUrlAt(apiEvent("POST", "/uploads/url", { body }), NOW);
        expect(res.statusCode).toBe(200);
        return JSON.parse(res.body as string).key as string;
      }),
    );
    expect(new Set(keys).size).toBe(2);
  });

  test("GIVEN Lambda's call (event, context, callback) WHEN an upload URL is asked for THEN it is issued for now", async () => {
    // The runtime passes the context and a callback after the event; neither may stand in for the clock.
    const lambdaCall = generateUploadUrl as unknown as (e: unknown, c: unknown, cb: () => void) => Promise<Answer>;
    const today = new Date().toISOString().slice(0, 10);
    const res = await lambdaCall(
      apiEvent("POST", "/uploads/url", { body: { storeId: "0002", date: today } }),
      { awsRequestId: "r-1", getRemainingTimeInMillis: () => 30_000 },
      () => undefined,
    );
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).key).toMatch(
      new RegExp(`^uploads/0002/${today}/sales_0002_${today}_\\d{8}T\\d{9}Z-[0-9a-f]{6}\\.csv$`),
    );
  });

  test("bad requests for upload URLs are 400s naming the problem", async () => {
    const bad = async (body: unknown) => {
      const res = await generateUploadUrlAt(apiEvent("POST", "/uploads/url", { body }), NOW);
      return [res.statusCode, JSON.parse(res.body).message];
    };
    expect(await bad({ storeId: "9999", date: DATE })).toEqual([
      400,
      "storeId must be one of the expected stores: 0001, 0002, 0003",
    ]);
    expect(await bad({ storeId: "0001", date: "2026-02-30" })).toEqual([
      400,
      "date must be a calendar date as YYYY-MM-DD",
    ]);
    expect(await bad({ storeId: "0001", date: "2027-06-01" })).toEqual([400, "date must be within the last 366 days"]);
    const notJson = await generateUploadUrlAt({ ...apiEvent("POST", "/uploads/url"), body: "{" }, NOW);
    expect([notJson.statusCode, JSON.parse(notJson.body).error]).toEqual([400, "bad_request"]);
  });

  test("GIVEN a file with bad lines WHEN processed THEN it moves to rejected/ with every reason beside it", async () => {
    const key = `uploads/0002/${DATE}/broken.csv`;
    const csv = `${CSV_COLUMNS.join(",")}\n${DATE},0002,T1,P001,Milk,Dairy,two,1.00,0,2.00\n${DATE},0003,T2,P002,Bread,Bakery,1,1.00,0,1.00\n`;
    await putObject(p.bucket, key, csv);
    const result = await processUpload(event(key));
    expect(result).toMatchObject({
      status: "REJECTED",
      storeId: "0002",
      date: DATE,
      rejectedKey: `rejected/0002/${DATE}/broken.csv`,
      problemCount: 2,
    });
    expect(result.reasons).toEqual([
      'line 2: quantity "two" must be a whole number from 1 to 10000',
      "file holds store 0003 but was uploaded for store 0002",
    ]);
    expect(result.message).toMatch(/^broken\.csv was rejected: line 2: quantity "two"/);
    expect((await readBytes(p.bucket, result.rejectedKey as string))?.toString()).toBe(csv);
    const reasons = JSON.parse(
      (await readBytes(p.bucket, `${result.rejectedKey}${REJECTION_REASONS_SUFFIX}`))?.toString() ?? "{}",
    );
    expect(reasons).toMatchObject({ source: key, problemCount: 2, reasons: result.reasons });
    expect(await readBytes(p.bucket, key)).toBeUndefined();
  });

  test("not a .csv, too large, folder markers and foreign keys", async () => {
    await putObject(p.bucket, "uploads/0001/notes.txt", "hello");
    expect(await processUpload(event("uploads/0001/notes.txt"))).toMatchObject({
      status: "REJECTED",
      rejectedKey: "rejected/unknown-store/unknown-date/notes.txt",
      reasons: ["file name must end with .csv"],
    });
    await putObject(p.bucket, "uploads/big.csv", "x");
    expect(await processUpload(event("uploads/big.csv", 11 * 1024 * 1024))).toMatchObject({
      status: "REJECTED",
      reasons: ["file has 11534336 bytes; at most 10485760 are accepted"],
    });
    expect(await processUpload(event("uploads/"))).toMatchObject({ status: "IGNORED" });
    await expect(processUpload(event("processed/x.csv"))).rejects.toMatchObject({ name: "InvalidInput" });
    await expect(processUpload({ bucket: "someone-elses", key: "uploads/a.csv" })).rejects.toThrow(
      /not the platform's bucket/,
    );
  });

  test("GIVEN the last store reports WHEN check-all-stores runs THEN the daily analysis starts exactly once", async () => {
    for (const storeId of ["0002", "0003"]) {
      const key = `uploads/${storeId}/${DATE}/sales.csv`;
      await putObject(p.bucket, key, storeDayCsv(storeId, DATE, 0, 1));
      await runEtl(key);
    }
    const runs = await executions(p);
    expect(runs).toEqual([{ name: `daily-${DATE}` }]);
    // A re-upload of a store (a correction) and the scheduled fallback find it started already.
    const again = await runEtl(`uploads/0003/${DATE}/sales.csv`);
    expect(again.check).toMatchObject({ allReported: true, analysis: { started: false, by: "all-stores-reported" } });
    const scheduled = await triggerDailyAnalysisAt({}, new Date(`${DATE}T23:00:00Z`));
    expect(scheduled).toMatchObject({ started: false, date: DATE, reason: "already-started" });
    expect(await executions(p)).toHaveLength(1);
    const marker = await clients().ddb.send(
      new GetCommand({ TableName: p.table, Key: { PK: `ANALYSIS#${DATE}`, SK: "RUN" } }),
    );
    expect(marker.Item).toMatchObject({ status: "STARTED", trigger: "all-stores-reported" });
    expect(marker.Item?.executionArn).toMatch(new RegExp(`:execution:.*:daily-${DATE}$`));
  });

  test("the scheduled fallback starts a day nobody completed, in the analysis time zone", async () => {
    // 04:00 UTC on Jan 30 is 23:00 on Jan 29 in New York: that is the day it starts.
    const out = await triggerDailyAnalysisAt({}, new Date("2026-01-30T04:00:00Z"));
    expect(out).toMatchObject({ started: true, date: "2026-01-29" });
    const names = (await executions(p)).map((e) => e.name).sort();
    expect(names).toEqual(["daily-2026-01-29", `daily-${DATE}`]);
    await expect(triggerDailyAnalysis({ date: "yesterday" })).rejects.toMatchObject({ name: "InvalidInput" });
  });

  test("the uploads that stay, the processed files and the rejected ones are where the prefixes say", async () => {
    expect(await listKeys(p.bucket, "processed/")).toEqual([
      `processed/store_id=0001/date=${DATE}/sales.parquet`,
      `processed/store_id=0002/date=${DATE}/sales.parquet`,
      `processed/store_id=0003/date=${DATE}/sales.parquet`,
    ]);
    expect(await listKeys(p.bucket, "rejected/")).toEqual(
      expect.arrayContaining([`rejected/0002/${DATE}/broken.csv`, `rejected/0002/${DATE}/broken.csv.errors.json`]),
    );
    expect((await listKeys(p.bucket, "uploads/")).some((k) => k.endsWith("broken.csv"))).toBe(false);
  });

  test("a key that arrives URL-encoded (as S3 event notifications send it) is found under its real name", async () => {
    const real = `uploads/0001/${DATE}/sales 2 (copy).csv`;
    await putObject(p.bucket, real, storeDayCsv("0001", DATE, 0, 1));
    const encoded = encodeURIComponent(real).replace(/%2F/g, "/").replace(/%20/g, "+");
    const result = await processUpload(event(encoded));
    expect(result).toMatchObject({ status: "VALID", key: real, storeId: "0001" });
  });

  test("a key that arrives URL-encoded (as S3 event notifications send it) is found under its real name", async () => {
    const real = `uploads/0001/${DATE}/sales 2 (copy).csv`;
    await putObject(p.bucket, real, storeDayCsv("0001", DATE, 0, 1));
    const encoded = encodeURIComponent(real).replace(/%2F/g, "/").replace(/%20/g, "+");
    const result = await processUpload(event(encoded));
    expect(result).toMatchObject({ status: "VALID", key: real, storeId: "0001" });
  });
});
