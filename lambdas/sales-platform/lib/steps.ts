/** The daily analysis' state as it flows through the state machine's steps. */
import { InvalidInput } from "../../shared/errors";
import { type DailyAnalysisInput, ERRORS } from "../contract";
import type { AnalysisBundle, Recommendation } from "./analysis";
import { isDate } from "./dates";

export class NoSalesData extends Error {
  override name = ERRORS.noSalesData;
}

/** get-store-summaries' output: the input to the four parallel analyses. */
export interface StoreSummaries extends DailyAnalysisInput {
  readonly expectedStores: readonly string[];
  readonly reportedStores: readonly string[];
  readonly missingStores: readonly string[];
  readonly stores: readonly { storeId: string; totalSales: number; transactionCount: number }[];
}

/** After the parallel step: the summaries plus the four analyses (ResultPath $.analysis). */
export interface AnalysedDay extends StoreSummaries {
  readonly analysis: AnalysisBundle;
}

export interface RecommendationSet {
  /** `bedrock` when the model answered, `rules` when the fixed rules stood in. */
  readonly source: "bedrock" | "rules";
  readonly modelId: string;
  /** Why the rules stood in (model error or empty answer). */
  readonly fallbackReason?: string;
  readonly items: readonly Recommendation[];
}

export interface RecommendedDay extends AnalysedDay {
  readonly recommendations: RecommendationSet;
}

export interface Insights {
  readonly date: string;
  readonly trigger: DailyAnalysisInput["trigger"];
  readonly generatedAt: string;
  readonly expectedStores: readonly string[];
  readonly missingStores: readonly string[];
  readonly company: AnalysisBundle["company"];
  readonly products: AnalysisBundle["products"];
  readonly anomalies: AnalysisBundle["anomalies"];
  readonly trends: AnalysisBundle["trends"];
  readonly recommendations: RecommendationSet;
}

/** The `date` of a step's input, checked. */
export function dateOf(event: unknown): string {
  const date = (event as { date?: unknown } | null)?.date;
  if (!isDate(date)) throw new InvalidInput("step input must carry the analysis date as YYYY-MM-DD");
  return date;
}

/** Throws unless the step input carries what the step needs. */
export function need<T>(event: unknown, field: string): T {
  const value = (event as Record<string, unknown> | null)?.[field];
  if (value === undefined || value === null) throw new InvalidInput(`step input lacks ${field}`);
  return value as T;
}
