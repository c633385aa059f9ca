import { type AppConfig, settingsOf } from "../../config";
import type { SystemIdentity } from "../system";
import { MODEL_SHARE_SECTION, type ModelShareSettings } from "./settings";

/** The playground API's names: `<name_prefix>-<environment>-<what>`. */
export function modelShareNames(config: AppConfig) {
  const prefix = settingsOf(config, MODEL_SHARE_SECTION).namePrefix;
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

export type ModelShareNames = ReturnType<typeof modelShareNames>;

/** model-share: its id, settings and names (its stacks' SystemStack identity). */
export const MODEL_SHARE: SystemIdentity<ModelShareNames, ModelShareSettings> = {
  id: MODEL_SHARE_SECTION.system,
  settings: MODEL_SHARE_SECTION,
  names: modelShareNames,
};
