/** Step 2 of upload-processor: reads the store-day's Parquet file back and computes its metrics. */
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { s3 } from "../shared/clients/s3";
import { InvalidInput } from "../shared/errors";
import { ENV, type ProcessUploadResult, UPLOAD_STATUS } from "./contract";
import { logger } from "./lib/log";
import { type StoreDayMetrics, storeDayMetrics } from "./lib/metrics";
import { fromParquet } from "./lib/parquet";
import { bucketName, prefixSetting } from "./lib/settings";

export interface MetricsResult {
  readonly bucket: string;
  readonly key: string;
  readonly storeId: string;
  readonly date: string;
  readonly metrics: StoreDayMetrics;
}

export async function handler(event: ProcessUploadResult): Promise<MetricsResult> {
  const prefix = prefixSetting(ENV.processedPrefix);
  if (event?.status !== UPLOAD_STATUS.valid || !event.processedKey?.startsWith(prefix)) {
    throw new InvalidInput(`expected a VALID upload with a processed key under ${prefix}`);
  }
  const object = await s3().send(new GetObjectCommand({ Bucket: bucketName(), Key: event.processedKey }));
  const rows = await fromParquet(await (object.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())));
  if (rows.length === 0) throw new InvalidInput(`${event.processedKey} holds no rows`);
  const metrics = storeDayMetrics(rows, event.processedKey);
  logger.info("metrics computed", {
    storeId: metrics.storeId,
    date: metrics.date,
    totalSales: metrics.totalSales,
    transactions: metrics.transactionCount,
  });
  return { bucket: event.bucket, key: event.key, storeId: metrics.storeId, date: metrics.date, metrics };
}
