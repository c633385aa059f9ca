/**
 * The scheduled fallback (EventBridge, the daily_analysis_schedule variable): starts today's daily
 * analysis, "today" in daily_analysis_timezone, unless it already ran because every store had
 * reported. Safe to run any number of times a day. An event may name a date ({"date": ...}) to
 * analyse another day.
 */
import { requireEnv } from "../shared/env";
import { InvalidInput } from "../shared/errors";
import { ENV } from "./contract";
import { type StartOutcome, startDailyAnalysisOnce } from "./lib/daily-run";
import { isDate, todayIn } from "./lib/dates";

// Lambda calls handler(event, context, callback): the clock is a parameter of handlerAt only.
export async function handler(event: unknown): Promise<StartOutcome> {
  return handlerAt(event, new Date());
}

export async function handlerAt(event: unknown, now: Date): Promise<StartOutcome> {
  const asked = (event as { date?: unknown } | null)?.date;
  if (asked !== undefined && !isDate(asked)) throw new InvalidInput("date must be YYYY-MM-DD when given");
  const date = asked ?? todayIn(requireEnv(ENV.timezone), now);
  return startDailyAnalysisOnce(date, asked === undefined ? "schedule" : "manual", now);
}
