import type { Runner } from "../contract";
import type { GitSource } from "./github";

/** The job payload process_webhook writes to payloadKey(orderId); read by the worker (both runners). */
export interface JobPayload {
  readonly order_id: string;
  readonly order_name: string;
  readonly commands: readonly string[];
  readonly runner: Runner;
  readonly timeout_seconds: number;
  readonly received_at: string;
  /** The commit it builds, when the order came from a Git host's delivery. */
  readonly source?: GitSource;
}

/** What the orchestrator sends the worker function (asynchronous invoke). */
export interface WorkerEvent {
  readonly orderId: string;
  readonly payloadKey: string;
  readonly callbackUrl: string;
  /** Watchdog deadline, epoch seconds. */
  readonly deadline: number;
}

/** Parses and checks a payload document; throws with the reason when it is not one. */
export function parseJobPayload(text: string, orderId: string): JobPayload {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error("payload is not valid JSON");
  }
  if (typeof value !== "object" || value === null) throw new Error("payload is not a JSON object");
  const p = value as Record<string, unknown>;
  if (p.order_id !== orderId) throw new Error(`payload belongs to order ${String(p.order_id)}, not ${orderId}`);
  if (!Array.isArray(p.commands) || p.commands.length === 0 || !p.commands.every((c) => typeof c === "string")) {
    throw new Error("payload commands must be a non-empty array of strings");
  }
  if (typeof p.timeout_seconds !== "number" || !(p.timeout_seconds > 0)) {
    throw new Error("payload timeout_seconds must be a positive number");
  }
  if (p.source !== undefined) {
    const source = p.source as Record<string, unknown> | null;
    if (typeof source !== "object" || source === null || typeof source.sha !== "string") {
      throw new Error("payload source must be an object with the commit's sha");
    }
  }
  return value as JobPayload;
}
