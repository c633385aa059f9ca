import { type AppConfig, settingsOf } from "../../config";
import { fitName, NAME_LIMITS } from "../../constructs/names";
import type { SystemIdentity } from "../system";
import { SALES_PLATFORM_SECTION, type SalesPlatformSettings } from "./settings";

/** The sales platform's names: `<prefix>-<env>-<what>`, fitted to AWS's limits. */
export function salesPlatformNames(config: AppConfig) {
  const prefix = settingsOf(config, SALES_PLATFORM_SECTION).prefix;
  const env = config.platform.environment;
  const named = (what: string, limit = 255) => fitName(`${prefix}-${env}-${what}`, limit);
  return {
    namePrefix: prefix,
    /** State keys: `sales-platform/<env>/<stack>.tfstate`. */
    statePrefix: "sales-platform",
    /** The data bucket is `<s3_bucket_name>-<suffix>`: the deploy role may own these bases too. */
    bucketPatterns: [...settingsOf(config, SALES_PLATFORM_SECTION).deployBuckets.map((b) => `${b}-*`)],
    named,
    functionName: (id: string) => named(id, NAME_LIMITS.lambdaFunction),
    roleName: (what: string) => named(`${what}-role`, NAME_LIMITS.iamRole),
    table: named("sales-data"),
    alertsTopic: named("alerts", NAME_LIMITS.snsTopic),
    reportsTopic: named("daily-reports", NAME_LIMITS.snsTopic),
    uploadProcessor: named("upload-processor", NAME_LIMITS.stateMachine),
    dailyAnalysis: named("daily-analysis", NAME_LIMITS.stateMachine),
    api: named("api", NAME_LIMITS.httpApi),
    uploadRule: named("upload-created", 64),
    scheduleRule: named("daily-analysis-schedule", 64),
  };
}

export type SalesPlatformNames = ReturnType<typeof salesPlatformNames>;

/** sales-platform: its id, settings and names (its stacks' SystemStack identity). */
export const SALES_PLATFORM: SystemIdentity<SalesPlatformNames, SalesPlatformSettings> = {
  id: SALES_PLATFORM_SECTION.system,
  settings: SALES_PLATFORM_SECTION,
  names: salesPlatformNames,
};
