import { type AppConfig, settingsOf } from "../../config";
import type { SystemIdentity } from "../system";
import { IAC_CI_SECTION, type IacCiSettings } from "./settings";

/** 01-ecr's and 02-deploy's `aws_region` (by default the platform's region). */
export const IAC_CI_REGION_DESCRIPTION = "AWS region of the platform's resources.";

/** iac-ci's name and state prefixes (its names predate the others and do not change). */
export function iacCiNames(config: AppConfig) {
  const prefix = settingsOf(config, IAC_CI_SECTION).prefix;
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

export type IacCiNames = ReturnType<typeof iacCiNames>;

/** iac-ci: its id, settings and names (its stacks' SystemStack identity). */
export const IAC_CI: SystemIdentity<IacCiNames, IacCiSettings> = {
  id: IAC_CI_SECTION.system,
  settings: IAC_CI_SECTION,
  names: iacCiNames,
};
