/**
 * Settings of the trip assistant: names and structure, fixed at synth. Its deploy-time
 * inputs (the OpenAI API key, the first image tag, the region, the model endpoint) are Terraform
 * variables of the stacks, not settings.
 */
import type { SettingsSection } from "../../config";
import { matches, type SettingsReader } from "../../config/settings";

export interface TripAssistantSettings {
  /**
   * The project name (the original `project_name`): functions `<project>-agent-<env>` and
   * `<project>-api-<env>`, the same names for the ECR repositories, the HTTP API `<project>-<env>`,
   * the parameter `/<project>/<env>/openai-api-key`.
   */
  readonly projectName: string;
  /**
   * Origins browsers may call the HTTP API from, outside dev (dev allows any origin unless this
   * is set). Empty: no CORS, so browsers may not call the API cross-origin.
   */
  readonly corsOrigins: readonly string[];
}

export const TRIP_ASSISTANT_SETTINGS = {
  projectName: { env: "TRIP_ASSISTANT_PROJECT_NAME", context: "trip-assistant:projectName" },
  corsOrigins: { env: "TRIP_ASSISTANT_CORS_ORIGINS", context: "trip-assistant:corsOrigins" },
} as const;

/** `https://host[:port]`, or `http://localhost[:port]` for local frontends; `*` (dev only) is checked by the stack. */
const ORIGIN = /^(\*|https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?|http:\/\/(localhost|127\.0\.0\.1)(:\d{1,5})?)$/;

export function readTripAssistantSettings(r: SettingsReader): TripAssistantSettings {
  const S = TRIP_ASSISTANT_SETTINGS;
  return {
    // 2-32 characters keeps the longest name, `<project>-github-deploy-<env>` (a role), within
    // IAM's 64, and the repository names within ECR's lowercase rule.
    projectName: r.string(
      S.projectName,
      "trip-assistant",
      matches(
        /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/,
        "must be 2-32 characters of lowercase letters, digits and hyphens, starting with a letter",
      ),
    ),
    corsOrigins: r.list(
      S.corsOrigins,
      [],
      matches(ORIGIN, "is not an origin: use https://host[:port] (or http://localhost[:port]), without a path"),
    ),
  };
}

/** The section the registry loads: trip-assistant's settings, validated with the rest. */
export const TRIP_ASSISTANT_SECTION: SettingsSection<TripAssistantSettings> = {
  system: "trip-assistant",
  read: readTripAssistantSettings,
};
