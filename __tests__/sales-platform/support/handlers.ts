// Every handler of the platform by function id (contract FUNCTIONS[...].id), for tests that run
// the state machines' definitions in-process. Import "./esm" before this module.
import { handler as analyzeTrends } from "../../../lambdas/sales-platform/analyze-trends";
import { handler as calcCompanyMetrics } from "../../../lambdas/sales-platform/calc-company-metrics";
import { handler as calcProductMetrics } from "../../../lambdas/sales-platform/calc-product-metrics";
import { handler as calculateMetrics } from "../../../lambdas/sales-platform/calculate-metrics";
import { handler as checkAllStores } from "../../../lambdas/sales-platform/check-all-stores";
import { handler as combineInsights } from "../../../lambdas/sales-platform/combine-insights";
import { FUNCTIONS, type FunctionKey } from "../../../lambdas/sales-platform/contract";
import { handler as detectAnomalies } from "../../../lambdas/sales-platform/detect-anomalies";
import { handler as exportToQuicksight } from "../../../lambdas/sales-platform/export-to-quicksight";
import { handler as generateDownloadUrl } from "../../../lambdas/sales-platform/generate-download-url";
import { handler as generateRecommendations } from "../../../lambdas/sales-platform/generate-recommendations";
import { handler as generateReport } from "../../../lambdas/sales-platform/generate-report";
import { handler as generateUploadUrl } from "../../../lambdas/sales-platform/generate-upload-url";
import { handler as getAnalytics } from "../../../lambdas/sales-platform/get-analytics";
import { handler as getStoreSummaries } from "../../../lambdas/sales-platform/get-store-summaries";
import { handler as getTrends } from "../../../lambdas/sales-platform/get-trends";
import { handler as listFiles } from "../../../lambdas/sales-platform/list-files";
import { handler as processUpload } from "../../../lambdas/sales-platform/process-upload";
import { handler as triggerDailyAnalysis } from "../../../lambdas/sales-platform/trigger-daily-analysis";
import { handler as writeMetrics } from "../../../lambdas/sales-platform/write-metrics";

// biome-ignore lint/suspicious/noExplicitAny: handlers take their own event types; tests pass JSON.
type AnyHandler = (event: any) => Promise<unknown>;

const BY_KEY: Record<FunctionKey, AnyHandler> = {
  generateUploadUrl,
  processUpload,
  calculateMetrics,
  writeMetrics,
  checkAllStores,
  getStoreSummaries,
  calcCompanyMetrics,
  calcProductMetrics,
  detectAnomalies,
  analyzeTrends,
  generateRecommendations,
  combineInsights,
  generateReport,
  exportToQuicksight,
  listFiles,
  generateDownloadUrl,
  getAnalytics,
  getTrends,
  triggerDailyAnalysis,
};

/** Handlers by function id (`process-upload`, ...). */
export const HANDLERS: Record<string, AnyHandler> = Object.fromEntries(
  (Object.keys(BY_KEY) as FunctionKey[]).map((k) => [FUNCTIONS[k].id, BY_KEY[k]]),
);
