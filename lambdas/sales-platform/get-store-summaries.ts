/** Step 1 of daily-analysis: the day's store metrics, and which expected stores are missing. */
import type { DailyAnalysisInput } from "./contract";
import { logger } from "./lib/log";
import { expectedStores } from "./lib/settings";
import { dateOf, NoSalesData, type StoreSummaries } from "./lib/steps";
import { storeDaysOf } from "./lib/table";

const TRIGGERS: readonly DailyAnalysisInput["trigger"][] = ["all-stores-reported", "schedule", "manual"];

export async function handler(event: Partial<DailyAnalysisInput>): Promise<StoreSummaries> {
  const date = dateOf(event);
  const trigger = TRIGGERS.includes(event.trigger as DailyAnalysisInput["trigger"])
    ? (event.trigger as DailyAnalysisInput["trigger"])
    : "manual";
  const expected = expectedStores();
  const days = await storeDaysOf(date);
  if (days.length === 0) throw new NoSalesData(`no store reported sales for ${date}`);
  const reported = days.map((d) => d.storeId);
  const missing = expected.filter((id) => !reported.includes(id));
  logger.info("store summaries read", { date, reported: reported.length, missing });
  return {
    date,
    trigger,
    expectedStores: expected,
    reportedStores: reported,
    missingStores: missing,
    stores: days.map((d) => ({ storeId: d.storeId, totalSales: d.totalSales, transactionCount: d.transactionCount })),
  };
}
