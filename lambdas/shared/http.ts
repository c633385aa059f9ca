import type {
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
} from "aws-lambda";

/** An HTTP API (payload 2.0) request and answer. */
export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;
/** A REST API (Lambda proxy, payload 1.0) request and answer. */
export type RestEvent = APIGatewayProxyEvent;
export type RestResult = APIGatewayProxyResult;

/** A JSON answer. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
    body: JSON.stringify(body),
  };
}

/** An error answer: `{ error, message }`, where error is the HTTP reason in snake case. */
export function problem(statusCode: number, error: string, message: string): HttpResult {
  return json(statusCode, { error, message });
}

/** Header lookup by lower-case name (HTTP APIs deliver lower-case names; other callers may not). */
export function header(event: Pick<HttpEvent | RestEvent, "headers">, name: string): string | undefined {
  const headers = event.headers ?? {};
  const direct = headers[name];
  if (direct !== undefined) return direct;
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

/** The raw request body as bytes (base64-decoded when API Gateway encoded it). */
export function rawBody(event: Pick<HttpEvent | RestEvent, "body" | "isBase64Encoded">): Buffer {
  if (event.body === undefined || event.body === null) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(event.body, "base64") : Buffer.from(event.body, "utf8");
}

/**
 * An answer the caller must see: `status` with `{ error: code, message, ...extra }`. Handlers
 * throw it from anywhere below `serveHttp`, which turns it into the response.
 */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

/** The rules a JSON request body is held to. */
export interface JsonBodyRules {
  readonly maxBytes: number;
  /** "required": a missing content type is refused too; "when-given": only another one is. */
  readonly mediaType: "required" | "when-given";
  /** The 415 message (say what the sender should set). @default "content-type must be application/json" */
  readonly wrongTypeMessage?: string;
  /** The 413 message for a body of `bytes`. @default "body is <n> bytes; at most <max>" */
  readonly tooLargeMessage?: (bytes: number, maxBytes: number) => string;
}

const JSON_MEDIA_TYPE = /^application\/json\s*(;|$)/i;

/**
 * The raw body (base64-decoded when API Gateway encoded it), refused with HttpError 413 when
 * over `maxBytes`, then 415 when its content type is not application/json (parameters such as
 * charset allowed). Any event with `body`, `isBase64Encoded` and `headers` (HTTP API or REST).
 */
export function checkedBody(event: HttpEvent | RestEvent, rules: JsonBodyRules): Buffer {
  const body = rawBody(event);
  if (body.length > rules.maxBytes) {
    const message = rules.tooLargeMessage
      ? rules.tooLargeMessage(body.length, rules.maxBytes)
      : `body is ${body.length} bytes; at most ${rules.maxBytes}`;
    throw new HttpError(413, "payload_too_large", message);
  }
  const type = header(event, "content-type");
  const wrong = type === undefined ? rules.mediaType === "required" : !JSON_MEDIA_TYPE.test(type.trim());
  if (wrong) {
    throw new HttpError(
      415,
      "unsupported_media_type",
      rules.wrongTypeMessage ?? "content-type must be application/json",
    );
  }
  return body;
}

/** The body parsed as JSON, or what `invalid` makes of the parse error (a 400 naming the body, say). */
export function parseJson(body: Buffer, invalid: (reason: string) => HttpError): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (err) {
    throw invalid(err instanceof Error ? err.message : String(err));
  }
}

/**
 * Runs `answer`: an HttpError becomes its JSON answer; anything else is `unexpected`'s to log
 * and answer (a 500 that leaks nothing).
 */
export async function serveHttp<R extends HttpResult | RestResult>(
  answer: () => Promise<R>,
  unexpected: (err: unknown) => R,
  respond: (status: number, body: unknown) => R = (status, body) => json(status, body) as R,
): Promise<R> {
  try {
    return await answer();
  } catch (err) {
    if (err instanceof HttpError) return respond(err.status, { error: err.code, message: err.message, ...err.extra });
    return unexpected(err);
  }
}
