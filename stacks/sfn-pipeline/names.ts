import type { AppConfig } from "../../config";

/** The step-function pipeline's names: `<project>-<what>-<env>`. */
export function sfnPipelineNames(config: AppConfig) {
  const project = config.sfnPipeline.projectName;
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
