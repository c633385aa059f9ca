/** Daily analysis, parallel branch: company totals, store ranking and category mix; also the company's series point. */
import { type CompanyMetrics, companyMetrics } from "./lib/analysis";
import { logger } from "./lib/log";
import { dateOf, need } from "./lib/steps";
import { putAnalysis, putCompanyDay, storeDaysOf } from "./lib/table";

export async function handler(event: unknown): Promise<CompanyMetrics> {
  const date = dateOf(event);
  const expected = need<string[]>(event, "expectedStores");
  const metrics = companyMetrics(date, await storeDaysOf(date), expected);
  await putAnalysis(date, "COMPANY", metrics);
  await putCompanyDay(date, {
    date,
    totalSales: metrics.totalSales,
    totalUnits: metrics.totalUnits,
    transactionCount: metrics.transactionCount,
    avgTransactionValue: metrics.avgTransactionValue,
    storeCount: metrics.storeCount,
  });
  logger.info("company metrics", { date, totalSales: metrics.totalSales, stores: metrics.storeCount });
  return metrics;
}
