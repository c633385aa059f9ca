/** Settings of the step-function pipeline: its project name. */
import type { SettingsSection } from "../../config";
import { matches, type SettingsReader } from "../../config/settings";

export interface SfnPipelineSettings {
  /**
   * The project name (the original `project_name`): roles are `<project>-lambda-role-<env>` and
   * `<project>-sfn-role-<env>`, the other names `<project>-<what>-<env>`.
   */
  readonly projectName: string;
}

export const SFN_PIPELINE_SETTINGS = {
  projectName: { env: "SFN_PIPELINE_PROJECT_NAME", context: "sfn-pipeline:projectName" },
} as const;

export function readSfnPipelineSettings(r: SettingsReader): SfnPipelineSettings {
  return {
    // 2-24 characters keeps `<project>-lambda-role-<stage>` (the longest name) within IAM's 64.
    projectName: r.string(
      SFN_PIPELINE_SETTINGS.projectName,
      "fastapi-test",
      matches(
        /^[a-z][a-z0-9-]{0,22}[a-z0-9]$/,
        "must be 2-24 characters of lowercase letters, digits and hyphens, starting with a letter",
      ),
    ),
  };
}

/** The section the registry loads: sfn-pipeline's settings, validated with the rest. */
export const SFN_PIPELINE_SECTION: SettingsSection<SfnPipelineSettings> = {
  system: "sfn-pipeline",
  read: readSfnPipelineSettings,
};
