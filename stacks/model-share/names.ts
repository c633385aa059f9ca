import type { AppConfig } from "../../config";

/** The playground API's names: `<name_prefix>-<environment>-<what>`. */
export function modelShareNames(config: AppConfig) {
  const prefix = config.modelShare.namePrefix;
  const env = config.platform.environment;
  const named = (what: string) => `${prefix}-${env}-${what}`;
  return {
    namePrefix: prefix,
    /** State keys: `model-share/<env>/<stack>.tfstate`. */
    statePrefix: "model-share",
    named,
    table: named("playground-scores"),
    function: named("playground-api"),
    role: named("playground-api-role"),
    api: named("api"),
    layer: named("playground-kit"),
    /** The alarms' topic. */
    alertsTopic: named("alerts"),
  };
}
