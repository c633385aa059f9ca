/** Daily analysis: the day's analyses and recommendations as one record (INSIGHTS), for the report and the API. */
import { logger } from "./lib/log";
import { dateOf, type Insights, need, type RecommendedDay } from "./lib/steps";
import { putAnalysis } from "./lib/table";

// Lambda calls handler(event, context, callback): the clock is a parameter of handlerAt only.
export async function handler(event: RecommendedDay): Promise<{ date: string; insights: Insights }> {
  return handlerAt(event, new Date());
}

export async function handlerAt(event: RecommendedDay, now: Date): Promise<{ date: string; insights: Insights }> {
  const date = dateOf(event);
  const analysis = need<RecommendedDay["analysis"]>(event, "analysis");
  const insights: Insights = {
    date,
    trigger: event.trigger,
    generatedAt: now.toISOString(),
    expectedStores: event.expectedStores ?? [],
    missingStores: event.missingStores ?? [],
    company: analysis.company,
    products: analysis.products,
    anomalies: analysis.anomalies,
    trends: analysis.trends,
    recommendations: need<RecommendedDay["recommendations"]>(event, "recommendations"),
  };
  await putAnalysis(date, "INSIGHTS", insights, now);
  logger.info("insights combined", { date });
  return { date, insights };
}
