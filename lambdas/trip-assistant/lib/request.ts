/**
 * The one validation of a chat request, used by the API (to answer 400 naming the field) and by
 * the agent (which may be invoked by other callers too).
 */
import { type AgentRequest, type ChatTurn, LIMITS } from "../contract";

/** A request that breaks a rule; `field` is the JSON path of the offending value. */
export class RequestError extends Error {
  override name = "RequestError";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function text(value: unknown, field: string, maxChars: number): string {
  if (typeof value !== "string") throw new RequestError(field, `${field} must be a string`);
  if (value.trim() === "") throw new RequestError(field, `${field} must not be empty`);
  if (value.length > maxChars) throw new RequestError(field, `${field} must be at most ${maxChars} characters`);
  return value;
}

/** The request as an AgentRequest, or a RequestError naming the first field that is wrong. */
export function parseAgentRequest(body: unknown): AgentRequest {
  if (!isObject(body)) throw new RequestError("body", "body must be a JSON object");
  const unknown = Object.keys(body).filter((k) => k !== "message" && k !== "history");
  if (unknown.length) {
    throw new RequestError(unknown.sort()[0], `unknown field(s): ${unknown.sort().join(", ")}`);
  }
  if (body.message === undefined) throw new RequestError("message", "message is required");
  const message = text(body.message, "message", LIMITS.maxMessageChars);
  if (body.history === undefined) return { message };
  if (!Array.isArray(body.history)) throw new RequestError("history", "history must be an array");
  if (body.history.length > LIMITS.maxHistoryTurns) {
    throw new RequestError("history", `history must hold at most ${LIMITS.maxHistoryTurns} turns`);
  }
  const history: ChatTurn[] = body.history.map((turn, i) => {
    const at = `history[${i}]`;
    if (!isObject(turn)) throw new RequestError(at, `${at} must be an object with role and content`);
    const extra = Object.keys(turn).filter((k) => k !== "role" && k !== "content");
    if (extra.length)
      throw new RequestError(`${at}.${extra.sort()[0]}`, `${at} has unknown field(s): ${extra.sort().join(", ")}`);
    if (turn.role !== "user" && turn.role !== "assistant") {
      throw new RequestError(`${at}.role`, `${at}.role must be "user" or "assistant"`);
    }
    return { role: turn.role, content: text(turn.content, `${at}.content`, LIMITS.maxTurnChars) };
  });
  return { message, history };
}
