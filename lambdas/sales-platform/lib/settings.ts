/**
 * The functions' settings, read from the environment the stack gives them (contract ENV). A
 * missing or malformed value is a deployment error: it fails loudly, naming the variable.
 */
import { requireEnv } from "../../shared/env";
import { ENV, ERRORS, STORE_ID_PATTERN } from "../contract";

export class ConfigurationError extends Error {
  override name = ERRORS.configuration;
}

/** An S3 prefix setting: non-empty, ends with "/". */
export function prefixSetting(name: string): string {
  const value = requireEnv(name);
  if (!value.endsWith("/") || value.startsWith("/")) {
    throw new ConfigurationError(`${name} must be a key prefix ending with "/" (got "${value}")`);
  }
  return value;
}

/** The expected store ids, in the order given, without blanks or duplicates. */
export function parseStoreList(text: string): string[] {
  const ids = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  const bad = ids.filter((id) => !STORE_ID_PATTERN.test(id));
  if (bad.length) throw new ConfigurationError(`${ENV.expectedStores} holds invalid store ids: ${bad.join(", ")}`);
  if (ids.length === 0) throw new ConfigurationError(`${ENV.expectedStores} names no store`);
  return [...new Set(ids)];
}

export function expectedStores(): string[] {
  return parseStoreList(requireEnv(ENV.expectedStores));
}

export const bucketName = (): string => requireEnv(ENV.bucket);
export const tableName = (): string => requireEnv(ENV.table);
