import { type AppConfig, settingsOf } from "../../config";
import type { SystemIdentity } from "../system";
import { TRIP_ASSISTANT_SECTION, type TripAssistantSettings } from "./settings";

/** Terraform variable defaults, kept as originally specified. */
export const VARIABLE_DEFAULTS = { region: "us-east-2" } as const;
/** Both stacks' `aws_region` (as originally specified, us-east-2 by default). */
export const TRIP_REGION_DESCRIPTION =
  "AWS region of the trip assistant's resources (state stays in the platform's region).";

/**
 * The trip assistant's names: `<project>-<what>-<env>`. Every name starts with the
 * project name (the GitHub roles of 00-bootstrap are scoped to that prefix).
 */
export function tripAssistantNames(config: AppConfig) {
  const project = settingsOf(config, TRIP_ASSISTANT_SECTION).projectName;
  const env = config.platform.environment;
  return {
    namePrefix: project,
    /** State keys: `trip-assistant/<env>/<stack>.tfstate`. */
    statePrefix: "trip-assistant",
    environment: env,
    /** Function and repository of the agent, and of the API (both named alike). */
    agent: `${project}-agent-${env}`,
    api: `${project}-api-${env}`,
    httpApi: `${project}-${env}`,
    parameter: `/${project}/${env}/openai-api-key`,
    /** The CD pipeline's role (GitHub OIDC). */
    deployRole: `${project}-github-deploy-${env}`,
    /** The alarms' topic. */
    alertsTopic: `${project}-alerts-${env}`,
  };
}

export type TripAssistantNames = ReturnType<typeof tripAssistantNames>;

/** trip-assistant: its id, settings and names (its stacks' SystemStack identity). */
export const TRIP_ASSISTANT: SystemIdentity<TripAssistantNames, TripAssistantSettings> = {
  id: TRIP_ASSISTANT_SECTION.system,
  settings: TRIP_ASSISTANT_SECTION,
  names: tripAssistantNames,
};
