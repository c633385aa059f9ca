/** Daily analysis, parallel branch: week-over-week change and 28-day slope of the company and every store. */
import { TREND_RULE } from "./contract";
import { analyzeTrends, type SeriesPoint, type TrendReport } from "./lib/analysis";
import { addDays } from "./lib/dates";
import { logger } from "./lib/log";
import { dateOf, need } from "./lib/steps";
import { putAnalysis, storeHistory } from "./lib/table";

export async function handler(event: unknown): Promise<TrendReport> {
  const date = dateOf(event);
  // Every expected store, reported today or not: a store that stopped reporting still has a trend.
  const stores = need<string[]>(event, "expectedStores");
  const from = addDays(date, -(Math.max(TREND_RULE.slopeDays, 2 * TREND_RULE.windowDays) - 1));
  const perStore = new Map<string, SeriesPoint[]>();
  for (const storeId of stores) {
    const days = await storeHistory(storeId, from, date);
    if (days.length)
      perStore.set(
        storeId,
        days.map((d) => ({ date: d.date, totalSales: d.totalSales })),
      );
  }
  const report = analyzeTrends(date, perStore);
  await putAnalysis(date, "TRENDS", report);
  logger.info("trends analysed", { date, company: report.company.direction, stores: report.stores.length });
  return report;
}
