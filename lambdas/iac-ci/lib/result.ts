import { RESULT_STATUSES, type ResultStatus } from "../contract";

/** One command of a run. Output is the tail only (WORKER_LIMITS.outputTailBytes per stream). */
export interface CommandResult {
  readonly index: number;
  readonly command: string;
  /** Exit code, or null when the command was killed by a signal. */
  readonly exit_code: number | null;
  readonly signal: string | null;
  readonly timed_out: boolean;
  readonly duration_ms: number;
  readonly stdout_tail: string;
  readonly stderr_tail: string;
  /** Total bytes the command wrote (the tails may be shorter). */
  readonly stdout_bytes: number;
  readonly stderr_bytes: number;
}

/** The result.json document under tmp/callbacks/runs/<order>/. */
export interface RunResult {
  readonly order_id: string;
  readonly status: ResultStatus;
  /** Who wrote it: the worker (lambda or codebuild), the watchdog, or the orchestrator. */
  readonly source: "lambda" | "codebuild" | "watchdog" | "orchestrator";
  readonly reason?: string;
  readonly started_at?: string;
  readonly finished_at: string;
  readonly duration_ms?: number;
  /** Exit code of the last command run (the failing one, if any). */
  readonly exit_code?: number | null;
  readonly commands?: readonly CommandResult[];
}

export type ParsedResult = { ok: true; result: RunResult } | { ok: false; reason: string };

/** Reads a result.json body; anything unusable is reported with the reason, never thrown. */
export function parseRunResult(text: string, orderId: string): ParsedResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: "malformed result.json: not valid JSON" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, reason: "malformed result.json: not a JSON object" };
  }
  const r = value as Record<string, unknown>;
  if (typeof r.status !== "string" || !(RESULT_STATUSES as readonly string[]).includes(r.status)) {
    return { ok: false, reason: `malformed result.json: status must be one of ${RESULT_STATUSES.join(", ")}` };
  }
  if (r.order_id !== undefined && r.order_id !== orderId) {
    return { ok: false, reason: `malformed result.json: order_id ${String(r.order_id)} is not ${orderId}` };
  }
  return { ok: true, result: { ...(value as RunResult), order_id: orderId } };
}
