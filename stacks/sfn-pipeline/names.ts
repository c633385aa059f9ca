import { type AppConfig, settingsOf } from "../../config";
import type { SystemIdentity } from "../system";
import { SFN_PIPELINE_SECTION, type SfnPipelineSettings } from "./settings";

/** The step-function pipeline's names: `<project>-<what>-<env>`. */
export function sfnPipelineNames(config: AppConfig) {
  const project = settingsOf(config, SFN_PIPELINE_SECTION).projectName;
  const env = config.platform.environment;
  const named = (what: string) => `${project}-${what}-${env}`;
  return {
    namePrefix: project,
    /** State keys: `sfn-pipeline/<env>/<stack>.tfstate`. */
    statePrefix: "sfn-pipeline",
    named,
    /** The role names the original system used, so roles made by hand can be adopted. */
    lambdaRole: named("lambda-role"),
    sfnRole: named("sfn-role"),
    /** The alarms' topic. */
    alertsTopic: named("alerts"),
  };
}

export type SfnPipelineNames = ReturnType<typeof sfnPipelineNames>;

/** sfn-pipeline: its id, settings and names (its stacks' SystemStack identity). */
export const SFN_PIPELINE: SystemIdentity<SfnPipelineNames, SfnPipelineSettings> = {
  id: SFN_PIPELINE_SECTION.system,
  settings: SFN_PIPELINE_SECTION,
  names: sfnPipelineNames,
};
