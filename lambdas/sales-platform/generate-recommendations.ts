/**
 * Daily analysis: recommendations from Bedrock (the bedrock_model_id variable, through InvokeModel).
 * When the model errs, is throttled, or answers nothing usable, the day's rule-based
 * recommendations stand in and the report says so: a model outage never loses the report.
 */
import { requireEnv } from "../shared/env";
import { ENV } from "./contract";
import { ruleRecommendations } from "./lib/analysis";
import { modelRecommendations, recommendationPrompt } from "./lib/bedrock";
import { errorFields, logger } from "./lib/log";
import { type AnalysedDay, dateOf, need, type RecommendationSet, type RecommendedDay } from "./lib/steps";
import { putAnalysis } from "./lib/table";

export async function handler(event: AnalysedDay): Promise<RecommendedDay> {
  const date = dateOf(event);
  const analysis = need<AnalysedDay["analysis"]>(event, "analysis");
  const modelId = requireEnv(ENV.bedrockModelId);
  const rules = ruleRecommendations(analysis);
  let set: RecommendationSet;
  try {
    const items = await modelRecommendations(modelId, recommendationPrompt(analysis, rules));
    set = items.length
      ? { source: "bedrock", modelId, items }
      : { source: "rules", modelId, fallbackReason: "the model's answer held no recommendations", items: rules };
  } catch (err) {
    logger.warn("model unavailable; rule-based recommendations stand in", { date, modelId, ...errorFields(err) });
    const { error, reason } = errorFields(err) as { error: string; reason: string };
    set = { source: "rules", modelId, fallbackReason: `${error}: ${reason}`.slice(0, 300), items: rules };
  }
  await putAnalysis(date, "RECOMMENDATIONS", set);
  logger.info("recommendations", { date, source: set.source, count: set.items.length });
  return { ...event, recommendations: set };
}
