/**
 * The API behind the HTTP API's catch-all `$default` route (payload format 2.0):
 *   GET  /api/health    200 with the image's version, the Lambda version serving and the environment
 *   POST /api/messages  validates the body (400 naming the field, 413 over the size limit, 415 not
 *                       JSON), asks the agent's `live` alias synchronously and returns its reply;
 *                       any failure of the agent is a 502 with a clear message
 * Any other path is a 404, another method on a known path a 405 with Allow.
 */

import {
  checkedBody,
  HttpError,
  type HttpEvent,
  type HttpResult,
  json,
  parseJson,
  problem,
  serveHttp,
} from "../shared/http";
import { errorFields, log } from "../shared/log";
import { DEADLINE_RESERVE_MS, ENV, type HealthBody, IMAGE_ENV, LIMITS, ROUTES } from "./contract";
import { askAgent } from "./lib/agent-client";
import { parseAgentRequest, RequestError } from "./lib/request";

/** What the API uses of Lambda's context. */
export interface ApiContext {
  getRemainingTimeInMillis(): number;
  readonly awsRequestId?: string;
}

/** Without a Lambda context (tests), the agent call may take this long. */
const DEFAULT_AGENT_TIMEOUT_MS = 28_000;

/** A 400 naming the offending field. */
const invalid = (field: string, message: string) => new HttpError(400, "invalid_request", message, { field });

const notAllowed = (message: string, allow: string): HttpResult =>
  json(405, { error: "method_not_allowed", message }, { allow });

export function health(env: NodeJS.ProcessEnv = process.env): HttpResult {
  const body: HealthBody = {
    status: "ok",
    version: env[IMAGE_ENV.appVersion] || "unknown",
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION || "$LATEST",
    environment: env[ENV.environment] || "unknown",
  };
  return json(200, body);
}

async function postMessage(event: HttpEvent, context?: ApiContext): Promise<HttpResult> {
  const body = checkedBody(event, {
    maxBytes: LIMITS.maxBodyBytes,
    mediaType: "when-given",
    wrongTypeMessage: "Send the body as application/json.",
    tooLargeMessage: (bytes, max) => `The body is ${bytes} bytes; at most ${max} bytes are accepted.`,
  });
  if (body.length === 0) throw invalid("body", "body is required: a JSON object with a message");
  const parsed = parseJson(body, () => invalid("body", "body is not valid JSON"));
  let request: ReturnType<typeof parseAgentRequest>;
  try {
    request = parseAgentRequest(parsed);
  } catch (err) {
    if (err instanceof RequestError) throw invalid(err.field, err.message);
    throw err;
  }

  const agent = process.env[ENV.agentFunction];
  if (!agent) {
    log("error", "misconfigured", { reason: `${ENV.agentFunction} is not set` });
    return problem(500, "misconfigured", "The API is not configured correctly.");
  }
  const timeoutMs = context ? context.getRemainingTimeInMillis() - DEADLINE_RESERVE_MS : DEFAULT_AGENT_TIMEOUT_MS;
  const started = Date.now();
  const outcome = await askAgent(agent, request, timeoutMs);
  if (!outcome.ok) {
    log("error", "agent failed", {
      requestId: context?.awsRequestId,
      error: outcome.error,
      detail: outcome.detail,
      ms: Date.now() - started,
    });
    return problem(outcome.status, outcome.error, outcome.message);
  }
  log("info", "message answered", {
    requestId: context?.awsRequestId,
    model: outcome.reply.model,
    ms: Date.now() - started,
  });
  return json(200, outcome.reply);
}

export async function handler(event: HttpEvent, context?: ApiContext): Promise<HttpResult> {
  const method = (event.requestContext?.http?.method ?? "GET").toUpperCase();
  const rawPath = event.rawPath || "/";
  const path = rawPath.length > 1 ? rawPath.replace(/\/+$/, "") : rawPath;
  return serveHttp(
    async () => {
      if (path === ROUTES.health.path) {
        if (method === "GET" || method === "HEAD") return health();
        return notAllowed(`Use GET ${ROUTES.health.path}.`, "GET, HEAD");
      }
      if (path === ROUTES.messages.path) {
        if (method === "POST") return await postMessage(event, context);
        return notAllowed(`Use POST ${ROUTES.messages.path}.`, "POST");
      }
      return problem(404, "not_found", `No route for ${method} ${path}.`);
    },
    (err) => {
      log("error", "unexpected error", { requestId: context?.awsRequestId, ...errorFields(err) });
      return problem(500, "internal_error", "The API failed unexpectedly.");
    },
  );
}
