import { createHash } from "node:crypto";
import { Token } from "cdktf";

/** Length limits AWS puts on the physical names we compose. */
export const NAME_LIMITS = {
  iamRole: 64,
  lambdaFunction: 64,
  s3Bucket: 63,
  stateMachine: 80,
  logGroup: 512,
  sqsQueue: 80,
  dynamodbTable: 255,
  codebuildProject: 255,
  ecrRepository: 256,
  httpApi: 128,
  snsTopic: 256,
} as const;

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
export type LogRetentionDays = (typeof LOG_RETENTION_DAYS)[number];

/** Throws, naming the construct, unless `days` is a CloudWatch retention value. */
export function assertRetention(path: string, days: number): void {
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(days)) {
    throw new Error(`${path}: log retention ${days} must be one of ${LOG_RETENTION_DAYS.join(", ")} (days)`);
  }
}

/**
 * A physical name of at most `maxLength` characters: `name` itself when it fits, else its
 * head and an 8-hex-digit hash of the whole name, so two long names that share a head stay
 * distinct and the same input always gives the same name. Unresolved tokens pass unchanged.
 */
export function fitName(name: string, maxLength: number): string {
  if (Token.isUnresolved(name) || name.length <= maxLength) return name;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
  const head = name.slice(0, maxLength - hash.length - 1).replace(/[-_.]+$/, "");
  return `${head}-${hash}`;
}

/** Returns the reason a bucket name breaks S3's naming rules, or undefined when it is valid. */
export function s3BucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return "must be 3 to 63 characters long";
  if (/[A-Z]/.test(name)) return "must not contain capital letters";
  if (!/^[a-z0-9.-]+$/.test(name)) return "may contain only lowercase letters, digits, dots and hyphens";
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return "must begin and end with a letter or digit";
  if (name.includes("..")) return "must not contain two adjacent dots";
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return "must not be formatted as an IP address";
  if (name.startsWith("xn--") || name.startsWith("sthree-")) return "must not start with xn-- or sthree-";
  if (name.endsWith("-s3alias") || name.endsWith("--ol-s3")) return "must not end with -s3alias or --ol-s3";
  return undefined;
}

/** An IAM-safe PascalCase identifier from any text (construct paths, prefixes). */
export function pascalId(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join("");
}
