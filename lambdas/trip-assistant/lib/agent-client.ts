/**
 * How the API asks the agent: a synchronous Invoke of the agent's `live` alias, and the mapping
 * of every way that can fail to a 502 with a message a client can act on. The agent's own error
 * text (which names parameters and endpoints) goes to the API's log, not to the client.
 */
import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { lambda } from "../../shared/clients/lambda";
import { errorName } from "../../shared/errors";
import { AGENT_ERRORS, type AgentReply, type AgentRequest } from "../contract";

export type AgentOutcome =
  | { readonly ok: true; readonly reply: AgentReply }
  | {
      readonly ok: false;
      /** Always 502: the API is a gateway to the agent, and the agent failed. */
      readonly status: 502;
      /** Machine-readable error code of the response body. */
      readonly error: string;
      /** For the client. */
      readonly message: string;
      /** For the log: what the agent or Lambda said. */
      readonly detail: string;
    };

const failure = (error: string, message: string, detail: string): AgentOutcome => ({
  ok: false,
  status: 502,
  error,
  message,
  detail,
});

/** What an Invoke answered (the fields of InvokeCommandOutput this mapping reads). */
export interface InvokeAnswer {
  readonly FunctionError?: string;
  readonly Payload?: Uint8Array;
}

function parsePayload(payload: Uint8Array | undefined): unknown {
  if (!payload || payload.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.from(payload).toString("utf8"));
  } catch {
    return undefined;
  }
}

const isReply = (v: unknown): v is AgentReply =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as AgentReply).reply === "string" &&
  typeof (v as AgentReply).model === "string";

/** The outcome of an Invoke that returned (the function ran, or Lambda reported its failure). */
export function outcomeOf(answer: InvokeAnswer): AgentOutcome {
  const payload = parsePayload(answer.Payload);
  if (answer.FunctionError) {
    const { errorType, errorMessage } = (payload ?? {}) as { errorType?: string; errorMessage?: string };
    const detail = `${errorType ?? answer.FunctionError}: ${errorMessage ?? "(no message)"}`;
    switch (errorType) {
      case AGENT_ERRORS.configuration:
        return failure(
          "agent_misconfigured",
          "The assistant is not configured correctly (its model API key is missing or was rejected). Please contact the operators.",
          detail,
        );
      case AGENT_ERRORS.upstream:
        return failure(
          "model_unavailable",
          "The language model service did not answer successfully. Please try again in a moment.",
          detail,
        );
      case AGENT_ERRORS.request:
        return failure("agent_rejected_request", "The assistant could not process this request.", detail);
      case "Sandbox.Timedout":
        return failure("agent_timeout", "The assistant took too long to answer. Please try again.", detail);
      default:
        if (/timed out/i.test(errorMessage ?? "")) {
          return failure("agent_timeout", "The assistant took too long to answer. Please try again.", detail);
        }
        return failure("agent_failed", "The assistant failed unexpectedly. Please try again later.", detail);
    }
  }
  if (!isReply(payload))
    return failure("agent_bad_reply", "The assistant gave an unusable answer.", "reply payload is not an AgentReply");
  return { ok: true, reply: payload };
}

/** The outcome of an Invoke that threw (Lambda refused it, or it did not answer in time). */
export function outcomeOfError(err: unknown): AgentOutcome {
  const name = errorName(err) ?? "Error";
  const detail = `${name}: ${err instanceof Error ? err.message : String(err)}`;
  if (name === "AbortError" || name === "TimeoutError") {
    return failure("agent_timeout", "The assistant took too long to answer. Please try again.", detail);
  }
  if (name === "TooManyRequestsException") {
    return failure("agent_busy", "The assistant is busy. Please try again in a moment.", detail);
  }
  return failure("agent_unavailable", "The assistant is not available right now. Please try again later.", detail);
}

/** Invokes the agent synchronously (RequestResponse) and gives up after `timeoutMs`. */
export async function askAgent(
  functionName: string,
  request: AgentRequest,
  timeoutMs: number,
  client: LambdaClient = lambda(),
): Promise<AgentOutcome> {
  try {
    const answer = await client.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: "RequestResponse",
        Payload: Buffer.from(JSON.stringify(request)),
      }),
      { abortSignal: AbortSignal.timeout(Math.max(1, timeoutMs)) },
    );
    return outcomeOf(answer);
  } catch (err) {
    return outcomeOfError(err);
  }
}
