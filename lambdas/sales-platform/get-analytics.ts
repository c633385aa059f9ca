/**
 * GET /analytics?date=YYYY-MM-DD[&storeId=]: the day's analysis (company, products, anomalies,
 * trends, recommendations, report, run) or, with storeId, that store's day. A day whose
 * analysis has not run yet answers status "pending" with the stores reported so far.
 */
import { ANALYSIS_PARTS, STORE_ID_PATTERN } from "./contract";
import { type ApiEvent, type ApiResult, BadRequest, json, query, respond } from "./lib/api";
import { isDate } from "./lib/dates";
import { analysisOf, getStoreDay, storesReported } from "./lib/table";

export async function handler(event: ApiEvent): Promise<ApiResult> {
  return respond(event, async () => {
    const date = query(event, "date");
    if (!isDate(date)) throw new BadRequest("date is required as a calendar date YYYY-MM-DD");
    const storeId = query(event, "storeId");
    if (storeId !== undefined) {
      if (!STORE_ID_PATTERN.test(storeId)) throw new BadRequest("storeId is not a valid store id");
      const day = await getStoreDay(storeId, date);
      if (!day) throw new BadRequest(`store ${storeId} has no sales for ${date}`, 404, "not_found");
      return json(200, { date, storeId, metrics: day });
    }
    const [parts, reported] = await Promise.all([analysisOf(date), storesReported(date)]);
    if (reported.length === 0 && Object.keys(parts).length === 0) {
      throw new BadRequest(`no sales data for ${date}`, 404, "not_found");
    }
    const complete = parts.INSIGHTS !== undefined;
    const body: Record<string, unknown> = {
      date,
      status: complete ? "complete" : "pending",
      reportedStores: reported,
    };
    for (const part of ANALYSIS_PARTS) {
      if (parts[part] !== undefined && part !== "INSIGHTS") body[part.toLowerCase()] = parts[part];
    }
    return json(200, body);
  });
}
