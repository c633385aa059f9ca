/**
 * GET /files?area=uploads|processed|rejected[&storeId=][&date=][&limit=][&cursor=]: the files
 * of one area, optionally of one store (and day), newest listing order as S3 gives it (by key).
 */
import { ListObjectsV2Command, type ListObjectsV2CommandOutput } from "@aws-sdk/client-s3";
import { s3 } from "../shared/clients/s3";
import { API_LIMITS, ENV, FILE_AREAS, type FileArea, STORE_ID_PATTERN } from "./contract";
import { type ApiEvent, type ApiResult, BadRequest, intParam, json, query, respond } from "./lib/api";
import { isDate } from "./lib/dates";
import { bucketName, prefixSetting } from "./lib/settings";

export function areaPrefix(area: FileArea): string {
  const env = { uploads: ENV.uploadPrefix, processed: ENV.processedPrefix, rejected: ENV.rejectedPrefix }[area];
  return prefixSetting(env);
}

/** The key prefix of an area, narrowed to a store and a day when given. */
export function listPrefix(area: FileArea, storeId?: string, date?: string): string {
  const base = areaPrefix(area);
  if (storeId === undefined) return base;
  if (area === "processed") return `${base}store_id=${storeId}/${date ? `date=${date}/` : ""}`;
  return `${base}${storeId}/${date ? `${date}/` : ""}`;
}

export async function handler(event: ApiEvent): Promise<ApiResult> {
  return respond(event, async () => {
    const area = (query(event, "area") ?? "processed") as FileArea;
    if (!FILE_AREAS.includes(area)) throw new BadRequest(`area must be one of ${FILE_AREAS.join(", ")}`);
    const storeId = query(event, "storeId");
    if (storeId !== undefined && !STORE_ID_PATTERN.test(storeId))
      throw new BadRequest("storeId is not a valid store id");
    const date = query(event, "date");
    if (date !== undefined && !isDate(date)) throw new BadRequest("date must be a calendar date as YYYY-MM-DD");
    if (date !== undefined && storeId === undefined) throw new BadRequest("date needs storeId");
    const limit = intParam(event, "limit", API_LIMITS.defaultListFiles, 1, API_LIMITS.maxListFiles);
    const cursor = query(event, "cursor");
    const prefix = listPrefix(area, storeId, date);
    let out: ListObjectsV2CommandOutput;
    try {
      out = await s3().send(
        new ListObjectsV2Command({ Bucket: bucketName(), Prefix: prefix, MaxKeys: limit, ContinuationToken: cursor }),
      );
    } catch (err) {
      if (cursor && (err as { name?: string }).name === "InvalidArgument") throw new BadRequest("cursor is not valid");
      throw err;
    }
    const files = (out.Contents ?? [])
      .filter((o) => o.Key && !o.Key.endsWith("/"))
      .map((o) => ({ key: o.Key as string, size: o.Size ?? 0, lastModified: o.LastModified?.toISOString() }));
    return json(200, { area, prefix, files, nextCursor: out.NextContinuationToken ?? null });
  });
}
