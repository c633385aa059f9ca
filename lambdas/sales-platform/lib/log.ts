/**
 * Structured logs honouring LOG_LEVEL (the `log_level` variable: DEBUG, INFO, WARNING, ERROR,
 * CRITICAL). Lines below the level are dropped; an unknown level means INFO.
 */
import { type LogFields, log as write } from "../../shared/log";
import { ENV } from "../contract";

const RANK = { DEBUG: 10, INFO: 20, WARNING: 30, WARN: 30, ERROR: 40, CRITICAL: 50 } as const;
const LEVEL_OF = { debug: "DEBUG", info: "INFO", warn: "WARNING", error: "ERROR" } as const;

function threshold(): number {
  const level = (process.env[ENV.logLevel] ?? "INFO").toUpperCase() as keyof typeof RANK;
  return RANK[level] ?? RANK.INFO;
}

/** Whether a line of `level` is written under the current LOG_LEVEL. */
export function enabled(level: keyof typeof LEVEL_OF): boolean {
  return RANK[LEVEL_OF[level]] >= threshold();
}

export const logger = {
  debug: (msg: string, fields?: LogFields) => enabled("debug") && write("debug", msg, fields),
  info: (msg: string, fields?: LogFields) => enabled("info") && write("info", msg, fields),
  warn: (msg: string, fields?: LogFields) => enabled("warn") && write("warn", msg, fields),
  error: (msg: string, fields?: LogFields) => enabled("error") && write("error", msg, fields),
};
export { errorFields } from "../../shared/log";
