import { DEFAULT_RUNNER, ORDER_NAME_PATTERN, RUN_LIMITS, RUNNERS, type Runner, WEBHOOK_LIMITS } from "../contract";

/** A validated order request (the webhook body). */
export interface OrderRequest {
  readonly order_name: string;
  readonly commands: readonly string[];
  readonly runner: Runner;
  readonly timeout_seconds: number;
}

export type Validation = { ok: true; order: OrderRequest } | { ok: false; field: string; message: string };

const FIELDS = ["order_name", "commands", "runner", "timeout_seconds"] as const;

const invalid = (field: string, message: string): Validation => ({ ok: false, field, message: `${field}: ${message}` });

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks a parsed webhook body. Unknown fields are refused (a misspelt `timeout` must not fall
 * back silently to the default); every message starts with the field it is about.
 */
export function validateOrder(body: unknown): Validation {
  if (!isRecord(body)) return invalid("body", "must be a JSON object");
  for (const key of Object.keys(body)) {
    if (!(FIELDS as readonly string[]).includes(key)) return invalid(key, "unknown field");
  }

  const { order_name, commands, runner = DEFAULT_RUNNER, timeout_seconds } = body;
  if (typeof order_name !== "string" || order_name.length === 0) {
    return invalid("order_name", "required, a non-empty string");
  }
  if (order_name.length > WEBHOOK_LIMITS.maxOrderNameLength) {
    return invalid("order_name", `at most ${WEBHOOK_LIMITS.maxOrderNameLength} characters`);
  }
  if (!ORDER_NAME_PATTERN.test(order_name)) {
    return invalid("order_name", "letters, digits and . _ : / - only, starting with a letter or digit");
  }

  if (!Array.isArray(commands) || commands.length === 0) {
    return invalid("commands", "required, a non-empty array of strings");
  }
  if (commands.length > WEBHOOK_LIMITS.maxCommands) {
    return invalid("commands", `at most ${WEBHOOK_LIMITS.maxCommands} commands`);
  }
  for (const [i, command] of commands.entries()) {
    if (typeof command !== "string" || command.trim().length === 0) {
      return invalid(`commands[${i}]`, "must be a non-empty string");
    }
    if (command.length > WEBHOOK_LIMITS.maxCommandLength) {
      return invalid(`commands[${i}]`, `at most ${WEBHOOK_LIMITS.maxCommandLength} characters`);
    }
  }

  if (typeof runner !== "string" || !(RUNNERS as readonly string[]).includes(runner)) {
    return invalid("runner", `must be one of ${RUNNERS.join(", ")}`);
  }
  const limits = RUN_LIMITS[runner as Runner];
  const timeout = timeout_seconds ?? limits.defaultTimeoutSeconds;
  if (typeof timeout !== "number" || !Number.isInteger(timeout)) {
    return invalid("timeout_seconds", "must be an integer number of seconds");
  }
  if (timeout < limits.minTimeoutSeconds || timeout > limits.maxTimeoutSeconds) {
    return invalid(
      "timeout_seconds",
      `must be between ${limits.minTimeoutSeconds} and ${limits.maxTimeoutSeconds} for runner ${runner}`,
    );
  }

  return {
    ok: true,
    order: { order_name, commands: commands as string[], runner: runner as Runner, timeout_seconds: timeout },
  };
}
