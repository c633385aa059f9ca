import type { AppConfig } from "../../config";

/** 01-ecr's and 02-deploy's `aws_region` (by default the platform's region). */
export const IAC_CI_REGION_DESCRIPTION = "AWS region of the platform's resources.";

/** iac-ci's name and state prefixes (its names predate the others and do not change). */
export function iacCiNames(config: AppConfig) {
  const prefix = config.iacCi.prefix;
  return {
    /** Every iac-ci resource name starts with this. */
    namePrefix: prefix,
    /** State keys: `<prefix>/<env>/<stack>.tfstate`. */
    statePrefix: prefix,
    /** `<prefix>-<env>`: the base of environment-scoped names. */
    envPrefix: `${prefix}-${config.platform.environment}`,
    /** The alarms' topic. */
    alertsTopic: `${prefix}-${config.platform.environment}-alerts`,
  };
}
