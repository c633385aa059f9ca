/**
 * Settings of the sales data platform: names and structure, fixed at synth. Its deploy-time
 * inputs (s3_bucket_name, alert_email, prefixes, expected_stores, the model,
 * the schedule, ...) are Terraform variables of the stack, not settings.
 */
import type { SettingsSection } from "../../config";
import { matches, oneOf, type SettingsReader } from "../../config/settings";

export const SALES_PLATFORM_AUTHORIZATIONS = ["NONE", "AWS_IAM"] as const;
export type SalesPlatformAuthorization = (typeof SALES_PLATFORM_AUTHORIZATIONS)[number];

export interface SalesPlatformSettings {
  /** Function, role, table, topic, state machine and API names are `<prefix>-<env>-<what>`. */
  readonly prefix: string;
  /**
   * Authorization of the REST API's five routes: NONE (the default: the frontend calls it from the
   * browser; CORS-restricted to `frontend_origin` and throttled) or AWS_IAM (SigV4-signed callers).
   */
  readonly apiAuthorization: SalesPlatformAuthorization;
  /**
   * Whether the stack sets the region's API Gateway account setting (the CloudWatch role stage
   * logging needs). One per account and region: turn it off when the account has it already.
   */
  readonly manageApiGatewayAccount: boolean;
  /**
   * Bucket base names (`s3_bucket_name` values) the GitHub deploy role may own besides
   * `<prefix>-*`: the bucket is named at deploy time, the role at bootstrap.
   */
  readonly deployBuckets: readonly string[];
}

export const SALES_PLATFORM_SETTINGS = {
  prefix: { env: "SALES_PLATFORM_PREFIX", context: "sales-platform:prefix" },
  apiAuthorization: { env: "SALES_PLATFORM_API_AUTHORIZATION", context: "sales-platform:apiAuthorization" },
  manageApiGatewayAccount: {
    env: "SALES_PLATFORM_MANAGE_API_GATEWAY_ACCOUNT",
    context: "sales-platform:manageApiGatewayAccount",
  },
  deployBuckets: { env: "SALES_PLATFORM_DEPLOY_BUCKETS", context: "sales-platform:deployBuckets" },
} as const;

export function readSalesPlatformSettings(r: SettingsReader): SalesPlatformSettings {
  const S = SALES_PLATFORM_SETTINGS;
  return {
    // 2-20 characters keeps `<prefix>-<env>-generate-recommendations` (the longest function
    // name) within Lambda's 64 without shortening; longer names would still be fitted.
    prefix: r.string(
      S.prefix,
      "sales",
      matches(
        /^[a-z][a-z0-9-]{0,18}[a-z0-9]$/,
        "must be 2-20 characters of lowercase letters, digits and hyphens, starting with a letter",
      ),
    ),
    apiAuthorization: r.string(
      S.apiAuthorization,
      "NONE",
      oneOf(SALES_PLATFORM_AUTHORIZATIONS),
    ) as SalesPlatformAuthorization,
    manageApiGatewayAccount: r.boolean(S.manageApiGatewayAccount, true),
    deployBuckets: r.list(
      S.deployBuckets,
      [],
      matches(
        /^[a-z0-9][a-z0-9.-]{1,53}[a-z0-9]$/,
        "must be an s3_bucket_name value (3-55 lowercase letters, digits, dots, hyphens)",
      ),
    ),
  };
}

/** The section the registry loads: sales-platform's settings, validated with the rest. */
export const SALES_PLATFORM_SECTION: SettingsSection<SalesPlatformSettings> = {
  system: "sales-platform",
  read: readSalesPlatformSettings,
};
