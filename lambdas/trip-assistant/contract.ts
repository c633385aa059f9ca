/**
 * The runtime contract of the trip assistant: the two functions and the environment
 * each reads, the alias the CD pipeline moves, the HTTP routes, the request limits, the shapes
 * the API and the agent exchange, and the error names the agent throws. The stacks, the
 * handlers, the Dockerfile's bundle script and the CD workflow's smoke test all follow it. It
 * must stay free of imports.
 */

/** Environment variables of the functions. */
export const ENV = {
  /** agent: name of the SSM SecureString parameter holding the OpenAI API key. */
  ssmParameterName: "SSM_PARAMETER_NAME",
  /** both: the deployment environment (dev, stage, prod). */
  environment: "ENVIRONMENT",
  /** api: the agent to invoke, as the ARN of its `live` alias (Lambda accepts any function identifier). */
  agentFunction: "AGENT_LAMBDA_FUNCTION_NAME",
  /** agent: base URL of the OpenAI-compatible API (chat completions). */
  openaiBaseUrl: "OPENAI_BASE_URL",
  /** agent: the chat model. */
  openaiModel: "OPENAI_MODEL",
} as const;

/**
 * Variables baked into the image at build time (not Lambda environment): the build's version,
 * the commit SHA the CD workflow builds (`--build-arg APP_VERSION=<sha>`); GET /api/health
 * answers it, so the smoke test can tell the new image serves.
 */
export const IMAGE_ENV = { appVersion: "APP_VERSION" } as const;

/**
 * The two functions: the module of each handler (its bundle in the image is `<module>.js`, the
 * image CMD `<module>.handler`), their size as originally specified (512 MB, 30 seconds) and
 * the environment its code reads, exactly.
 */
export const FUNCTIONS = {
  agent: {
    id: "agent",
    module: "agent",
    command: "agent.handler",
    timeout: 30,
    memorySize: 512,
    env: [ENV.ssmParameterName, ENV.environment, ENV.openaiBaseUrl, ENV.openaiModel] as string[],
  },
  api: {
    id: "api",
    module: "api",
    command: "api.handler",
    timeout: 30,
    memorySize: 512,
    env: [ENV.environment, ENV.agentFunction] as string[],
  },
} as const;
export type FunctionKey = keyof typeof FUNCTIONS;

/** The alias API Gateway and the API call; the CD pipeline moves it to each new version. */
export const LIVE_ALIAS = "live";

/** Routes the API function serves (API Gateway forwards every path to it: `$default`). */
export const ROUTES = {
  health: { method: "GET", path: "/api/health" },
  messages: { method: "POST", path: "/api/messages" },
} as const;

/** Limits of POST /api/messages. */
export const LIMITS = {
  /** Request bodies above this many bytes are refused with 413. */
  maxBodyBytes: 32 * 1024,
  /** Characters of `message`. */
  maxMessageChars: 4000,
  /** Entries of `history` (earlier turns of the conversation). */
  maxHistoryTurns: 20,
  /** Characters of one history entry's `content`. */
  maxTurnChars: 4000,
} as const;

/** Defaults of the OpenAI-compatible endpoint (the stack passes them as Terraform variables). */
export const OPENAI_DEFAULTS = {
  baseUrl: "https://api.openai.com/v1",
  model: "gpt-4o-mini",
  /** Longest single request; the agent also stays inside its own remaining time. */
  requestTimeoutMs: 25_000,
  /** Retries of a failed request (429, 5xx, connection errors). */
  maxRetries: 1,
  /** Upper bound of the reply's tokens. */
  maxCompletionTokens: 1024,
} as const;

/** Milliseconds a function keeps in reserve to answer before Lambda stops it. */
export const DEADLINE_RESERVE_MS = 1_500;

/** One earlier turn of the conversation. */
export interface ChatTurn {
  readonly role: "user" | "assistant";
  readonly content: string;
}

/** What the API sends the agent (the validated request body). */
export interface AgentRequest {
  readonly message: string;
  readonly history?: readonly ChatTurn[];
}

/** What the agent answers, and the API returns as POST /api/messages' 200 body. */
export interface AgentReply {
  readonly reply: string;
  readonly model: string;
  readonly usage?: { readonly promptTokens: number; readonly completionTokens: number };
}

/** GET /api/health's 200 body. */
export interface HealthBody {
  readonly status: "ok";
  /** The image's APP_VERSION (the commit it was built from). */
  readonly version: string;
  /** The Lambda version serving (the number `live` points at). */
  readonly functionVersion: string;
  readonly environment: string;
}

/**
 * Error names the agent throws (Lambda reports them as `errorType`); the API maps each to a
 * 502 with a message of its own. Messages never contain the API key.
 */
export const AGENT_ERRORS = {
  /** The API key is missing, empty, or rejected by the endpoint. */
  configuration: "AgentConfigurationError",
  /** The endpoint failed, timed out, refused the request or gave no reply. */
  upstream: "UpstreamModelError",
  /** The request is not an AgentRequest. */
  request: "InvalidAgentRequest",
} as const;

/** The system prompt of the assistant. */
export const SYSTEM_PROMPT =
  "You are a helpful trip-planning assistant. Help the user plan trips: destinations, itineraries, " +
  "transport, lodging, budgets and practical tips. Be concise and concrete, and say when you are unsure.";
