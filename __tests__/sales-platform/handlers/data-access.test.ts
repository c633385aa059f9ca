import "../support/esm";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { handler as generateDownloadUrl } from "../../../lambdas/sales-platform/generate-download-url";
import { handler as getAnalytics } from "../../../lambdas/sales-platform/get-analytics";
import { handler as getTrends } from "../../../lambdas/sales-platform/get-trends";
import { handler as listFiles } from "../../../lambdas/sales-platform/list-files";
import { apiEvent, clients, createSalesPlatform, putObject, type SalesPlatform } from "../support/platform";

// The data access API's validation and errors against the emulator's real S3 and DynamoDB:
// every bad request is a 400 (or 403/404) naming the problem, with the frontend's CORS origin.
jest.setTimeout(60_000);

let p: SalesPlatform;
type Answer = { statusCode: number; headers?: Record<string, unknown>; body: string };
const call = async (h: (e: ReturnType<typeof apiEvent>) => Promise<unknown>, query: Record<string, string>) => {
  const res = (await h(apiEvent("GET", "/", { query }))) as Answer;
  return { status: res.statusCode, body: JSON.parse(res.body), headers: res.headers };
};

beforeAll(async () => {
  p = await createSalesPlatform("api", 2);
  await putObject(p.bucket, "uploads/0001/2026-01-30/a.csv", "x");
  await putObject(p.bucket, "processed/store_id=0001/date=2026-01-30/sales.parquet", "PAR1");
  await putObject(p.bucket, "quicksight/store_summaries/date=2026-01-30/store_summaries.csv", "x");
  await clients().ddb.send(
    new PutCommand({
      TableName: p.table,
      Item: {
        PK: "STORE#0001",
        SK: "DATE#2026-01-30",
        GSI1PK: "DATE#2026-01-30",
        GSI1SK: "STORE#0001",
        storeId: "0001",
        date: "2026-01-30",
        totalSales: 100,
        transactionCount: 4,
        avgTransactionValue: 25,
      },
    }),
  );
});
afterAll(() => p.reports.close());

describe("data access API on the emulator", () => {
  test("list-files: by area, store and day; bad parameters are 400s", async () => {
    const uploads = await call(listFiles, { area: "uploads", storeId: "0001", date: "2026-01-30" });
    expect(uploads).toMatchObject({ status: 200, body: { prefix: "uploads/0001/2026-01-30/", nextCursor: null } });
    expect(uploads.body.files.map((f: { key: string }) => f.key)).toEqual(["uploads/0001/2026-01-30/a.csv"]);
    expect(uploads.headers).toMatchObject({ "access-control-allow-origin": "http://localhost:3000" });
    const processed = await call(listFiles, {});
    expect(processed.body.files.map((f: { key: string }) => f.key)).toEqual([
      "processed/store_id=0001/date=2026-01-30/sales.parquet",
    ]);
    expect(await call(listFiles, { area: "quicksight" })).toMatchObject({
      status: 400,
      body: { error: "bad_request", message: "area must be one of uploads, processed, rejected" },
    });
    expect((await call(listFiles, { date: "2026-01-30" })).body.message).toBe("date needs storeId");
    expect((await call(listFiles, { limit: "0" })).body.message).toBe("limit must be a whole number from 1 to 1000");
    expect((await call(listFiles, { storeId: "../x" })).body.message).toBe("storeId is not a valid store id");
  });

  test("generate-download-url: only files of the three areas; a missing file is a 404", async () => {
    const ok = await call(generateDownloadUrl, { key: "uploads/0001/2026-01-30/a.csv" });
    expect(ok).toMatchObject({ status: 200, body: { area: "uploads", size: 1, expiresIn: 300 } });
    expect(ok.body.downloadUrl).toContain("uploads/0001/2026-01-30/a.csv");
    expect(await (await fetch(ok.body.downloadUrl)).text()).toBe("x");
    expect(
      await call(generateDownloadUrl, { key: "quicksight/store_summaries/date=2026-01-30/store_summaries.csv" }),
    ).toMatchObject({
      status: 403,
      body: { error: "forbidden" },
    });
    expect(await call(generateDownloadUrl, { key: "processed/../quicksight/x" })).toMatchObject({ status: 400 });
    expect(await call(generateDownloadUrl, { key: "processed/nope.parquet" })).toMatchObject({
      status: 404,
      body: { error: "not_found", message: "no file processed/nope.parquet" },
    });
    expect(await call(generateDownloadUrl, {})).toMatchObject({ status: 400, body: { message: "key is required" } });
  });

  test("get-analytics: a day without analysis is pending with its stores; a store's day; unknown days are 404s", async () => {
    expect(await call(getAnalytics, { date: "2026-01-30" })).toMatchObject({
      status: 200,
      body: { date: "2026-01-30", status: "pending", reportedStores: ["0001"] },
    });
    expect(await call(getAnalytics, { date: "2026-01-30", storeId: "0001" })).toMatchObject({
      status: 200,
      body: { metrics: { storeId: "0001", totalSales: 100 } },
    });
    expect(await call(getAnalytics, { date: "2026-01-29" })).toMatchObject({
      status: 404,
      body: { error: "not_found" },
    });
    expect(await call(getAnalytics, { date: "2026-01-30", storeId: "0002" })).toMatchObject({ status: 404 });
    expect(await call(getAnalytics, {})).toMatchObject({
      status: 400,
      body: { message: "date is required as a calendar date YYYY-MM-DD" },
    });
  });

  test("get-trends: a store's series; the range is checked", async () => {
    const store = await call(getTrends, { storeId: "0001", days: "7", to: "2026-01-30" });
    expect(store).toMatchObject({
      status: 200,
      body: {
        scope: "store:0001",
        from: "2026-01-24",
        to: "2026-01-30",
        series: [{ date: "2026-01-30", totalSales: 100 }],
      },
    });
    expect(await call(getTrends, { days: "400" })).toMatchObject({
      status: 400,
      body: { message: "days must be a whole number from 1 to 365" },
    });
    expect(await call(getTrends, { to: "tomorrow" })).toMatchObject({ status: 400 });
    const company = await call(getTrends, { to: "2026-01-30" });
    expect(company.body).toMatchObject({ scope: "company", series: [], trend: null });
  });
});
