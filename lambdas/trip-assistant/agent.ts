/**
 * The agent: answers one chat request with a reply from an OpenAI-compatible chat-completions
 * endpoint. The API key comes from SSM (read once per container, cached); the endpoint's base URL
 * and model from the environment. Failures are thrown as the contract's named errors with
 * messages that never contain the key, so Lambda reports them (errorType) to the API.
 */
import { errorFields, log } from "../shared/log";
import { type AgentReply, DEADLINE_RESERVE_MS, ENV, OPENAI_DEFAULTS } from "./contract";
import { forgetApiKey, openaiApiKey } from "./lib/api-key";
import { AgentConfigurationError, InvalidAgentRequest } from "./lib/errors";
import { complete, type ModelSettings } from "./lib/model";
import { parseAgentRequest, RequestError } from "./lib/request";

/** What the agent uses of Lambda's context. */
export interface AgentContext {
  getRemainingTimeInMillis(): number;
  readonly awsRequestId?: string;
}

/** The endpoint settings from the environment; a bad base URL is a configuration error. */
export function modelSettings(env: NodeJS.ProcessEnv = process.env): ModelSettings {
  const baseURL = env[ENV.openaiBaseUrl]?.trim() || OPENAI_DEFAULTS.baseUrl;
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    throw new AgentConfigurationError(`${ENV.openaiBaseUrl} is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new AgentConfigurationError(`${ENV.openaiBaseUrl} must be an http(s) URL`);
  }
  if (url.username || url.password) {
    throw new AgentConfigurationError(`${ENV.openaiBaseUrl} must not carry credentials`);
  }
  return { baseURL: baseURL.replace(/\/+$/, ""), model: env[ENV.openaiModel]?.trim() || OPENAI_DEFAULTS.model };
}

export async function handler(event: unknown, context?: AgentContext): Promise<AgentReply> {
  const started = Date.now();
  const requestId = context?.awsRequestId;
  try {
    let request: ReturnType<typeof parseAgentRequest>;
    try {
      request = parseAgentRequest(event);
    } catch (err) {
      if (err instanceof RequestError) throw new InvalidAgentRequest(err.message);
      throw err;
    }
    const parameter = process.env[ENV.ssmParameterName];
    if (!parameter) throw new AgentConfigurationError(`environment variable ${ENV.ssmParameterName} is not set`);
    const settings = modelSettings();
    const apiKey = await openaiApiKey(parameter);
    const budget = context
      ? context.getRemainingTimeInMillis() - DEADLINE_RESERVE_MS
      : OPENAI_DEFAULTS.requestTimeoutMs;
    let reply: AgentReply;
    try {
      reply = await complete(request, apiKey, settings, budget);
    } catch (err) {
      // A rejected key is read again next time: an operator may have just rotated it.
      if (err instanceof AgentConfigurationError) forgetApiKey();
      throw err;
    }
    // Sizes and counts only: the conversation itself is the user's and stays out of the logs.
    log("info", "reply", {
      requestId,
      model: reply.model,
      messageChars: request.message.length,
      historyTurns: request.history?.length ?? 0,
      replyChars: reply.reply.length,
      ...(reply.usage ?? {}),
      ms: Date.now() - started,
    });
    return reply;
  } catch (err) {
    log("error", "agent failed", { requestId, ...errorFields(err), ms: Date.now() - started });
    throw err;
  }
}
