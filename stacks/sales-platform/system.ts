import type { SystemDescriptor } from "../system";
import { SALES_PLATFORM, type SalesPlatformNames } from "./names";
import { SalesPlatformStack } from "./sales-platform-stack";
import type { SalesPlatformSettings } from "./settings";

export const salesPlatformSystem: SystemDescriptor<SalesPlatformNames, SalesPlatformSettings> = {
  ...SALES_PLATFORM,
  description: "sales data platform: event-driven ETL, daily analysis (Bedrock), REST API, SNS alerts",
  stacks: [{ name: "sales-platform", build: (scope, name, config) => new SalesPlatformStack(scope, name, config) }],
  local: {
    // The two deploy-time inputs without a default: the data bucket's base name and the alert address.
    variables: (env) => {
      const values: Record<string, string> = {};
      if (!env.TF_VAR_s3_bucket_name) values.s3_bucket_name = "sales-local";
      if (!env.TF_VAR_alert_email) values.alert_email = "ops@example.com";
      const bucket = env.TF_VAR_s3_bucket_name || values.s3_bucket_name;
      const email = env.TF_VAR_alert_email || values.alert_email;
      return { values, notes: [`s3_bucket_name=${bucket} alert_email=${email} (TF_VAR_* to change)`] };
    },
  },
};
