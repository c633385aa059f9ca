/**
 * The model-share kit: input validation and opaque page tokens, free of AWS SDK imports. The
 * function bundles it; the optional layer ships the same code as the `model-share-kit` module.
 *
 * Every rejection is an InputError naming the field. Callers recognise it by `name` and
 * `field` (isInputError), never by `instanceof`: the layer's copy of this module defines its
 * own class.
 */
import { KIT, LIMITS, TABLE_ID_PATTERN, USERNAME_PATTERN } from "../contract";

/** The kit's interface version; the function uses a layer's kit only when it matches. */
export const KIT_API_VERSION: number = KIT.apiVersion;

export class InputError extends Error {
  override name = "InputError";
  constructor(
    readonly field: string,
    message: string,
    /** 400, or 413 for an oversized body. */
    readonly status: 400 | 413 = 400,
  ) {
    super(message);
  }
}

export function isInputError(err: unknown): err is InputError {
  return (
    typeof err === "object" &&
    err !== null &&
    (err as { name?: unknown }).name === "InputError" &&
    typeof (err as { field?: unknown }).field === "string"
  );
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A table id (path or body): 1-64 letters, digits, _ and -, starting with a letter or digit. */
export function tableId(value: unknown, field = "tableId"): string {
  if (typeof value !== "string" || !TABLE_ID_PATTERN.test(value)) {
    throw new InputError(field, `${field} must be 1-64 letters, digits, _ or -, starting with a letter or digit`);
  }
  return value;
}

/** A username: 1-64 letters, digits, . _ and -, starting with a letter or digit. */
export function username(value: unknown, field = "username"): string {
  if (typeof value !== "string" || !USERNAME_PATTERN.test(value)) {
    throw new InputError(field, `${field} must be 1-64 letters, digits, ., _ or -, starting with a letter or digit`);
  }
  return value;
}

/** A display name: 1-128 characters once trimmed, no control characters. */
export function displayName(value: unknown, field = "displayName"): string {
  const text = typeof value === "string" ? value.trim() : undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  if (!text || text.length > LIMITS.maxDisplayNameLength || /[\u0000-\u001f\u007f]/.test(text)) {
    throw new InputError(
      field,
      `${field} must be a string of 1-${LIMITS.maxDisplayNameLength} characters without control characters`,
    );
  }
  return text;
}

/** A count (submissionCount, totalCount): an integer from 0 to LIMITS.maxCount. */
export function count(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > LIMITS.maxCount) {
    throw new InputError(field, `${field} must be an integer from 0 to ${LIMITS.maxCount}`);
  }
  return value;
}

/** A version a write expects (optimistic concurrency): an integer >= 0; 0 means "must not exist yet". */
export function version(value: unknown, field = "expectedVersion"): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new InputError(field, `${field} must be an integer >= 0 (0: the item must not exist yet)`);
  }
  return value;
}

export function flag(value: unknown, field: string): boolean {
  if (typeof value !== "boolean") throw new InputError(field, `${field} must be true or false`);
  return value;
}

/**
 * A JSON object body: at most LIMITS.maxBodyBytes (413 beyond), valid JSON, an object, with no
 * field outside `allowed` (a typo is named, not ignored).
 */
export function jsonBody(raw: Buffer, allowed: readonly string[]): Record<string, unknown> {
  if (raw.length > LIMITS.maxBodyBytes) {
    throw new InputError("body", `the request body must be at most ${LIMITS.maxBodyBytes} bytes`, 413);
  }
  if (raw.length === 0) throw new InputError("body", "a JSON object body is required");
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString("utf8"));
  } catch {
    throw new InputError("body", "the request body is not valid JSON");
  }
  if (!isObject(parsed)) throw new InputError("body", "the request body must be a JSON object");
  const unknown = Object.keys(parsed).filter((k) => !allowed.includes(k));
  if (unknown.length) {
    throw new InputError(unknown.sort()[0], `unknown field(s): ${unknown.join(", ")}; allowed: ${allowed.join(", ")}`);
  }
  return parsed;
}

/** Refuses query parameters outside `allowed` (a misspelt `limt` is named, not ignored). */
export function queryParameters(
  params: Readonly<Record<string, string | undefined>> | undefined,
  allowed: readonly string[],
): Record<string, string | undefined> {
  const given = params ?? {};
  const unknown = Object.keys(given).filter((k) => !allowed.includes(k));
  if (unknown.length) {
    throw new InputError(
      unknown.sort()[0],
      `unknown query parameter(s): ${unknown.join(", ")}; allowed: ${allowed.join(", ") || "none"}`,
    );
  }
  return { ...given };
}

/** The `limit` query parameter: 1 to LIMITS.maxPageSize, LIMITS.defaultPageSize when absent. */
export function pageLimit(value: string | undefined): number {
  if (value === undefined) return LIMITS.defaultPageSize;
  const n = /^\d{1,4}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 1 && n <= LIMITS.maxPageSize)) {
    throw new InputError("limit", `limit must be an integer from 1 to ${LIMITS.maxPageSize}`);
  }
  return n;
}

/** A `true`/`false` query parameter, or undefined when absent. */
export function booleanParameter(value: string | undefined, field: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === "true" || value === "false") return value === "true";
  throw new InputError(field, `${field} must be true or false`);
}

/** A page position: the key DynamoDB answered as LastEvaluatedKey (string attributes only). */
export type PageKey = Record<string, string>;

/** The opaque `nextToken` of a page position. */
export function encodePageToken(key: PageKey): string {
  return Buffer.from(JSON.stringify(key), "utf8").toString("base64url");
}

/**
 * The page position of a `nextToken`, or undefined when none was given. The token must decode
 * to exactly `keyNames` and pass `belongs` (the caller checks it points into the same listing,
 * so a token of one table's users cannot page through another's).
 */
export function decodePageToken(
  token: string | undefined,
  keyNames: readonly string[],
  belongs: (key: PageKey) => boolean,
): PageKey | undefined {
  if (token === undefined) return undefined;
  const invalid = () => new InputError("nextToken", "nextToken is not a token this listing returned");
  if (token.length === 0 || token.length > LIMITS.maxPageTokenLength || !/^[A-Za-z0-9_-]+$/.test(token)) {
    throw invalid();
  }
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  if (!isObject(key)) throw invalid();
  const names = Object.keys(key).sort();
  if (names.join(",") !== [...keyNames].sort().join(",") || !names.every((n) => typeof key[n] === "string")) {
    throw invalid();
  }
  const pageKey = key as PageKey;
  if (!belongs(pageKey)) throw invalid();
  return pageKey;
}
