// HTTP API (payload format 2.0) events as API Gateway delivers them to process_webhook.
import { createHmac, randomUUID } from "node:crypto";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

function baseEvent(method: string, rawPath: string, routeKey: string): APIGatewayProxyEventV2 {
  const now = new Date();
  return {
    version: "2.0",
    routeKey,
    rawPath,
    rawQueryString: "",
    headers: { host: "api.example.test", "user-agent": "GitHub-Hookshot/test" },
    requestContext: {
      accountId: "123456789012",
      apiId: "testapi",
      domainName: "api.example.test",
      domainPrefix: "api",
      http: { method, path: rawPath, protocol: "HTTP/1.1", sourceIp: "192.0.2.1", userAgent: "GitHub-Hookshot/test" },
      requestId: randomUUID(),
      routeKey,
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
}

export const signatureOf = (secret: string, body: Buffer | string): string =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

export interface WebhookOptions {
  /** The secret to sign with; undefined sends no signature header. */
  readonly secret?: string;
  /** A signature header to send as is (overrides `secret`). */
  readonly signature?: string;
  readonly deliveryId?: string | null;
  readonly contentType?: string | null;
  readonly base64?: boolean;
  readonly headers?: Record<string, string>;
}

/** `POST /webhook` with a body (object -> JSON, string/Buffer as is), signed like GitHub does. */
export function webhookEvent(body: unknown, options: WebhookOptions = {}): APIGatewayProxyEventV2 {
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
  const event = baseEvent("POST", "/webhook", "POST /webhook");
  const headers: Record<string, string> = { ...event.headers } as Record<string, string>;
  if (options.contentType !== null) headers["content-type"] = options.contentType ?? "application/json";
  if (options.deliveryId !== null) headers["x-github-delivery"] = options.deliveryId ?? randomUUID();
  const signature = options.signature ?? (options.secret === undefined ? undefined : signatureOf(options.secret, raw));
  if (signature !== undefined) headers["x-hub-signature-256"] = signature;
  Object.assign(headers, options.headers ?? {});
  return {
    ...event,
    headers,
    body: options.base64 ? raw.toString("base64") : raw.toString("utf8"),
    isBase64Encoded: options.base64 ?? false,
  };
}

/** `GET /orders/{id}`. */
export function getOrderEvent(orderId: string): APIGatewayProxyEventV2 {
  return { ...baseEvent("GET", `/orders/${orderId}`, "GET /orders/{id}"), pathParameters: { id: orderId } };
}

export function jsonBody(result: APIGatewayProxyStructuredResultV2): Record<string, unknown> {
  return JSON.parse(result.body ?? "null") as Record<string, unknown>;
}
