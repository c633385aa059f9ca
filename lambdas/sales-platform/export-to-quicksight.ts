/**
 * Daily analysis, last step: the day's datasets as CSV under quicksight/<dataset>/date=<date>/,
 * one file per dataset and day (re-running a day replaces its files). The QuickSight data
 * sources (enable_quicksight) read them through their manifests.
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { s3 } from "../shared/clients/s3";
import { ENV, QUICKSIGHT_DATASETS, type QuicksightDataset, quicksightKey } from "./contract";
import type { AnomalyReport, ProductMetrics, TrendReport } from "./lib/analysis";
import { logger } from "./lib/log";
import { bucketName, prefixSetting } from "./lib/settings";
import { dateOf, type RecommendationSet } from "./lib/steps";
import { analysisOf, storeDaysOf } from "./lib/table";

type Cell = string | number | null | undefined;

/** One CSV field: quoted when it holds a comma, quote or line break. */
export function csvField(v: Cell): string {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(dataset: QuicksightDataset, rows: readonly Cell[][]): string {
  const header = QUICKSIGHT_DATASETS[dataset].map((c) => c.name);
  for (const r of rows) {
    if (r.length !== header.length) throw new Error(`${dataset}: a row has ${r.length} fields, not ${header.length}`);
  }
  return `${[header, ...rows].map((r) => r.map(csvField).join(",")).join("\n")}\n`;
}

export async function handler(event: unknown): Promise<{ date: string; files: string[] }> {
  const date = dateOf(event);
  const prefix = prefixSetting(ENV.quicksightPrefix);
  const [stores, parts] = await Promise.all([storeDaysOf(date), analysisOf(date)]);
  const products = parts.PRODUCTS as ProductMetrics | undefined;
  const anomalies = parts.ANOMALIES as AnomalyReport | undefined;
  const trends = parts.TRENDS as TrendReport | undefined;
  const recommendations = parts.RECOMMENDATIONS as RecommendationSet | undefined;
  const datasets: Record<QuicksightDataset, Cell[][]> = {
    store_summaries: stores.map((s) => [
      date,
      s.storeId,
      s.totalSales,
      s.totalUnits,
      s.transactionCount,
      s.avgTransactionValue,
    ]),
    products: [...(products?.topProducts ?? []), ...(products?.bottomProducts ?? [])]
      .filter((p, i, all) => all.findIndex((q) => q.productId === p.productId) === i)
      .map((p) => [date, p.productId, p.name, p.category, p.units, p.sales, p.stores]),
    anomalies: (anomalies?.anomalies ?? []).map((a) => [
      date,
      a.storeId,
      a.metric,
      a.value,
      a.baseline,
      a.score,
      a.direction,
      a.severity,
    ]),
    trends: trends
      ? [trends.company, ...trends.stores].map((t) => [date, t.scope, t.weekOverWeekPct, t.slopePctPerDay, t.direction])
      : [],
    recommendations: (recommendations?.items ?? []).map((r) => [
      date,
      r.priority,
      r.title,
      r.detail,
      recommendations?.source,
    ]),
  };
  const bucket = bucketName();
  const files: string[] = [];
  for (const [name, rows] of Object.entries(datasets) as [QuicksightDataset, Cell[][]][]) {
    const key = quicksightKey(prefix, name, date);
    await s3().send(
      new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: "text/csv", Body: toCsv(name, rows) }),
    );
    files.push(key);
  }
  logger.info("datasets exported", { date, files: files.length });
  return { date, files };
}
