/** Daily analysis, parallel branch: anomalies by the contract's ANOMALY_RULE (modified z-score per store). */
import { ANOMALY_RULE } from "./contract";
import { type AnomalyReport, detectAnomalies } from "./lib/analysis";
import { addDays } from "./lib/dates";
import { logger } from "./lib/log";
import type { StoreDayMetrics } from "./lib/metrics";
import { dateOf } from "./lib/steps";
import { putAnalysis, storeDaysOf, storeHistory } from "./lib/table";

export async function handler(event: unknown): Promise<AnomalyReport> {
  const date = dateOf(event);
  const today = await storeDaysOf(date);
  const history = new Map<string, StoreDayMetrics[]>();
  for (const store of today) {
    history.set(
      store.storeId,
      await storeHistory(store.storeId, addDays(date, -ANOMALY_RULE.historyDays), addDays(date, -1)),
    );
  }
  const report = detectAnomalies(date, today, history);
  await putAnalysis(date, "ANOMALIES", report);
  logger.info("anomalies detected", { date, anomalies: report.anomalies.length, notJudged: report.notJudged });
  return report;
}
