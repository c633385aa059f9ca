import "../support/esm";
import { ANOMALY_RULE, CSV_COLUMNS, UPLOAD_LIMITS } from "../../../lambdas/sales-platform/contract";
import {
  analyzeTrends,
  companyMetrics,
  detectAnomalies,
  productMetrics,
  ruleRecommendations,
  trendOf,
} from "../../../lambdas/sales-platform/lib/analysis";
import {
  answerText,
  modelFamily,
  parseRecommendations,
  requestBody,
} from "../../../lambdas/sales-platform/lib/bedrock";
import { claimedByKey, validateSalesCsv } from "../../../lambdas/sales-platform/lib/csv";
import { addDays, isDate, todayIn } from "../../../lambdas/sales-platform/lib/dates";
import { productFigures, type StoreDayMetrics, storeDayMetrics } from "../../../lambdas/sales-platform/lib/metrics";
import { fromParquet, toParquet } from "../../../lambdas/sales-platform/lib/parquet";
import { reportSubject, reportText, SNS_LIMITS } from "../../../lambdas/sales-platform/lib/report";
import { parseStoreList } from "../../../lambdas/sales-platform/lib/settings";
import { modifiedZScore, slope } from "../../../lambdas/sales-platform/lib/stats";
import { generateSampleData, storeIds } from "../../../lambdas/sales-platform/sample/generate";

const HEADER = CSV_COLUMNS.join(",");
const stores = storeIds(11);
const ctx = { expectedStores: stores };
const csv = (...lines: string[]) => [HEADER, ...lines].join("\n");
const line = (over: Partial<Record<(typeof CSV_COLUMNS)[number], string>> = {}) => {
  const base = {
    date: "2026-01-30",
    store_id: "0001",
    transaction_id: "T1",
    product_id: "P001",
    product_name: "Whole Milk 1L",
    category: "Dairy",
    quantity: "2",
    unit_price: "1.50",
    discount: "0.00",
    total: "3.00",
  };
  const row = { ...base, ...over };
  return CSV_COLUMNS.map((c) => row[c]).join(",");
};

describe("sales CSV validation", () => {
  test("GIVEN a well-formed file WHEN validated THEN its rows, store and date come back typed", () => {
    const verdict = validateSalesCsv(
      csv(line(), line({ transaction_id: "T2", product_name: '"Milk, 2%"', discount: "0.50", total: "2.50" })),
      ctx,
    );
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    expect(verdict).toMatchObject({ storeId: "0001", date: "2026-01-30" });
    expect(verdict.rows[1]).toEqual({
      date: "2026-01-30",
      storeId: "0001",
      transactionId: "T2",
      productId: "P001",
      productName: "Milk, 2%",
      category: "Dairy",
      quantity: 2,
      unitPrice: 1.5,
      discount: 0.5,
      total: 2.5,
    });
  });

  test("header problems: unknown, missing and duplicated columns are all named", () => {
    const verdict = validateSalesCsv("date,store_id,store_id,colour\n2026-01-30,0001,0001,red\n", ctx);
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.reasons).toEqual(
      expect.arrayContaining([
        'header: unknown column "colour"',
        'header: column "store_id" appears twice',
        expect.stringMatching(/^header: missing column\(s\) transaction_id, product_id/),
      ]),
    );
  });

  test("every bad line is reported with its line number, the count of all problems is kept", () => {
    const verdict = validateSalesCsv(
      csv(
        line({ date: "2026-02-30" }),
        line({ store_id: "9999" }),
        line({ quantity: "1.5" }),
        line({ unit_price: "1.234" }),
        line({ total: "9.99" }),
        line({ transaction_id: "" }),
        line(),
        line(),
      ),
      ctx,
    );
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.reasons).toEqual([
      'line 2: date "2026-02-30" is not a date (YYYY-MM-DD)',
      'line 3: store_id "9999" is not an expected store',
      'line 4: quantity "1.5" must be a whole number from 1 to 10000',
      'line 5: unit_price "1.234" must be an amount from 0 to 100000 with at most 2 decimals',
      "line 6: total 9.99 is not quantity x unit_price - discount (3.00)",
      "line 7: transaction_id is empty",
      "line 9: transaction T1 lists product P001 twice",
    ]);
    expect(verdict.problemCount).toBe(7);
  });

  test("one store-day per file, and it must be the one the upload key claims", () => {
    const mixed = validateSalesCsv(
      csv(line(), line({ store_id: "0002", date: "2026-01-29", transaction_id: "T9" })),
      ctx,
    );
    expect(!mixed.ok && mixed.reasons).toEqual([
      "file mixes stores 0001, 0002; one store per file",
      "file mixes dates 2026-01-29, 2026-01-30; one day per file",
    ]);
    const claimed = validateSalesCsv(csv(line()), { ...ctx, claimed: { storeId: "0002", date: "2026-01-29" } });
    expect(!claimed.ok && claimed.reasons).toEqual([
      "file holds store 0001 but was uploaded for store 0002",
      "file holds sales of 2026-01-30 but was uploaded for 2026-01-29",
    ]);
  });

  test("empty files, header-only files and ragged lines are refused; reasons are capped", () => {
    expect(validateSalesCsv("", ctx)).toMatchObject({ ok: false, reasons: ["file is empty"] });
    expect(validateSalesCsv(HEADER, ctx)).toMatchObject({
      ok: false,
      reasons: ["file has a header but no sales lines"],
    });
    expect(validateSalesCsv(csv("2026-01-30,0001"), ctx)).toMatchObject({
      ok: false,
      reasons: ["line 2: has 2 fields, the header has 10"],
    });
    const many = validateSalesCsv(
      csv(...Array.from({ length: 80 }, (_, i) => line({ transaction_id: `T${i}`, quantity: "0" }))),
      ctx,
    );
    expect(!many.ok && many.reasons.length).toBe(UPLOAD_LIMITS.maxReasons);
    expect(!many.ok && many.problemCount).toBe(80);
  });

  test("a BOM, CRLF line ends and upper-case headers are accepted", () => {
    const text = `\uFEFF${HEADER.toUpperCase()}\r\n${line()}\r\n`;
    expect(validateSalesCsv(text, ctx).ok).toBe(true);
  });

  test("the store and date an upload key claims", () => {
    expect(claimedByKey("uploads/0001/2026-01-30/sales.csv", "uploads/")).toEqual({
      storeId: "0001",
      date: "2026-01-30",
    });
    expect(claimedByKey("uploads/sales.csv", "uploads/")).toBeUndefined();
    expect(claimedByKey("uploads/0001/2026-13-01/x.csv", "uploads/")).toBeUndefined();
  });
});

describe("Parquet round trip and store metrics", () => {
  const sample = generateSampleData({ stores: 1, days: 1 })[0];
  const verdict = validateSalesCsv(sample.csv, ctx);
  if (!verdict.ok) throw new Error(verdict.reasons.join("; "));

  test("GIVEN validated rows WHEN written as Parquet and read back THEN they are equal", async () => {
    const file = toParquet(verdict.rows, { source: "uploads/x.csv" });
    expect(file.subarray(0, 4).toString("latin1")).toBe("PAR1");
    expect(file.subarray(-4).toString("latin1")).toBe("PAR1");
    expect(await fromParquet(file)).toEqual(verdict.rows);
  });

  test("metrics: exact cent sums, distinct transactions, top products by sales", () => {
    const m = storeDayMetrics(verdict.rows, "processed/x.parquet");
    const cents = verdict.rows.reduce((n, r) => n + Math.round(r.total * 100), 0);
    expect(m.totalSales).toBe(cents / 100);
    expect(m.transactionCount).toBe(new Set(verdict.rows.map((r) => r.transactionId)).size);
    expect(m.avgTransactionValue).toBe(Math.round(cents / m.transactionCount) / 100);
    expect(m.topProducts.length).toBeLessThanOrEqual(10);
    expect(m.topProducts.map((p) => p.sales)).toEqual([...m.topProducts.map((p) => p.sales)].sort((a, b) => b - a));
    expect(Object.values(m.categorySales).reduce((n, c) => n + Math.round(c.sales * 100), 0)).toBe(cents);
  });
});

describe("statistics and analyses", () => {
  const day = (storeId: string, date: string, totalSales: number, transactionCount = 100): StoreDayMetrics => ({
    storeId,
    date,
    totalSales,
    totalUnits: transactionCount * 2,
    totalDiscount: 0,
    transactionCount,
    lineCount: transactionCount,
    productCount: 1,
    avgTransactionValue: Math.round((totalSales / transactionCount) * 100) / 100,
    categorySales: { Dairy: { units: transactionCount * 2, sales: totalSales } },
    topProducts: [],
    processedKey: "processed/x",
  });

  test("modified z-score: MAD, then mean absolute deviation, then infinity", () => {
    expect(modifiedZScore(10, [1, 2, 3, 4, 5]).score).toBeCloseTo((0.6745 * 7) / 1, 6);
    expect(modifiedZScore(10, [5, 5, 5, 5, 9]).score).toBeCloseTo(5 / (1.253314 * 0.8), 6);
    expect(modifiedZScore(6, [5, 5, 5]).score).toBe(Number.POSITIVE_INFINITY);
    expect(modifiedZScore(5, [5, 5, 5]).score).toBe(0);
    expect(
      slope([
        { x: 0, y: 1 },
        { x: 1, y: 3 },
        { x: 2, y: 5 },
      ]),
    ).toBe(2);
  });

  test("GIVEN a store far below its own history WHEN anomalies are detected THEN only it is flagged, high", () => {
    const date = "2026-01-30";
    const history = new Map<string, StoreDayMetrics[]>();
    for (const id of ["0001", "0002"]) {
      history.set(
        id,
        Array.from({ length: 28 }, (_, i) => day(id, addDays(date, -28 + i), 1000 + (i % 5) * 10)),
      );
    }
    history.set("0003", [day("0003", addDays(date, -1), 500)]);
    const report = detectAnomalies(
      date,
      [day("0001", date, 1015), day("0002", date, 200, 20), day("0003", date, 5)],
      history,
    );
    expect(report.anomalies.map((a) => [a.storeId, a.metric, a.direction, a.severity])).toEqual(
      expect.arrayContaining([
        ["0002", "totalSales", "below", "high"],
        ["0002", "transactionCount", "below", "high"],
      ]),
    );
    expect(report.anomalies.every((a) => a.storeId === "0002")).toBe(true);
    expect(report.notJudged).toEqual(["0003"]);
    expect(report.rule).toContain(`|z| > ${ANOMALY_RULE.threshold}`);
  });

  test("company metrics: totals, ranking, shares and missing stores", () => {
    const m = companyMetrics(
      "2026-01-30",
      [day("0001", "2026-01-30", 300.1), day("0002", "2026-01-30", 100.2)],
      ["0001", "0002", "0003"],
    );
    expect(m).toMatchObject({
      storeCount: 2,
      expectedStoreCount: 3,
      missingStores: ["0003"],
      totalSales: 400.3,
      bestStore: { storeId: "0001", share: 74.97 },
      worstStore: { storeId: "0002" },
    });
    expect(m.categorySales.Dairy.sales).toBe(400.3);
  });

  test("product metrics across stores: summed, ranked, with the number of stores", () => {
    const p = (productId: string, sales: number, units = 1) => ({
      productId,
      name: productId,
      category: "C",
      units,
      sales,
    });
    const m = productMetrics(
      "2026-01-30",
      new Map([
        ["0001", [p("A", 10), p("B", 1)]],
        ["0002", [p("A", 5), p("C", 7)]],
      ]),
    );
    expect(m.topProducts.map((x) => [x.productId, x.sales, x.stores])).toEqual([
      ["A", 15, 2],
      ["C", 7, 1],
      ["B", 1, 1],
    ]);
    expect(m.bottomProducts[0].productId).toBe("B");
    expect(m.categories).toEqual([{ category: "C", units: 4, sales: 23, share: 100 }]);
    expect(productFigures([])).toEqual([]);
  });

  test("trends: week over week on daily means, slope over 28 days, missing days skipped", () => {
    const date = "2026-01-30";
    const rising = Array.from({ length: 28 }, (_, i) => ({ date: addDays(date, -27 + i), totalSales: 100 + 2 * i }));
    const t = trendOf("store:0003", date, rising);
    expect(t.direction).toBe("up");
    expect(t.weekOverWeekPct).toBeCloseTo((100 * 14) / (100 + 2 * 17), 1);
    expect(t.days).toBe(28);
    const flat = trendOf(
      "store:0001",
      date,
      rising.map((p) => ({ ...p, totalSales: 100 })),
    );
    expect(flat).toMatchObject({ direction: "flat", weekOverWeekPct: 0, slopePctPerDay: 0 });
    const sparse = trendOf("store:0002", date, [{ date, totalSales: 5 }]);
    expect(sparse.weekOverWeekPct).toBeNull();
    const report = analyzeTrends(
      date,
      new Map([
        ["0003", rising],
        ["0001", rising.map((p) => ({ ...p, totalSales: 300 - p.totalSales }))],
      ]),
    );
    expect(report.risers.map((x) => x.scope)).toEqual(["store:0003"]);
    expect(report.fallers.map((x) => x.scope)).toEqual(["store:0001"]);
    expect(report.company.direction).toBe("flat");
  });

  test("rule-based recommendations name missing stores first, then high anomalies", () => {
    const date = "2026-01-30";
    const company = companyMetrics(date, [day("0001", date, 100)], ["0001", "0002"]);
    const recs = ruleRecommendations({
      company,
      products: productMetrics(date, new Map()),
      anomalies: {
        date,
        rule: "",
        notJudged: [],
        anomalies: [
          {
            storeId: "0001",
            metric: "totalSales",
            value: 100,
            baseline: 900,
            score: -9,
            direction: "below",
            severity: "high",
            historyDays: 28,
          },
        ],
      },
      trends: analyzeTrends(date, new Map()),
    });
    expect(recs.map((r) => [r.priority, r.title])).toEqual([
      ["high", "Collect missing sales files (1 store(s))"],
      ["high", "Investigate store 0001: totalSales below normal"],
    ]);
  });
});

describe("Bedrock wire formats", () => {
  const prompt = { system: "S", user: "U", maxTokens: 100, temperature: 0.2 };

  test("families by model id, including cross-region profile ids", () => {
    expect(modelFamily("amazon.nova-lite-v1:0")).toBe("nova");
    expect(modelFamily("us.anthropic.claude-3-5-haiku-20241022-v1:0")).toBe("anthropic");
    expect(modelFamily("amazon.titan-text-express-v1")).toBe("titan");
    expect(modelFamily("meta.llama3-8b-instruct-v1:0")).toBe("llama");
    expect(modelFamily("cohere.embed-english-v3")).toBeUndefined();
  });

  test("Nova and Claude request bodies carry system, user and limits in their own shape", () => {
    expect(requestBody("nova", prompt)).toEqual({
      schemaVersion: "messages-v1",
      system: [{ text: "S" }],
      messages: [{ role: "user", content: [{ text: "U" }] }],
      inferenceConfig: { maxTokens: 100, temperature: 0.2 },
    });
    expect(requestBody("anthropic", prompt)).toMatchObject({
      anthropic_version: "bedrock-2023-05-31",
      max_tokens: 100,
      system: "S",
      messages: [{ role: "user", content: [{ type: "text", text: "U" }] }],
    });
  });

  test("answers: the text of each family; an empty answer is empty text", () => {
    expect(
      answerText("nova", { output: { message: { role: "assistant", content: [{ text: "a" }, { text: "b" }] } } }),
    ).toBe("ab");
    expect(answerText("anthropic", { content: [{ type: "text", text: "c" }] })).toBe("c");
    expect(answerText("titan", { results: [{ outputText: "d" }] })).toBe("d");
    expect(answerText("nova", {})).toBe("");
  });

  test("recommendations are parsed from the first JSON array; junk entries are dropped", () => {
    const text =
      'Sure! Here you go:\n[{"priority":"HIGH","title":"Restock milk","detail":"Milk sold out."},{"title":""},{"priority":"urgent","title":"X","detail":"Y"}]\nThanks';
    expect(parseRecommendations(text)).toEqual([
      { priority: "high", title: "Restock milk", detail: "Milk sold out." },
      { priority: "medium", title: "X", detail: "Y" },
    ]);
    expect(parseRecommendations("no json here")).toEqual([]);
    expect(parseRecommendations("[not json]")).toEqual([]);
  });
});

describe("report, settings and dates", () => {
  test("the report subject fits SNS (100 ASCII characters)", () => {
    const date = "2026-01-30";
    const company = companyMetrics(date, [{ ...generateDay(), storeId: "0001" }], ["0001"]);
    const insights = {
      date,
      trigger: "schedule" as const,
      generatedAt: "2026-01-30T23:00:00.000Z",
      expectedStores: ["0001"],
      missingStores: [],
      company,
      products: productMetrics(date, new Map()),
      anomalies: { date, rule: "r", anomalies: [], notJudged: [] },
      trends: analyzeTrends(date, new Map()),
      recommendations: { source: "rules" as const, modelId: "m", fallbackReason: "Throttled: slow down", items: [] },
    };
    const subject = reportSubject(insights);
    expect(subject.length).toBeLessThanOrEqual(SNS_LIMITS.subject);
    expect(subject).toMatch(/^Daily sales report 2026-01-30: /);
    const text = reportText(insights);
    expect(text).toContain("RECOMMENDATIONS (rule-based)");
    expect(text).toContain("(the model could not be used: Throttled: slow down)");
  });

  test("expected stores: trimmed, deduplicated, validated", () => {
    expect(parseStoreList(" 0001, 0002,,0001 ")).toEqual(["0001", "0002"]);
    expect(() => parseStoreList("0001,bad id")).toThrow(/invalid store ids: bad id/);
    expect(() => parseStoreList(" , ")).toThrow(/names no store/);
  });

  test("dates: calendar checks and today in a time zone", () => {
    expect(isDate("2024-02-29")).toBe(true);
    expect(isDate("2023-02-29")).toBe(false);
    const late = new Date("2026-01-31T03:00:00Z");
    expect(todayIn("America/New_York", late)).toBe("2026-01-30");
    expect(todayIn("Asia/Tokyo", late)).toBe("2026-01-31");
    expect(() => todayIn("Mars/Olympus", late)).toThrow(/unknown time zone/);
  });
});

function generateDay(): StoreDayMetrics {
  return {
    storeId: "0001",
    date: "2026-01-30",
    totalSales: 1234.56,
    totalUnits: 10,
    totalDiscount: 0,
    transactionCount: 5,
    lineCount: 5,
    productCount: 1,
    avgTransactionValue: 246.91,
    categorySales: {},
    topProducts: [],
    processedKey: "processed/x",
  };
}
