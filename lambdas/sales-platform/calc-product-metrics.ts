/**
 * Daily analysis, parallel branch: every product across stores, read from the day's Parquet
 * files (the store-day items keep only each store's top products).
 */
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { s3 } from "../shared/clients/s3";
import { ENV } from "./contract";
import { type ProductMetrics, productMetrics } from "./lib/analysis";
import { logger } from "./lib/log";
import { type ProductFigures, productFigures } from "./lib/metrics";
import { fromParquet } from "./lib/parquet";
import { bucketName, prefixSetting } from "./lib/settings";
import { dateOf } from "./lib/steps";
import { putAnalysis, storeDaysOf } from "./lib/table";

export async function handler(event: unknown): Promise<ProductMetrics> {
  const date = dateOf(event);
  const prefix = prefixSetting(ENV.processedPrefix);
  const perStore = new Map<string, ProductFigures[]>();
  for (const day of await storeDaysOf(date)) {
    if (!day.processedKey?.startsWith(prefix)) {
      logger.warn("store-day without a processed file", { storeId: day.storeId, date });
      continue;
    }
    const object = await s3().send(new GetObjectCommand({ Bucket: bucketName(), Key: day.processedKey }));
    const rows = await fromParquet(await (object.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())));
    perStore.set(day.storeId, productFigures(rows));
  }
  const metrics = productMetrics(date, perStore);
  await putAnalysis(date, "PRODUCTS", metrics);
  logger.info("product metrics", { date, products: metrics.productCount });
  return metrics;
}
