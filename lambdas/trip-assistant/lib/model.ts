/**
 * One chat completion from an OpenAI-compatible endpoint, with the official client library. The
 * client is made once per container (and again only when the key or base URL changes). Every
 * failure becomes an AgentConfigurationError or an UpstreamModelError with a message of our own:
 * the endpoint's own messages are never passed on, as OpenAI's 401 message quotes part of the key.
 */
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { type AgentReply, type AgentRequest, OPENAI_DEFAULTS, SYSTEM_PROMPT } from "../contract";
import { AgentConfigurationError, UpstreamModelError } from "./errors";

export interface ModelSettings {
  /** Base URL of the OpenAI-compatible API, e.g. https://api.openai.com/v1. */
  readonly baseURL: string;
  readonly model: string;
}

let client: { apiKey: string; baseURL: string; openai: OpenAI } | undefined;

function clientFor(apiKey: string, baseURL: string): OpenAI {
  if (client?.apiKey !== apiKey || client.baseURL !== baseURL) {
    const openai = new OpenAI({
      apiKey,
      baseURL,
      maxRetries: OPENAI_DEFAULTS.maxRetries,
      timeout: OPENAI_DEFAULTS.requestTimeoutMs,
      // Only what we pass: no organization or project from a stray environment variable.
      organization: null,
      project: null,
    });
    client = { apiKey, baseURL, openai };
  }
  return client.openai;
}

/** The endpoint's host, for messages (never the path, query or credentials). */
function host(baseURL: string): string {
  try {
    return new URL(baseURL).host;
  } catch {
    return "the model endpoint";
  }
}

/** Our error for a failure of the client library (status and code only, never the upstream text). */
export function modelError(err: unknown, settings: ModelSettings): Error {
  const where = host(settings.baseURL);
  if (err instanceof APIConnectionTimeoutError || err instanceof APIUserAbortError) {
    return new UpstreamModelError(`the model endpoint ${where} did not answer in time`);
  }
  if (err instanceof APIConnectionError) return new UpstreamModelError(`could not reach the model endpoint ${where}`);
  if (err instanceof APIError) {
    const code = typeof err.code === "string" && /^[\w.-]{1,64}$/.test(err.code) ? ` (${err.code})` : "";
    if (err.status === 401) {
      return new AgentConfigurationError(`the model endpoint ${where} rejected the OpenAI API key (401)${code}`);
    }
    if (err.status === 403) {
      return new AgentConfigurationError(`the OpenAI API key may not use model ${settings.model} (403)${code}`);
    }
    if (err.status === 404) {
      return new UpstreamModelError(`the model endpoint ${where} does not know model ${settings.model} (404)${code}`);
    }
    if (err.status === 429) {
      return new UpstreamModelError(`the model endpoint ${where} is rate limiting or out of quota (429)${code}`);
    }
    return new UpstreamModelError(`the model endpoint ${where} answered ${err.status ?? "an error"}${code}`);
  }
  return new UpstreamModelError(`the model call failed (${err instanceof Error ? err.name : "unknown error"})`);
}

/**
 * The assistant's reply to `request` (system prompt, earlier turns, then the message), within
 * `timeoutMs` in all (retries included), so the agent answers before Lambda stops it. Throws
 * AgentConfigurationError or UpstreamModelError.
 */
export async function complete(
  request: AgentRequest,
  apiKey: string,
  settings: ModelSettings,
  timeoutMs: number = OPENAI_DEFAULTS.requestTimeoutMs,
): Promise<AgentReply> {
  const openai = clientFor(apiKey, settings.baseURL);
  let completion: OpenAI.Chat.Completions.ChatCompletion;
  try {
    completion = await openai.chat.completions.create(
      {
        model: settings.model,
        messages: [
          { role: "system", content: SYSTEM_PROMPT },
          ...(request.history ?? []).map((t) => ({ role: t.role, content: t.content })),
          { role: "user", content: request.message },
        ],
        max_completion_tokens: OPENAI_DEFAULTS.maxCompletionTokens,
      },
      // Each attempt may take requestTimeoutMs; all attempts together end at the deadline.
      { timeout: OPENAI_DEFAULTS.requestTimeoutMs, signal: AbortSignal.timeout(Math.max(1, timeoutMs)) },
    );
  } catch (err) {
    throw modelError(err, settings);
  }
  const reply = completion.choices?.[0]?.message?.content;
  if (typeof reply !== "string" || reply.trim() === "") {
    throw new UpstreamModelError(`the model endpoint ${host(settings.baseURL)} returned no reply`);
  }
  return {
    reply,
    model: completion.model || settings.model,
    ...(completion.usage
      ? {
          usage: { promptTokens: completion.usage.prompt_tokens, completionTokens: completion.usage.completion_tokens },
        }
      : {}),
  };
}
