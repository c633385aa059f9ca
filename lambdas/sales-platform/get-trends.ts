/**
 * GET /trends[?days=30][&storeId=][&to=YYYY-MM-DD]: the daily sales series of the company (days
 * the analysis ran) or of one store over the last `days` days up to `to` (default today, UTC),
 * with its trend by the contract's TREND_RULE.
 */
import { API_LIMITS, STORE_ID_PATTERN } from "./contract";
import { trendOf } from "./lib/analysis";
import { type ApiEvent, type ApiResult, BadRequest, intParam, json, query, respond } from "./lib/api";
import { addDays, isDate } from "./lib/dates";
import { companyHistory, storeHistory } from "./lib/table";

// Lambda calls handler(event, context, callback): the clock is a parameter of handlerAt only.
export async function handler(event: ApiEvent): Promise<ApiResult> {
  return handlerAt(event, new Date());
}

export async function handlerAt(event: ApiEvent, now: Date): Promise<ApiResult> {
  return respond(event, async () => {
    const days = intParam(event, "days", API_LIMITS.defaultTrendDays, 1, API_LIMITS.maxTrendDays);
    const storeId = query(event, "storeId");
    if (storeId !== undefined && !STORE_ID_PATTERN.test(storeId))
      throw new BadRequest("storeId is not a valid store id");
    const to = query(event, "to") ?? now.toISOString().slice(0, 10);
    if (!isDate(to)) throw new BadRequest("to must be a calendar date as YYYY-MM-DD");
    const from = addDays(to, -(days - 1));
    const rows = storeId ? await storeHistory(storeId, from, to) : await companyHistory(from, to);
    const series = rows.map((r) => {
      const x = r as unknown as Record<string, number | string>;
      return {
        date: String(x.date),
        totalSales: Number(x.totalSales),
        transactionCount: Number(x.transactionCount),
        avgTransactionValue: Number(x.avgTransactionValue),
      };
    });
    const scope = storeId ? `store:${storeId}` : "company";
    return json(200, { scope, from, to, days, series, trend: series.length ? trendOf(scope, to, series) : null });
  });
}
