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

/** What an X-Ray-traced service needs (as AWSXRayDaemonWriteAccess); X-Ray has no resource-level permissions. */
export const XRAY_WRITE_ACTIONS = [
  "xray:GetSamplingRules",
  "xray:GetSamplingTargets",
  "xray:PutTelemetryRecords",
  "xray:PutTraceSegments",
] as const;
export const XRAY_WILDCARD_REASON = "X-Ray tracing APIs support no resource-level permissions";
