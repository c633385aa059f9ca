/**
 * orchestrator: owns the order lifecycle (queued -> running -> succeeded | failed | timed_out).
 *
 * Inputs
 *   {"type":"order","orderId"}   from process_webhook: start the order if its target is free.
 *   S3 ObjectCreated of tmp/callbacks/runs/<order>/result.json: record the outcome, copy it to
 *                                the done bucket, release the lock, start the next queued order.
 *   {"type":"drain","orderName"} operator tool: start the oldest queued order of a target.
 *
 * One run per target: the lock item (pk = order_name) in orchestrator_locks is taken with a
 * conditional write and a lease. An order that finds it held stays `queued` with a `waiting`
 * event. The queue is not stored anywhere else: when a lock is released, the orchestrator lists
 * the target's `received` and `finished` events through ORDER_NAME_INDEX (oldest first), and
 * starts the oldest order whose status is still `queued`. The orders table is the truth; the
 * index only narrows the search.
 *
 * Errors that may pass (throttling, network) are thrown, so Lambda's asynchronous retry runs the
 * event again; every step is idempotent (conditional writes, first-result-wins result object).
 */

import { StartBuildCommand } from "@aws-sdk/client-codebuild";
import { InvokeCommand } from "@aws-sdk/client-lambda";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { StartExecutionCommand } from "@aws-sdk/client-sfn";
import { QueryCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { S3Event } from "aws-lambda";
import { codebuild } from "../shared/clients/codebuild";
import { ddb } from "../shared/clients/dynamodb";
import { lambda } from "../shared/clients/lambda";
import { s3, s3Presigner } from "../shared/clients/s3";
import { sfn } from "../shared/clients/sfn";
import { requireEnv } from "../shared/env";
import {
  cancellationCodes,
  errorName,
  isAccessDenied,
  isConditionalCheckFailed,
  isNoSuchKey,
  isPreconditionFailed,
} from "../shared/errors";
import { errorFields, log } from "../shared/log";
import {
  doneKey,
  ENV,
  EVENT_TYPE,
  FUNCTION_ENV,
  LOCK_LEASE_SLACK_SECONDS,
  ORDER_NAME_INDEX,
  ORDER_STATUS,
  type OrderStatus,
  orderIdFromResultKey,
  payloadKey,
  RESULT_PUT_HEADERS,
  RUN_ENV,
  RUN_LIMITS,
  resultKey,
  TABLE_KEYS,
  TERMINAL_STATUSES,
} from "./contract";
import { acquireLock, readLock, releaseLock } from "./lib/lock";
import type { OrchestratorMessage, WatchdogState } from "./lib/messages";
import { eventItem, getOrder, type OrderItem, putEvent, tables } from "./lib/orders";
import type { WorkerEvent } from "./lib/payload";
import { parseRunResult, type RunResult } from "./lib/result";

export type OrchestratorEvent = OrchestratorMessage | S3Event;

/** What one invocation did (also logged); order ids per outcome. */
export interface OrchestratorSummary {
  readonly started: string[];
  readonly waiting: string[];
  readonly finished: string[];
  readonly ignored: string[];
}

type StartOutcome = "started" | "waiting" | "skipped" | "failed";

/** Results larger than this are not read (the worker's are far smaller). */
const MAX_RESULT_BYTES = 5 * 1024 * 1024;
/** Longest validity of a SigV4 presigned URL. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 60 * 60;

const ORDER_PK = TABLE_KEYS.orders.partitionKey;

export const handler = async (input: OrchestratorEvent): Promise<OrchestratorSummary> => {
  const summary: OrchestratorSummary = { started: [], waiting: [], finished: [], ignored: [] };
  const event = (typeof input === "object" && input !== null ? input : {}) as OrchestratorEvent;
  if ("Records" in event && Array.isArray(event.Records)) {
    for (const record of event.Records) await onObjectCreated(record, summary);
  } else if ("type" in event && event.type === "order" && typeof event.orderId === "string") {
    const order = await getOrder(event.orderId);
    if (!order) {
      log("warn", "unknown order", { orderId: event.orderId });
      summary.ignored.push(event.orderId);
    } else if ((await tryStart(order, summary)) === "failed") {
      await startNext(order.order_name, summary);
    }
  } else if ("type" in event && event.type === "drain" && typeof event.orderName === "string") {
    await startNext(event.orderName, summary);
  } else {
    log("warn", "unrecognised event ignored", { keys: Object.keys(event) });
  }
  log("info", "orchestrator done", { ...summary });
  return summary;
};

async function onObjectCreated(record: S3Event["Records"][number], summary: OrchestratorSummary): Promise<void> {
  const key = decodeKey(record.s3?.object?.key ?? "");
  const orderId = orderIdFromResultKey(key);
  if (
    !record.eventName?.startsWith("ObjectCreated") ||
    record.s3?.bucket?.name !== requireEnv(ENV.internalBucket) ||
    orderId === undefined
  ) {
    log("warn", "S3 record ignored", { eventName: record.eventName, bucket: record.s3?.bucket?.name, key });
    summary.ignored.push(key);
    return;
  }
  const orderName = await finish(orderId, summary);
  if (orderName !== undefined) await startNext(orderName, summary);
}

/** S3 notifications carry keys URL-encoded, spaces as `+`. */
function decodeKey(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, " "));
  } catch {
    return raw;
  }
}

// ---- starting ---------------------------------------------------------------------------------

/** Starts a queued order if its target's lock is free; otherwise leaves it waiting. */
async function tryStart(order: OrderItem, summary: OrchestratorSummary): Promise<StartOutcome> {
  const orderId = order.order_id;
  if (order.status !== ORDER_STATUS.queued) {
    log("info", "order not queued; nothing to start", { orderId, status: order.status });
    return "skipped";
  }
  const now = new Date();
  const deadline = Math.ceil(
    now.getTime() / 1000 + order.timeout_seconds + RUN_LIMITS[order.runner].deadlineGraceSeconds,
  );
  const leaseUntil = deadline + LOCK_LEASE_SLACK_SECONDS;

  if (!(await acquireLock(order.order_name, orderId, leaseUntil, now))) {
    const holder = await readLock(order.order_name);
    await markWaiting(order, holder?.order_id, now);
    // The holder may have released between the two writes and found nothing to start (its
    // search may not have seen this order yet): try once more.
    if (!(await acquireLock(order.order_name, orderId, leaseUntil, new Date()))) {
      log("info", "target busy; order waits", { orderId, orderName: order.order_name, heldBy: holder?.order_id });
      summary.waiting.push(orderId);
      return "waiting";
    }
  }

  try {
    await ddb().send(
      new UpdateCommand({
        TableName: tables().orders,
        Key: { [ORDER_PK]: orderId },
        UpdateExpression: "SET #status = :running, started_at = :now, deadline = :deadline, updated_at = :now",
        ConditionExpression: "#status = :queued",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":running": ORDER_STATUS.running,
          ":queued": ORDER_STATUS.queued,
          ":now": now.toISOString(),
          ":deadline": deadline,
        },
      }),
    );
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
    // Started or finished by a concurrent invocation after our read: not ours to run. The lock
    // is re-entrant, so while that run goes on it holds the very item we took: leave it. Only
    // an order that already finished (its release may have come before our take) lets it go.
    const current = await getOrder(orderId);
    if (current?.status !== ORDER_STATUS.running) await releaseLock(order.order_name, orderId);
    return "skipped";
  }
  await putEvent(order, EVENT_TYPE.started, now, {
    status: ORDER_STATUS.running,
    runner: order.runner,
    deadline: new Date(deadline * 1000).toISOString(),
  });

  let dispatchRef: string;
  try {
    await startWatchdog({ orderId, deadline });
    const callbackUrl = await getSignedUrl(
      s3Presigner(),
      new PutObjectCommand({
        Bucket: requireEnv(ENV.internalBucket),
        Key: resultKey(orderId),
        ContentType: RESULT_PUT_HEADERS["content-type"],
        IfNoneMatch: RESULT_PUT_HEADERS["if-none-match"],
      }),
      {
        expiresIn: Math.min(
          MAX_PRESIGN_SECONDS,
          deadline - Math.floor(now.getTime() / 1000) + LOCK_LEASE_SLACK_SECONDS,
        ),
      },
    );
    const work: WorkerEvent = { orderId, payloadKey: payloadKey(orderId), callbackUrl, deadline };
    dispatchRef = order.runner === "codebuild" ? await startBuild(order, work) : await invokeWorker(work);
  } catch (err) {
    // Nothing runs (or nothing will report): record a failed result like any other, so the
    // watchdog sees a result and the lock is released.
    log("error", "dispatch failed", { orderId, runner: order.runner, ...errorFields(err) });
    const reason = `dispatch failed: ${errorName(err) ?? "Error"}: ${err instanceof Error ? err.message : String(err)}`;
    await writeResultIfAbsent({
      order_id: orderId,
      status: ORDER_STATUS.failed,
      source: "orchestrator",
      reason,
      finished_at: new Date().toISOString(),
    });
    await finish(orderId, summary);
    return "failed";
  }

  // The run is under way from here: a failure to note where it runs must not fail the order.
  try {
    await ddb().send(
      new UpdateCommand({
        TableName: tables().orders,
        Key: { [ORDER_PK]: orderId },
        UpdateExpression: "SET dispatch_ref = :ref",
        ExpressionAttributeValues: { ":ref": dispatchRef },
      }),
    );
  } catch (err) {
    log("warn", "could not record the dispatch reference", { orderId, dispatchRef, ...errorFields(err) });
  }
  log("info", "order started", { orderId, orderName: order.order_name, runner: order.runner, deadline, dispatchRef });
  summary.started.push(orderId);
  return "started";
}

async function markWaiting(order: OrderItem, holder: string | undefined, now: Date): Promise<void> {
  try {
    await ddb().send(
      new UpdateCommand({
        TableName: tables().orders,
        Key: { [ORDER_PK]: order.order_id },
        UpdateExpression: "SET waiting_since = :now, updated_at = :now",
        ConditionExpression: "#status = :queued AND attribute_not_exists(waiting_since)",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":now": now.toISOString(), ":queued": ORDER_STATUS.queued },
      }),
    );
  } catch (err) {
    if (isConditionalCheckFailed(err)) return; // already marked: one `waiting` event per order
    throw err;
  }
  await putEvent(order, EVENT_TYPE.waiting, now, {
    status: ORDER_STATUS.queued,
    message: `target ${order.order_name} is busy${holder ? ` with order ${holder}` : ""}`,
    blocked_by: holder,
  });
}

async function startWatchdog(state: WatchdogState): Promise<void> {
  try {
    await sfn().send(
      new StartExecutionCommand({
        stateMachineArn: requireEnv(FUNCTION_ENV.watchdogStateMachine),
        name: state.orderId,
        input: JSON.stringify(state),
      }),
    );
  } catch (err) {
    // A retried start of the same order: its watchdog already runs.
    if (errorName(err) !== "ExecutionAlreadyExists") throw err;
  }
}

async function invokeWorker(work: WorkerEvent): Promise<string> {
  const out = await lambda().send(
    new InvokeCommand({
      FunctionName: requireEnv(FUNCTION_ENV.workerFunction),
      InvocationType: "Event",
      Payload: Buffer.from(JSON.stringify(work)),
    }),
  );
  return `lambda:${out.$metadata.requestId ?? "unknown"}`;
}

async function startBuild(order: OrderItem, work: WorkerEvent): Promise<string> {
  const out = await codebuild().send(
    new StartBuildCommand({
      projectName: requireEnv(FUNCTION_ENV.runnerProject),
      idempotencyToken: work.orderId,
      // The worker CLI enforces the order's timeout itself; this is CodeBuild's backstop.
      timeoutInMinutesOverride: Math.min(2160, Math.ceil(order.timeout_seconds / 60) + 5),
      environmentVariablesOverride: [
        { name: RUN_ENV.orderId, value: work.orderId, type: "PLAINTEXT" },
        { name: RUN_ENV.payloadKey, value: work.payloadKey, type: "PLAINTEXT" },
        { name: RUN_ENV.callbackUrl, value: work.callbackUrl, type: "PLAINTEXT" },
        { name: RUN_ENV.deadline, value: String(work.deadline), type: "PLAINTEXT" },
      ],
    }),
  );
  return `codebuild:${out.build?.id ?? "unknown"}`;
}

/** The queued orders of a target, oldest first, then starts the first that can start. */
async function startNext(orderName: string, summary: OrchestratorSummary): Promise<void> {
  for (const orderId of await unfinishedOrders(orderName)) {
    const order = await getOrder(orderId);
    if (!order || order.status !== ORDER_STATUS.queued) continue;
    const outcome = await tryStart(order, summary);
    // Started, or the target is busy again (its holder starts the next one when it finishes).
    if (outcome === "started" || outcome === "waiting") return;
  }
}

/** Orders of a target with a `received` and no `finished` event, oldest first. */
async function unfinishedOrders(orderName: string): Promise<string[]> {
  const received: string[] = [];
  const finished = new Set<string>();
  let start: Record<string, unknown> | undefined;
  do {
    const out = await ddb().send(
      new QueryCommand({
        TableName: tables().events,
        IndexName: ORDER_NAME_INDEX.name,
        KeyConditionExpression: "#name = :name",
        FilterExpression: "#type IN (:received, :finished)",
        ProjectionExpression: "#pk, #type",
        ExpressionAttributeNames: {
          "#name": ORDER_NAME_INDEX.partitionKey,
          "#type": "type",
          "#pk": TABLE_KEYS.orderEvents.partitionKey,
        },
        ExpressionAttributeValues: {
          ":name": orderName,
          ":received": EVENT_TYPE.received,
          ":finished": EVENT_TYPE.finished,
        },
        ScanIndexForward: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) {
      const id = item[TABLE_KEYS.orderEvents.partitionKey] as string;
      if (item.type === EVENT_TYPE.finished) finished.add(id);
      else received.push(id);
    }
    start = out.LastEvaluatedKey;
  } while (start);
  return [...new Set(received)].filter((id) => !finished.has(id));
}

// ---- finishing --------------------------------------------------------------------------------

interface Outcome {
  readonly status: Exclude<OrderStatus, "queued" | "running">;
  readonly reason?: string;
  readonly exitCode?: number | null;
  readonly result?: RunResult;
}

/**
 * Records the outcome of an order from its result.json (a missing or malformed one means
 * `failed`), copies it to the done bucket and releases the lock if the order still holds it.
 * Returns the order's target, or undefined for an unknown order.
 */
async function finish(orderId: string, summary: OrchestratorSummary): Promise<string | undefined> {
  const order = await getOrder(orderId);
  if (!order) {
    log("warn", "result for an unknown order", { orderId });
    summary.ignored.push(orderId);
    return undefined;
  }
  if (TERMINAL_STATUSES.includes(order.status)) {
    log("info", "order already finished", { orderId, status: order.status });
  } else {
    const outcome = await readOutcome(orderId);
    const finishedAt = new Date();
    await s3().send(
      new PutObjectCommand({
        Bucket: requireEnv(ENV.doneBucket),
        Key: doneKey(orderId),
        ContentType: "application/json",
        Body: JSON.stringify({
          order_id: orderId,
          order_name: order.order_name,
          runner: order.runner,
          status: outcome.status,
          reason: outcome.reason,
          exit_code: outcome.exitCode,
          received_at: order.received_at,
          started_at: order.started_at,
          finished_at: finishedAt.toISOString(),
          result: outcome.result ?? null,
        }),
      }),
    );
    if (await recordOutcome(order, outcome, finishedAt)) {
      log(outcome.status === ORDER_STATUS.succeeded ? "info" : "warn", "order finished", {
        orderId,
        orderName: order.order_name,
        status: outcome.status,
        reason: outcome.reason,
      });
      summary.finished.push(orderId);
    }
  }
  if (!(await releaseLock(order.order_name, orderId))) {
    log("info", "lock not held by this order; left alone", { orderId, orderName: order.order_name });
  }
  return order.order_name;
}

/**
 * Claims the outcome and writes the `finished` event in one transaction: a reader never sees the
 * terminal status without its event. False when another delivery finished the order first.
 */
async function recordOutcome(order: OrderItem, outcome: Outcome, at: Date): Promise<boolean> {
  try {
    await ddb().send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: tables().orders,
              Key: { [ORDER_PK]: order.order_id },
              UpdateExpression:
                "SET #status = :status, finished_at = :at, updated_at = :at, reason = :reason, exit_code = :exit",
              ConditionExpression: "#status IN (:queued, :running)",
              ExpressionAttributeNames: { "#status": "status" },
              ExpressionAttributeValues: {
                ":status": outcome.status,
                ":at": at.toISOString(),
                ":reason": outcome.reason ?? null,
                ":exit": outcome.exitCode ?? null,
                ":queued": ORDER_STATUS.queued,
                ":running": ORDER_STATUS.running,
              },
            },
          },
          {
            Put: {
              TableName: tables().events,
              Item: eventItem(order, EVENT_TYPE.finished, at, {
                status: outcome.status,
                reason: outcome.reason,
                exit_code: outcome.exitCode,
              }),
            },
          },
        ],
      }),
    );
    return true;
  } catch (err) {
    if (cancellationCodes(err)[0] === "ConditionalCheckFailed") return false; // finished concurrently
    throw err;
  }
}

async function readOutcome(orderId: string): Promise<Outcome> {
  let text: string;
  try {
    const out = await s3().send(
      new GetObjectCommand({ Bucket: requireEnv(ENV.internalBucket), Key: resultKey(orderId) }),
    );
    if ((out.ContentLength ?? 0) > MAX_RESULT_BYTES) {
      (out.Body as { destroy?: () => void } | undefined)?.destroy?.();
      return { status: ORDER_STATUS.failed, reason: `malformed result.json: larger than ${MAX_RESULT_BYTES} bytes` };
    }
    text = (await out.Body?.transformToString("utf8")) ?? "";
  } catch (err) {
    // Without s3:ListBucket a missing key reads as 403.
    if (isNoSuchKey(err) || isAccessDenied(err))
      return { status: ORDER_STATUS.failed, reason: "result.json is missing" };
    throw err;
  }
  const parsed = parseRunResult(text, orderId);
  if (!parsed.ok) return { status: ORDER_STATUS.failed, reason: parsed.reason };
  const { result } = parsed;
  return { status: result.status, reason: result.reason, exitCode: result.exit_code, result };
}

async function writeResultIfAbsent(result: RunResult): Promise<void> {
  try {
    await s3().send(
      new PutObjectCommand({
        Bucket: requireEnv(ENV.internalBucket),
        Key: resultKey(result.order_id),
        Body: JSON.stringify(result),
        ContentType: RESULT_PUT_HEADERS["content-type"],
        IfNoneMatch: RESULT_PUT_HEADERS["if-none-match"],
      }),
    );
  } catch (err) {
    if (!isPreconditionFailed(err)) throw err; // a result is already there: it wins
  }
}
