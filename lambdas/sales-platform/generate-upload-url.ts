/**
 * POST /uploads/url {storeId, date}: a presigned PUT URL for the store's daily sales CSV under
 * the upload prefix. The key carries store and date (uploads/<store>/<date>/...), which
 * process-upload checks against the file's contents.
 */
import { randomBytes } from "node:crypto";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { s3Presigner } from "../shared/clients/s3";
import { ENV, UPLOAD_LIMITS, uploadKey } from "./contract";
import { type ApiEvent, type ApiResult, BadRequest, json, jsonBody, respond } from "./lib/api";
import { addDays, isDate } from "./lib/dates";
import { logger } from "./lib/log";
import { bucketName, expectedStores, prefixSetting } from "./lib/settings";

export const UPLOAD_CONTENT_TYPE = "text/csv";
/** How far back a day's file may still be uploaded, and how far ahead (time zones). */
export const UPLOAD_WINDOW = { pastDays: 366, futureDays: 1 } as const;

// Lambda calls handler(event, context, callback): the clock is a parameter of handlerAt only.
export async function handler(event: ApiEvent): Promise<ApiResult> {
  return handlerAt(event, new Date());
}

export async function handlerAt(event: ApiEvent, now: Date): Promise<ApiResult> {
  return respond(event, async () => {
    const body = jsonBody(event);
    const { storeId, date } = body;
    const stores = expectedStores();
    if (typeof storeId !== "string" || !stores.includes(storeId)) {
      throw new BadRequest(`storeId must be one of the expected stores: ${stores.join(", ")}`);
    }
    if (!isDate(date)) throw new BadRequest("date must be a calendar date as YYYY-MM-DD");
    const today = now.toISOString().slice(0, 10);
    if (date > addDays(today, UPLOAD_WINDOW.futureDays) || date < addDays(today, -UPLOAD_WINDOW.pastDays)) {
      throw new BadRequest(`date must be within the last ${UPLOAD_WINDOW.pastDays} days`);
    }
    // Milliseconds and a random tail: two uploads of one store's day never share a key (one
    // would overwrite the other, and its event would name the first upload's object).
    const stamp = `${now.toISOString().replace(/[-:.]/g, "")}-${randomBytes(3).toString("hex")}`;
    const key = uploadKey(prefixSetting(ENV.uploadPrefix), storeId, date, stamp);
    const uploadUrl = await getSignedUrl(
      s3Presigner(),
      new PutObjectCommand({ Bucket: bucketName(), Key: key, ContentType: UPLOAD_CONTENT_TYPE }),
      { expiresIn: UPLOAD_LIMITS.uploadUrlSeconds },
    );
    logger.info("upload url issued", { storeId, date, key });
    return json(200, {
      uploadUrl,
      key,
      method: "PUT",
      headers: { "content-type": UPLOAD_CONTENT_TYPE },
      maxBytes: UPLOAD_LIMITS.maxBytes,
      expiresIn: UPLOAD_LIMITS.uploadUrlSeconds,
      expiresAt: new Date(now.getTime() + UPLOAD_LIMITS.uploadUrlSeconds * 1000).toISOString(),
    });
  });
}
