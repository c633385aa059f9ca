/**
 * watchdog_check: one poll of the watchdog state machine (input {orderId, deadline}).
 *   result.json exists            -> { ...input, done: true }
 *   missing, deadline passed      -> writes a timed_out result.json (if still absent; that
 *                                    drives the orchestrator) -> { ...input, done: true }
 *   missing, before the deadline  -> { ...input, done: false } (the machine waits and polls again)
 */
import { HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { s3 } from "../shared/clients/s3";
import { requireEnv } from "../shared/env";
import { isAccessDenied, isNoSuchKey, isPreconditionFailed } from "../shared/errors";
import { log } from "../shared/log";
import { ENV, ORDER_ID_PATTERN, ORDER_STATUS, RESULT_PUT_HEADERS, resultKey } from "./contract";
import type { WatchdogState } from "./lib/messages";
import type { RunResult } from "./lib/result";

export const handler = async (input: WatchdogState): Promise<WatchdogState> => {
  if (typeof input?.orderId !== "string" || !ORDER_ID_PATTERN.test(input.orderId)) {
    throw new Error("watchdog input: orderId must be an order id");
  }
  if (typeof input.deadline !== "number" || !Number.isFinite(input.deadline)) {
    throw new Error("watchdog input: deadline must be a number (epoch seconds)");
  }
  const { orderId, deadline } = input;
  const bucket = requireEnv(ENV.internalBucket);
  const key = resultKey(orderId);

  if (await exists(bucket, key)) {
    log("info", "watchdog: result present", { orderId });
    return { ...input, done: true };
  }
  const now = Date.now() / 1000;
  if (now < deadline) {
    log("debug", "watchdog: no result yet", { orderId, secondsLeft: Math.round(deadline - now) });
    return { ...input, done: false };
  }

  const result: RunResult = {
    order_id: orderId,
    status: ORDER_STATUS.timedOut,
    source: "watchdog",
    reason: `no result by the deadline ${new Date(deadline * 1000).toISOString()}`,
    finished_at: new Date().toISOString(),
  };
  try {
    await s3().send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: JSON.stringify(result),
        ContentType: RESULT_PUT_HEADERS["content-type"],
        IfNoneMatch: RESULT_PUT_HEADERS["if-none-match"],
      }),
    );
    log("warn", "watchdog: deadline passed; timed_out result written", { orderId, deadline });
  } catch (err) {
    if (!isPreconditionFailed(err)) throw err;
    log("info", "watchdog: a result arrived meanwhile", { orderId });
  }
  return { ...input, done: true };
};

/** Whether the object exists. Without s3:ListBucket a missing key answers 403, read as absent. */
async function exists(bucket: string, key: string): Promise<boolean> {
  try {
    await s3().send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (err) {
    if (isNoSuchKey(err) || isAccessDenied(err)) return false;
    throw err;
  }
}
