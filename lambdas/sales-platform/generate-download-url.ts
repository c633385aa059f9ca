/** GET /files/download-url?key=...: a short-lived presigned GET URL for a file of the uploads, processed or rejected area. */
import { GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { s3, s3Presigner } from "../shared/clients/s3";
import { isAccessDenied, isNoSuchKey } from "../shared/errors";
import { FILE_AREAS, UPLOAD_LIMITS } from "./contract";
import { type ApiEvent, type ApiResult, BadRequest, json, query, respond } from "./lib/api";
import { logger } from "./lib/log";
import { bucketName } from "./lib/settings";
import { areaPrefix } from "./list-files";

export async function handler(event: ApiEvent): Promise<ApiResult> {
  return respond(event, async () => {
    const key = query(event, "key");
    if (!key) throw new BadRequest("key is required");
    if (key.length > 1024 || key.split("/").some((part) => part === ".." || part === ".")) {
      throw new BadRequest("key is not a valid object key");
    }
    const area = FILE_AREAS.find((a) => key.startsWith(areaPrefix(a)));
    if (!area) {
      throw new BadRequest(`key must be under ${FILE_AREAS.map((a) => areaPrefix(a)).join(", ")}`, 403, "forbidden");
    }
    const bucket = bucketName();
    let head: { ContentLength?: number; ContentType?: string; LastModified?: Date };
    try {
      head = await s3().send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    } catch (err) {
      // Without s3:ListBucket on the area, S3 answers 403 for a missing key.
      if (isNoSuchKey(err) || isAccessDenied(err)) throw new BadRequest(`no file ${key}`, 404, "not_found");
      throw err;
    }
    const fileName = key.slice(key.lastIndexOf("/") + 1).replace(/[^\w.-]/g, "_");
    const url = await getSignedUrl(
      s3Presigner(),
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ResponseContentDisposition: `attachment; filename="${fileName}"`,
      }),
      { expiresIn: UPLOAD_LIMITS.downloadUrlSeconds },
    );
    logger.info("download url issued", { key, area });
    return json(200, {
      downloadUrl: url,
      key,
      area,
      size: head.ContentLength ?? null,
      contentType: head.ContentType ?? null,
      lastModified: head.LastModified?.toISOString() ?? null,
      expiresIn: UPLOAD_LIMITS.downloadUrlSeconds,
    });
  });
}
