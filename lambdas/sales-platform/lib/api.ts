/**
 * REST API (API Gateway v1 Lambda proxy) answers: JSON with CORS headers for the frontend
 * origin, and errors as `{ error, message }`. Input problems are 400s naming the parameter.
 */
import { HttpError, parseJson, type RestEvent, type RestResult, rawBody, serveHttp } from "../../shared/http";
import { ENV } from "../contract";
import { errorFields, logger } from "./log";

export type ApiEvent = RestEvent;
export type ApiResult = RestResult;

/** A request the caller must fix (HTTP 400, or `status`). */
export class BadRequest extends HttpError {
  override name = "BadRequest";
  constructor(message: string, status = 400, code = "bad_request") {
    super(status, code, message);
  }
}

function corsHeaders(): Record<string, string> {
  const origin = process.env[ENV.allowedOrigin];
  return origin ? { "access-control-allow-origin": origin, vary: "Origin" } : {};
}

export function json(statusCode: number, body: unknown): ApiResult {
  return {
    statusCode,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...corsHeaders() },
    body: JSON.stringify(body),
  };
}

/** Runs `answer`, turning BadRequest into its status and anything else into a logged 500. */
export async function respond(event: ApiEvent, answer: () => Promise<ApiResult>): Promise<ApiResult> {
  return serveHttp(
    answer,
    (err) => {
      logger.error("request failed", { path: event.path, ...errorFields(err) });
      return json(500, { error: "internal_error", message: "the request could not be served; it was logged" });
    },
    json,
  );
}

/** A query string parameter (trimmed), or undefined. */
export function query(event: ApiEvent, name: string): string | undefined {
  const v = event.queryStringParameters?.[name];
  return v === undefined || v === null || v.trim() === "" ? undefined : v.trim();
}

/** The JSON object body of a request. */
export function jsonBody(event: ApiEvent): Record<string, unknown> {
  if (!event.body) throw new BadRequest("request body must be a JSON object");
  const parsed = parseJson(rawBody(event), () => new BadRequest("request body is not valid JSON"));
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new BadRequest("request body must be a JSON object");
  }
  return parsed as Record<string, unknown>;
}

/** An integer query parameter within [min, max], or `fallback` when absent. */
export function intParam(event: ApiEvent, name: string, fallback: number, min: number, max: number): number {
  const v = query(event, name);
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new BadRequest(`${name} must be a whole number from ${min} to ${max}`);
  }
  return Number(v);
}
