/**
 * Step 1 of upload-processor: validates the uploaded CSV (schema, types, store in
 * expected_stores, one store-day per file). A good file becomes Parquet under
 * processed/store_id=<id>/date=<date>/; a bad one moves to rejected/<store>/<date>/ with its
 * reasons beside it (<name>.errors.json). Folder markers (keys ending in "/") are ignored.
 */
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { s3 } from "../shared/clients/s3";
import { InvalidInput, isAccessDenied, isNoSuchKey } from "../shared/errors";
import {
  ENV,
  type ProcessUploadResult,
  processedKey,
  REJECTION_REASONS_SUFFIX,
  rejectedKey,
  UPLOAD_LIMITS,
  UPLOAD_STATUS,
  type UploadEvent,
} from "./contract";
import { claimedByKey, validateSalesCsv } from "./lib/csv";
import { logger } from "./lib/log";
import { toParquet } from "./lib/parquet";
import { bucketName, expectedStores, prefixSetting } from "./lib/settings";

function checkEvent(event: unknown): UploadEvent {
  const e = (event ?? {}) as Record<string, unknown>;
  if (typeof e.bucket !== "string" || typeof e.key !== "string" || e.key === "") {
    throw new InvalidInput("event must carry the bucket and key of the uploaded object");
  }
  return { bucket: e.bucket, key: e.key, size: Number(e.size ?? 0), eventTime: String(e.eventTime ?? "") };
}

/**
 * The object's real key. S3 event notifications URL-encode keys ("my file.csv" arrives as
 * "my+file.csv"); when the key as given does not exist but its decoded form does, that is it.
 */
export async function actualKey(bucket: string, key: string): Promise<string> {
  const decoded = (() => {
    try {
      return decodeURIComponent(key.replace(/\+/g, " "));
    } catch {
      return key;
    }
  })();
  if (decoded === key) return key;
  try {
    await s3().send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return key;
  } catch (err) {
    // Without s3:ListBucket a missing key answers 403, not 404.
    if (!isNoSuchKey(err) && !isAccessDenied(err)) throw err;
    return decoded;
  }
}

export async function handler(event: unknown): Promise<ProcessUploadResult> {
  const checked = checkEvent(event);
  const { bucket, size } = checked;
  const uploadPrefix = prefixSetting(ENV.uploadPrefix);
  if (bucket !== bucketName()) throw new InvalidInput(`object is in bucket ${bucket}, not the platform's bucket`);
  if (!checked.key.startsWith(uploadPrefix)) {
    throw new InvalidInput(`key ${checked.key} is not under the upload prefix ${uploadPrefix}`);
  }
  const key = checked.key.endsWith("/") ? checked.key : await actualKey(bucket, checked.key);
  const base = { bucket, key };
  if (key.endsWith("/")) {
    logger.info("folder marker ignored", { key });
    return { ...base, status: UPLOAD_STATUS.ignored, message: "folder marker" };
  }
  const claimed = claimedByKey(key, uploadPrefix);
  const fileName = key.slice(key.lastIndexOf("/") + 1);

  const reject = async (reasons: readonly string[], problemCount: number, storeId?: string, date?: string) => {
    // Filed under what the upload claimed (its uploader), else what the file holds.
    const store = claimed?.storeId ?? storeId ?? "unknown-store";
    const day = claimed?.date ?? date ?? "unknown-date";
    const target = rejectedKey(prefixSetting(ENV.rejectedPrefix), store, day, fileName);
    await s3().send(new CopyObjectCommand({ Bucket: bucket, Key: target, CopySource: copySource(bucket, key) }));
    await s3().send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `${target}${REJECTION_REASONS_SUFFIX}`,
        ContentType: "application/json",
        Body: JSON.stringify({ source: key, storeId: store, date: day, problemCount, reasons }, null, 2),
      }),
    );
    await s3().send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    logger.warn("upload rejected", { key, rejectedKey: target, problemCount, first: reasons[0] });
    return {
      ...base,
      status: UPLOAD_STATUS.rejected,
      storeId: store,
      date: day,
      rejectedKey: target,
      reasons,
      problemCount,
      // The alert's text (the state machine publishes it to the alerts topic as it is).
      message: [
        `${fileName} was rejected: ${reasons[0]}${problemCount > 1 ? ` (and ${problemCount - 1} more problem(s))` : ""}`,
        "",
        `Uploaded as: s3://${bucket}/${key}`,
        `Store: ${store}, date: ${day}`,
        `Moved to: s3://${bucket}/${target} (reasons in ${target}${REJECTION_REASONS_SUFFIX})`,
        "",
        `Problems (${problemCount}${problemCount > reasons.length ? `, first ${reasons.length}` : ""}):`,
        ...reasons.map((r) => `  - ${r}`),
      ].join("\n"),
    };
  };

  if (!fileName.toLowerCase().endsWith(".csv")) return reject(["file name must end with .csv"], 1);
  if (size > UPLOAD_LIMITS.maxBytes) {
    return reject([`file has ${size} bytes; at most ${UPLOAD_LIMITS.maxBytes} are accepted`], 1);
  }
  const object = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = Buffer.from(await (object.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())));
  if (bytes.length > UPLOAD_LIMITS.maxBytes) {
    return reject([`file has ${bytes.length} bytes; at most ${UPLOAD_LIMITS.maxBytes} are accepted`], 1);
  }
  const verdict = validateSalesCsv(bytes, { expectedStores: expectedStores(), claimed });
  if (!verdict.ok) return reject(verdict.reasons, verdict.problemCount, verdict.storeId, verdict.date);

  const target = processedKey(prefixSetting(ENV.processedPrefix), verdict.storeId, verdict.date);
  await s3().send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: target,
      ContentType: "application/vnd.apache.parquet",
      Body: toParquet(verdict.rows, { source: key, store_id: verdict.storeId, date: verdict.date }),
      Metadata: { source: key.slice(0, 1024), rows: String(verdict.rows.length) },
    }),
  );
  logger.info("upload processed", { key, processedKey: target, rows: verdict.rows.length });
  return {
    ...base,
    status: UPLOAD_STATUS.valid,
    storeId: verdict.storeId,
    date: verdict.date,
    rowCount: verdict.rows.length,
    processedKey: target,
  };
}

/** CopySource of a key: bucket/key with each path segment URL-encoded. */
function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
}
