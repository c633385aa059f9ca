/**
 * Step 4 of upload-processor: has every expected store reported for the day? When the last one
 * has, the daily analysis starts (at most once per day; see lib/daily-run.ts).
 */
import { InvalidInput } from "../shared/errors";
import { type StartOutcome, startDailyAnalysisOnce } from "./lib/daily-run";
import { isDate } from "./lib/dates";
import { logger } from "./lib/log";
import { expectedStores } from "./lib/settings";
import { storesReported } from "./lib/table";

export interface CheckResult {
  readonly date: string;
  readonly expected: number;
  readonly reported: readonly string[];
  readonly missing: readonly string[];
  readonly allReported: boolean;
  readonly analysis?: StartOutcome;
}

export async function handler(event: { date?: unknown }): Promise<CheckResult> {
  const date = event?.date;
  if (!isDate(date)) throw new InvalidInput("expected the date of the store-day just written");
  const expected = expectedStores();
  const reported = await storesReported(date);
  const missing = expected.filter((id) => !reported.includes(id));
  const result = { date, expected: expected.length, reported, missing, allReported: missing.length === 0 };
  logger.info("stores checked", { date, reported: reported.length, missing });
  if (!result.allReported) return result;
  return { ...result, analysis: await startDailyAnalysisOnce(date, "all-stores-reported") };
}
