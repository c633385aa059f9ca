/**
 * The stack's Terraform variables, with their defaults and validation rules as originally
 * specified: deploy-time inputs of the synthesized stack
 * (`terraform plan -var-file=<name>-terraform.tfvars`), never settings.
 * Rules that relate two variables are preconditions in the stack (Terraform 1.5 validations see
 * one variable only).
 */
import { TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import { DEFAULT_PREFIXES } from "../../lambdas/sales-platform/contract";

export const LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] as const;
export const DEFAULT_EXPECTED_STORES = "0001,0002,0003,0004,0005,0006,0007,0008,0009,0010,0011";
export const DEFAULT_MODEL_ID = "amazon.nova-lite-v1:0";

/** The regular expressions the validations use, as Terraform (RE2) patterns. */
export const PATTERNS = {
  bucketBase: "^[a-z0-9][a-z0-9.-]{1,53}[a-z0-9]$",
  email: "^[^@\\\\s]+@[^@\\\\s]+\\\\.[^@\\\\s]+$",
  region: "^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$",
  origin: "^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$",
  prefix: "^([A-Za-z0-9_=-]+/)+$",
  storeId: "^[A-Za-z0-9_-]{1,32}$",
  phone: "^\\\\+[1-9][0-9]{1,14}$",
  modelId: "^[a-z0-9-]+\\\\.[A-Za-z0-9._:-]+$",
  profileModelId: "^(us|eu|apac|us-gov|global)\\\\.",
  quicksightUser: "^arn:aws[a-z-]*:quicksight:[a-z0-9-]+:[0-9]{12}:user/.+$",
  schedule: "^(cron|rate)\\\\(.+\\\\)$",
  timezone: "^(UTC|[A-Za-z]+(/[A-Za-z0-9_+-]+){1,2})$",
} as const;

const rule = (condition: string, errorMessage: string) => ({ condition: `\${${condition}}`, errorMessage });

export function salesPlatformVariables(scope: Construct) {
  const v = (name: string, props: ConstructorParameters<typeof TerraformVariable>[2]) =>
    new TerraformVariable(scope, name, props);
  const prefixVar = (name: string, fallback: string, what: string) =>
    v(name, {
      type: "string",
      default: fallback,
      description: `S3 prefix for ${what} (ends with "/")`,
      validation: [
        rule(
          `can(regex("${PATTERNS.prefix}", var.${name}))`,
          `${name} must be one or more path segments of letters, digits, _ = - each ending with "/", such as "${fallback}".`,
        ),
      ],
    });
  return {
    s3BucketName: v("s3_bucket_name", {
      type: "string",
      description: "Base name for the S3 bucket (a random 7-character suffix is appended)",
      validation: [
        rule(
          `can(regex("${PATTERNS.bucketBase}", var.s3_bucket_name)) && !strcontains(var.s3_bucket_name, "..")`,
          "s3_bucket_name must be 3-55 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit (the suffix makes it 63 at most).",
        ),
      ],
    }),
    alertEmail: v("alert_email", {
      type: "string",
      description: "Email address for SNS alerts and daily reports",
      validation: [rule(`can(regex("${PATTERNS.email}", var.alert_email))`, "alert_email must be an email address.")],
    }),
    awsRegion: v("aws_region", {
      type: "string",
      default: "us-east-1",
      description: "AWS region",
      validation: [
        rule(
          `can(regex("${PATTERNS.region}", var.aws_region))`,
          "aws_region must be an AWS region code such as us-east-1.",
        ),
      ],
    }),
    frontendOrigin: v("frontend_origin", {
      type: "string",
      default: "http://localhost:3000",
      description: "Frontend URL for CORS (scheme://host[:port])",
      validation: [
        rule(
          `can(regex("${PATTERNS.origin}", var.frontend_origin))`,
          "frontend_origin must be an origin such as https://app.example.com (scheme, host, optional port; no path).",
        ),
      ],
    }),
    uploadPrefix: prefixVar("upload_prefix", DEFAULT_PREFIXES.upload, "uploads"),
    processedPrefix: prefixVar("processed_prefix", DEFAULT_PREFIXES.processed, "Parquet files"),
    rejectedPrefix: prefixVar("rejected_prefix", DEFAULT_PREFIXES.rejected, "rejected files"),
    expectedStores: v("expected_stores", {
      type: "string",
      default: DEFAULT_EXPECTED_STORES,
      description: "Comma-separated store IDs",
      validation: [
        rule(
          `length([for s in split(",", var.expected_stores) : s if trimspace(s) != ""]) > 0 && alltrue([for s in split(",", var.expected_stores) : can(regex("${PATTERNS.storeId}", trimspace(s)))])`,
          "expected_stores must list store ids (1-32 letters, digits, _ or -) separated by commas.",
        ),
        rule(
          `length(distinct([for s in split(",", var.expected_stores) : trimspace(s)])) == length(split(",", var.expected_stores))`,
          "expected_stores must not name a store twice.",
        ),
      ],
    }),
    alertPhone: v("alert_phone", {
      type: "string",
      default: "",
      description: "Phone for SMS alerts (E.164); empty for none",
      validation: [
        rule(
          `var.alert_phone == "" || can(regex("${PATTERNS.phone}", var.alert_phone))`,
          "alert_phone must be empty or an E.164 number such as +15551234567.",
        ),
      ],
    }),
    bedrockModelId: v("bedrock_model_id", {
      type: "string",
      default: DEFAULT_MODEL_ID,
      description: "Bedrock model for AI recommendations (a foundation model id)",
      validation: [
        rule(
          `can(regex("${PATTERNS.modelId}", var.bedrock_model_id))`,
          "bedrock_model_id must be a Bedrock model id such as amazon.nova-lite-v1:0.",
        ),
        rule(
          `!can(regex("${PATTERNS.profileModelId}", var.bedrock_model_id))`,
          "bedrock_model_id must be a foundation model id (inference profiles such as us.amazon.nova-lite-v1:0 are not supported: the IAM grant names the foundation model).",
        ),
      ],
    }),
    logLevel: v("log_level", {
      type: "string",
      default: "INFO",
      description: "Lambda log level",
      validation: [
        rule(
          `contains(${JSON.stringify(LOG_LEVELS)}, var.log_level)`,
          `log_level must be one of ${LOG_LEVELS.join(", ")}.`,
        ),
      ],
    }),
    enableQuicksight: v("enable_quicksight", {
      type: "bool",
      default: false,
      description: "Enable QuickSight resources (data sources and datasets over the quicksight/ exports)",
    }),
    quicksightUserArn: v("quicksight_user_arn", {
      type: "string",
      default: "",
      description: "QuickSight user ARN that owns the data sources and datasets (required with enable_quicksight)",
      validation: [
        rule(
          `var.quicksight_user_arn == "" || can(regex("${PATTERNS.quicksightUser}", var.quicksight_user_arn))`,
          "quicksight_user_arn must be empty or a QuickSight user ARN (arn:<partition>:quicksight:<region>:<account>:user/<namespace>/<name>).",
        ),
      ],
    }),
    dailyAnalysisSchedule: v("daily_analysis_schedule", {
      type: "string",
      default: "cron(0 23 * * ? *)",
      description: "Cron for scheduled daily analysis (UTC)",
      validation: [
        rule(
          `can(regex("${PATTERNS.schedule}", var.daily_analysis_schedule))`,
          "daily_analysis_schedule must be an EventBridge schedule expression: cron(...) or rate(...).",
        ),
      ],
    }),
    dailyAnalysisTimezone: v("daily_analysis_timezone", {
      type: "string",
      default: "America/New_York",
      description: 'Timezone for "today" in analysis (IANA name)',
      validation: [
        rule(
          `can(regex("${PATTERNS.timezone}", var.daily_analysis_timezone))`,
          "daily_analysis_timezone must be an IANA time zone name such as America/New_York, or UTC.",
        ),
      ],
    }),
    enableScheduledAnalysis: v("enable_scheduled_analysis", {
      type: "bool",
      default: true,
      description: "Enable scheduled fallback trigger",
    }),
  };
}
export type SalesPlatformVariables = ReturnType<typeof salesPlatformVariables>;
