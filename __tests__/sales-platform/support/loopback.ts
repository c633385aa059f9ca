// Loopback HTTP servers of a test's own: an SNS HTTP subscriber (SNS delivers notifications to
// it as to any HTTP(S) endpoint) and, where the emulator cannot answer like the real service,
// a stand-in speaking Amazon Bedrock's InvokeModel wire format. Tests only.
import http from "node:http";
import type { AddressInfo } from "node:net";

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** An SNS notification as delivered over HTTP. */
export interface SnsNotification {
  readonly Type: string;
  readonly MessageId: string;
  readonly TopicArn: string;
  readonly Subject?: string;
  readonly Message: string;
}

export interface SnsSubscriber {
  readonly url: string;
  /** Notifications received so far (Type "Notification" only). */
  readonly notifications: SnsNotification[];
  close(): Promise<void>;
}

export async function startSnsSubscriber(): Promise<SnsSubscriber> {
  const notifications: SnsNotification[] = [];
  const server = http.createServer(async (req, res) => {
    const body = JSON.parse(await readBody(req)) as SnsNotification;
    if (body.Type === "Notification") notifications.push(body);
    res.writeHead(200).end();
  });
  const url = await listen(server);
  server.unref();
  return { url, notifications, close: () => new Promise((r) => server.close(() => r())) };
}

/** One InvokeModel request as the stand-in received it. */
export interface InvokeModelRequest {
  readonly modelId: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
}

export type BedrockAnswer =
  | { readonly ok: true; readonly body: unknown }
  | { readonly ok: false; readonly status: number; readonly errorType: string; readonly message: string };

export interface BedrockStandIn {
  readonly url: string;
  readonly requests: InvokeModelRequest[];
  close(): Promise<void>;
}

/**
 * Answers `POST /model/{modelId}/invoke` as Bedrock's runtime does: the model's JSON body with
 * content-type application/json, or an error with the `x-amzn-ErrorType` header and a
 * `{message}` body (how the SDK tells ThrottlingException, ValidationException, ... apart).
 */
export async function startBedrockStandIn(
  answer: (request: InvokeModelRequest) => BedrockAnswer,
): Promise<BedrockStandIn> {
  const requests: InvokeModelRequest[] = [];
  const server = http.createServer(async (req, res) => {
    const match = /^\/model\/([^/]+)\/invoke$/.exec(req.url ?? "");
    const text = await readBody(req);
    if (req.method !== "POST" || !match) {
      res.writeHead(404, { "content-type": "application/json", "x-amzn-errortype": "UnknownOperationException" });
      res.end(JSON.stringify({ message: `no such operation: ${req.method} ${req.url}` }));
      return;
    }
    const request = { modelId: decodeURIComponent(match[1]), headers: req.headers, body: JSON.parse(text) };
    requests.push(request);
    const a = answer(request);
    if (a.ok) {
      res.writeHead(200, { "content-type": "application/json", "x-amzn-requestid": `req-${requests.length}` });
      res.end(JSON.stringify(a.body));
    } else {
      res.writeHead(a.status, { "content-type": "application/json", "x-amzn-errortype": a.errorType });
      res.end(JSON.stringify({ message: a.message }));
    }
  });
  const url = await listen(server);
  server.unref();
  return { url, requests, close: () => new Promise((r) => server.close(() => r())) };
}

/** A Nova (messages-v1) answer whose text is `text`. */
export function novaAnswer(text: string): unknown {
  return {
    output: { message: { role: "assistant", content: [{ text }] } },
    stopReason: "end_turn",
    usage: { inputTokens: 900, outputTokens: 150, totalTokens: 1050 },
  };
}
