/** Step 3 of upload-processor: writes the store's day to the table (a re-upload replaces it). */

import { InvalidInput } from "../shared/errors";
import type { MetricsResult } from "./calculate-metrics";
import { DATE_PATTERN, STORE_ID_PATTERN } from "./contract";
import { logger } from "./lib/log";
import { putStoreDay } from "./lib/table";

export async function handler(
  event: MetricsResult,
): Promise<{ bucket: string; key: string; storeId: string; date: string }> {
  const m = event?.metrics;
  if (!m || !STORE_ID_PATTERN.test(String(m.storeId)) || !DATE_PATTERN.test(String(m.date))) {
    throw new InvalidInput("expected the metrics of one store-day");
  }
  await putStoreDay(m);
  logger.info("metrics written", { storeId: m.storeId, date: m.date });
  return { bucket: event.bucket, key: event.key, storeId: m.storeId, date: m.date };
}
