import type { AppConfig } from "../../config";
import { fitName, NAME_LIMITS } from "../../constructs/names";

/** The sales platform's names: `<prefix>-<env>-<what>`, fitted to AWS's limits. */
export function salesPlatformNames(config: AppConfig) {
  const prefix = config.salesPlatform.prefix;
  const env = config.platform.environment;
  const named = (what: string, limit = 255) => fitName(`${prefix}-${env}-${what}`, limit);
  return {
    namePrefix: prefix,
    /** State keys: `sales-platform/<env>/<stack>.tfstate`. */
    statePrefix: "sales-platform",
    /** The data bucket is `<s3_bucket_name>-<suffix>`: the deploy role may own these bases too. */
    bucketPatterns: [...config.salesPlatform.deployBuckets.map((b) => `${b}-*`)],
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
