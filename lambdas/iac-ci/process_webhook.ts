/**
 * process_webhook: `POST /webhook` (HTTP API payload 2.0, or the function URL) takes an order;
 * `GET /orders/{id}` reads one back with its events.
 *
 * The body is an order (`order_name`, `commands`, ...) or, with X-GitHub-Event, a Git host's
 * delivery: `push` and `pull_request` (opened, synchronize, reopened) become an order for their
 * commit that runs the stack's configured commands (lib/github.ts); `ping` answers 200; any other
 * event or action answers 202 with the reason it starts nothing, and writes nothing.
 *
 * POST checks, in order, each answering before anything is written:
 *   413 body larger than WEBHOOK_LIMITS.maxBodyBytes
 *   415 content type other than application/json
 *   401 missing or wrong X-Hub-Signature-256 (HMAC-SHA256 of the raw body, secret from SSM)
 *   400 missing delivery id header, malformed JSON, or an invalid field (named in the answer)
 *   409 the delivery id was already used for a different body
 * then stores the payload (S3), the order (status queued) and its `received` event, invokes the
 * orchestrator asynchronously and answers 202 with the order id. The order id derives from the
 * delivery id and every first write is conditional, so a redelivery answers the same order and
 * writes nothing new.
 */
import { createHash } from "node:crypto";
import { InvokeCommand } from "@aws-sdk/client-lambda";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { ddb } from "../shared/clients/dynamodb";
import { lambda } from "../shared/clients/lambda";
import { s3 } from "../shared/clients/s3";
import { requireEnv } from "../shared/env";
import { isConditionalCheckFailed, isPreconditionFailed } from "../shared/errors";
import {
  checkedBody,
  HttpError,
  type HttpEvent,
  type HttpResult,
  header,
  json,
  parseJson,
  problem,
  serveHttp,
} from "../shared/http";
import { errorFields, log } from "../shared/log";
import {
  API_ROUTES,
  ENV,
  EVENT_TYPE,
  FUNCTION_ENV,
  GIT_EVENTS,
  ORDER_ID_PATTERN,
  ORDER_STATUS,
  payloadKey,
  routeKeyOf,
  TABLE_KEYS,
  WEBHOOK_HEADERS,
  WEBHOOK_LIMITS,
} from "./contract";
import { type GitOrderSettings, type GitSource, gitDelivery, parseGitOrderSettings } from "./lib/github";
import type { OrchestratorMessage } from "./lib/messages";
import { epochOf, getOrder, listEvents, type OrderItem, putEvent, tables, ttlOf } from "./lib/orders";
import type { JobPayload } from "./lib/payload";
import { webhookSecret } from "./lib/secret";
import { verifySignature } from "./lib/signature";
import { type OrderRequest, validateOrder } from "./lib/validate";

const sha256 = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");

/** The order id of a delivery id: deterministic, so a redelivery finds its order. */
export const orderIdFor = (deliveryId: string): string => `o-${sha256(`iac-ci-delivery:${deliveryId}`).slice(0, 32)}`;

const DELIVERY_ID_PATTERN = /^[\x21-\x7e]+$/;
const ORDERS_ROUTE = routeKeyOf(API_ROUTES.order);

export const handler = async (event: HttpEvent): Promise<HttpResult> => {
  const method = event.requestContext?.http?.method?.toUpperCase() ?? "";
  const path = event.rawPath ?? "/";
  return serveHttp(
    async () => {
      // Reads only through the HTTP API route, which requires SigV4 (AWS_IAM); the function URL
      // (authorization NONE, for webhook senders) serves POST only.
      if (method === "GET" && event.routeKey === ORDERS_ROUTE) {
        const id = event.pathParameters?.id ?? /\/orders\/([^/]+)\/?$/.exec(path)?.[1];
        if (id !== undefined) return await readOrder(safeDecode(id));
      }
      // The API route, or the function URL (whose root is the webhook too).
      if (
        method === API_ROUTES.webhook.method &&
        (path === "/" || path.replace(/\/$/, "").endsWith(API_ROUTES.webhook.path))
      ) {
        return await receive(event);
      }
      return problem(404, "not_found", `no route ${method} ${path}`);
    },
    (err) => {
      log("error", "request failed", { method, path, ...errorFields(err) });
      return problem(500, "internal_error", "internal error; the request may be retried with the same delivery id");
    },
  );
};

async function receive(event: HttpEvent): Promise<HttpResult> {
  // GitHub's other content type, application/x-www-form-urlencoded, wraps the JSON in a form field.
  const body = checkedBody(event, {
    maxBytes: WEBHOOK_LIMITS.maxBodyBytes,
    mediaType: "required",
    wrongTypeMessage:
      "content-type must be application/json (for a GitHub webhook, set its content type to application/json)",
  });

  const secret = await webhookSecret(requireEnv(FUNCTION_ENV.webhookSecretParameter));
  const signature = header(event, WEBHOOK_HEADERS.signature);
  if (!verifySignature(secret, body, signature)) {
    log("warn", "signature rejected", { signature: signature === undefined ? "missing" : "invalid" });
    return problem(401, "unauthorized", "missing or invalid X-Hub-Signature-256");
  }

  const gitEvent = header(event, WEBHOOK_HEADERS.event);
  if (gitEvent === GIT_EVENTS.ping) return json(200, { message: "pong" });

  const deliveryId = header(event, WEBHOOK_HEADERS.delivery) ?? header(event, WEBHOOK_HEADERS.idempotencyKey);
  if (deliveryId === undefined || deliveryId.length === 0) {
    return badRequest("X-GitHub-Delivery", "header X-GitHub-Delivery (or Idempotency-Key) is required");
  }
  if (deliveryId.length > WEBHOOK_LIMITS.maxDeliveryIdLength || !DELIVERY_ID_PATTERN.test(deliveryId)) {
    return badRequest(
      "X-GitHub-Delivery",
      `delivery id must be 1-${WEBHOOK_LIMITS.maxDeliveryIdLength} printable ASCII characters`,
    );
  }

  const parsed = parseJson(body, (reason) => badRequestError("body", `malformed JSON: ${reason}`));
  let request: OrderRequest;
  let source: GitSource | undefined;
  if (gitEvent === undefined) {
    const validation = validateOrder(parsed);
    if (!validation.ok) return badRequest(validation.field, validation.message);
    request = validation.order;
  } else {
    const settings = gitOrderSettings();
    if (typeof settings === "string") {
      log("error", "git order settings invalid", { reason: settings });
      return problem(500, "misconfigured", `iac-ci cannot run Git-host deliveries: ${settings}`);
    }
    const delivery = gitDelivery(gitEvent, parsed, settings);
    if (delivery.kind === "invalid") return badRequest(delivery.field, delivery.message);
    if (delivery.kind === "ignored") {
      log("info", "delivery ignored", { event: gitEvent, deliveryId, reason: delivery.reason });
      return json(202, { ignored: true, event: gitEvent, reason: delivery.reason });
    }
    request = delivery.order;
    source = delivery.source;
  }

  const orderId = orderIdFor(deliveryId);
  const bodySha = sha256(body);
  const existing = await getOrder(orderId);
  if (existing) return redelivered(existing, bodySha);
  return accept(orderId, deliveryId, bodySha, request, source);
}

let cachedSettings: { text: string | undefined; value: GitOrderSettings | string } | undefined;
/** The Git-host order settings (parsed once per container), or why they are invalid. */
function gitOrderSettings(): GitOrderSettings | string {
  const text = process.env[FUNCTION_ENV.gitOrder];
  if (cachedSettings === undefined || cachedSettings.text !== text) {
    let value: GitOrderSettings | string;
    try {
      value = parseGitOrderSettings(FUNCTION_ENV.gitOrder, text);
    } catch (err) {
      value = err instanceof Error ? err.message : String(err);
    }
    cachedSettings = { text, value };
  }
  return cachedSettings.value;
}

async function accept(
  orderId: string,
  deliveryId: string,
  bodySha: string,
  request: OrderRequest,
  source: GitSource | undefined,
) {
  const now = new Date();
  const key = payloadKey(orderId);
  const payload: JobPayload & { body_sha256: string } = {
    order_id: orderId,
    order_name: request.order_name,
    commands: request.commands,
    runner: request.runner,
    timeout_seconds: request.timeout_seconds,
    received_at: now.toISOString(),
    body_sha256: bodySha,
    ...(source ? { source } : {}),
  };

  // 1. The payload, first writer wins: a concurrent delivery of the same id with another body
  //    can never replace it.
  const bucket = requireEnv(ENV.internalBucket);
  try {
    await s3().send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: JSON.stringify(payload),
        ContentType: "application/json",
        IfNoneMatch: "*",
      }),
    );
  } catch (err) {
    if (!isPreconditionFailed(err)) throw err;
    // Left by an earlier attempt of this delivery (which may have stopped before the order).
    const stored = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const storedSha = (JSON.parse((await stored.Body?.transformToString("utf8")) ?? "{}") as { body_sha256?: string })
      .body_sha256;
    if (storedSha !== bodySha) return conflict(orderId);
  }

  // 2. The order: the conditional write is the idempotency gate.
  const order: OrderItem = {
    [TABLE_KEYS.orders.partitionKey]: orderId,
    order_id: orderId,
    order_name: request.order_name,
    status: ORDER_STATUS.queued,
    runner: request.runner,
    timeout_seconds: request.timeout_seconds,
    command_count: request.commands.length,
    delivery_id: deliveryId,
    body_sha256: bodySha,
    payload_key: key,
    received_at: now.toISOString(),
    epoch: epochOf(now),
    updated_at: now.toISOString(),
    [TABLE_KEYS.ttlAttribute]: ttlOf(now),
    ...(source ? { source } : {}),
  };
  try {
    await ddb().send(
      new PutCommand({
        TableName: tables().orders,
        Item: order,
        ConditionExpression: "attribute_not_exists(#pk)",
        ExpressionAttributeNames: { "#pk": TABLE_KEYS.orders.partitionKey },
      }),
    );
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
    const raced = await getOrder(orderId);
    if (!raced) throw err;
    return redelivered(raced, bodySha);
  }

  // 3. Its `received` event (deterministic sort key: a retry writes nothing new).
  await receivedEvent(order);
  log("info", "order received", {
    orderId,
    orderName: order.order_name,
    runner: order.runner,
    deliveryId,
    commands: order.command_count,
    ...(source ? { event: source.event, repository: source.repository, sha: source.sha } : {}),
  });
  return schedule(order, false);
}

async function redelivered(order: OrderItem, bodySha: string): Promise<HttpResult> {
  if (order.body_sha256 !== bodySha) return conflict(order.order_id);
  log("info", "redelivery", { orderId: order.order_id, status: order.status });
  if (order.status !== ORDER_STATUS.queued) return accepted(order, true);
  // Still queued: complete what an interrupted first attempt may have left undone. The event
  // write is conditional (nothing new if present); the orchestrator treats a repeat as a no-op.
  await receivedEvent(order);
  return schedule(order, true);
}

const receivedEvent = (order: OrderItem) =>
  putEvent(
    order,
    EVENT_TYPE.received,
    new Date(order.received_at),
    { status: ORDER_STATUS.queued, runner: order.runner },
    true,
  );

async function schedule(order: OrderItem, duplicate: boolean): Promise<HttpResult> {
  const message: OrchestratorMessage = { type: "order", orderId: order.order_id };
  try {
    await lambda().send(
      new InvokeCommand({
        FunctionName: requireEnv(FUNCTION_ENV.orchestratorFunction),
        InvocationType: "Event",
        Payload: Buffer.from(JSON.stringify(message)),
      }),
    );
  } catch (err) {
    log("error", "orchestrator invoke failed", { orderId: order.order_id, ...errorFields(err) });
    return json(503, {
      error: "orchestrator_unavailable",
      message: "order stored but not yet scheduled; redeliver with the same delivery id",
      order_id: order.order_id,
    });
  }
  return accepted(order, duplicate);
}

const accepted = (order: OrderItem, duplicate: boolean): HttpResult =>
  json(202, {
    order_id: order.order_id,
    status: order.status,
    duplicate,
    status_url: `/orders/${order.order_id}`,
    ...(order.source ? { source: order.source } : {}),
  });

const conflict = (orderId: string): HttpResult =>
  json(409, {
    error: "conflict",
    message: "this delivery id was already used for a different body",
    order_id: orderId,
  });

const safeDecode = (value: string): string => {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
};

function badRequestError(field: string, message: string): HttpError {
  // The message may quote the body (JSON.parse does); only the field is logged.
  log("info", "request rejected", { field });
  return new HttpError(400, "bad_request", message, { field });
}

function badRequest(field: string, message: string): HttpResult {
  const err = badRequestError(field, message);
  return json(err.status, { error: err.code, message: err.message, ...err.extra });
}

async function readOrder(orderId: string): Promise<HttpResult> {
  const order = ORDER_ID_PATTERN.test(orderId) ? await getOrder(orderId) : undefined;
  if (!order) return problem(404, "not_found", `order ${orderId} not found`);
  const events = await listEvents(orderId);
  return json(200, {
    order: {
      order_id: order.order_id,
      order_name: order.order_name,
      status: order.status,
      runner: order.runner,
      timeout_seconds: order.timeout_seconds,
      command_count: order.command_count,
      received_at: order.received_at,
      waiting_since: order.waiting_since,
      started_at: order.started_at,
      deadline: order.deadline === undefined ? undefined : new Date(order.deadline * 1000).toISOString(),
      finished_at: order.finished_at,
      exit_code: order.exit_code,
      reason: order.reason,
      updated_at: order.updated_at,
      source: order.source,
    },
    events: events.map((e) => ({
      type: e.type,
      at: e.at,
      status: e.status,
      message: e.message,
      runner: e.runner,
      exit_code: e.exit_code,
      reason: e.reason,
    })),
  });
}
