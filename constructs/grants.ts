// Shared helpers of the grant pattern: re-exported so constructs import one place.
export type { IGrantable, PolicyStatement } from "./iam";

/** An IAM statement id from a construct id: alphanumeric PascalCase. */
export function pascalSid(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join("");
}
