/** Classifies AWS SDK errors by name and HTTP status without importing the clients' classes. */
interface SdkError {
  name?: string;
  $metadata?: { httpStatusCode?: number };
}

function asSdkError(err: unknown): SdkError {
  return typeof err === "object" && err !== null ? (err as SdkError) : {};
}

export function errorName(err: unknown): string | undefined {
  return asSdkError(err).name;
}

export function httpStatus(err: unknown): number | undefined {
  return asSdkError(err).$metadata?.httpStatusCode;
}

/** A DynamoDB write whose condition did not hold. */
export function isConditionalCheckFailed(err: unknown): boolean {
  return errorName(err) === "ConditionalCheckFailedException";
}

/**
 * Why a DynamoDB TransactWriteItems was cancelled: one code per item, in the request's order
 * ("None" for an item that was fine); empty for any other error.
 */
export function cancellationCodes(err: unknown): string[] {
  if (errorName(err) !== "TransactionCanceledException") return [];
  const reasons = (err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.map((r) => r.Code ?? "None");
}

/** An S3 object that is not there (404). */
export function isNoSuchKey(err: unknown): boolean {
  const name = errorName(err);
  return name === "NoSuchKey" || name === "NotFound" || httpStatus(err) === 404;
}

/**
 * 403 on an object read. Without s3:ListBucket (the roles have none), S3 answers 403 instead of
 * 404 for a missing key, so callers treat it as "maybe missing".
 */
export function isAccessDenied(err: unknown): boolean {
  return errorName(err) === "AccessDenied" || httpStatus(err) === 403;
}

/** An S3 conditional write (If-None-Match: *) refused because the object exists. */
export function isPreconditionFailed(err: unknown): boolean {
  return errorName(err) === "PreconditionFailed" || httpStatus(err) === 412;
}

/**
 * An event or step input a handler cannot work on. The name is what Lambda reports as the
 * errorType, and what state machines match in their Catch clauses: keep it "InvalidInput".
 */
export class InvalidInput extends Error {
  override name = "InvalidInput" as const;
}
