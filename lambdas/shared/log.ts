/**
 * Structured logs: one JSON object per line, always with a level and a message, usually with
 * the order id. Never pass secrets, signatures or presigned URLs in `fields`.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

export type LogFields = Record<string, unknown>;

export function log(level: LogLevel, msg: string, fields: LogFields = {}): void {
  const line = JSON.stringify({ level, msg, time: new Date().toISOString(), ...fields });
  if (level === "error" || level === "warn") console.error(line);
  else console.log(line);
}

/** A short, loggable description of any thrown value. */
export function errorFields(err: unknown): LogFields {
  if (err instanceof Error) return { error: err.name, reason: err.message };
  return { error: "Error", reason: String(err) };
}
