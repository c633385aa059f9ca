import type { SystemDescriptor } from "../system";
import { TripAssistantStack } from "./app-stack";
import { TripAssistantEcrStack } from "./ecr-stack";
import { TRIP_ASSISTANT, type TripAssistantNames } from "./names";
import type { TripAssistantSettings } from "./settings";

const image = (target: "agent" | "api") => ({
  repositoryOutput: `${target}_ecr_repository_url`,
  dockerfile: "lambdas/trip-assistant/Dockerfile",
  target,
  defaultTag: () => "emulator",
  buildArgs: { APP_VERSION: "{tag}" },
});

export const tripAssistantSystem: SystemDescriptor<TripAssistantNames, TripAssistantSettings> = {
  ...TRIP_ASSISTANT,
  description: "trip assistant: HTTP API -> API Lambda -> agent Lambda (OpenAI), image functions with live aliases",
  stacks: [
    { name: "trip-assistant-ecr", build: (scope, name, config) => new TripAssistantEcrStack(scope, name, config) },
    {
      name: "trip-assistant",
      after: ["trip-assistant-ecr"],
      build: (scope, name, config) => new TripAssistantStack(scope, name, config),
      // The functions' first image must exist in the repositories: build and push both.
      ciBeforeDeploy: "stacks/trip-assistant/ci/before-trip-assistant.sh",
    },
  ],
  local: {
    // Both functions run the images pushed after the repositories exist.
    images: { "trip-assistant-ecr": [image("agent"), image("api")] },
    // No internet here: without a real key, the agent asks the local cloud's OpenAI stand-in
    // (scripts/localcloud/openai_loopback.py) instead of api.openai.com.
    variables: (env, endpoint) => {
      if (env.TF_VAR_openai_base_url || env.TF_VAR_openai_api_key)
        return { values: {} as Record<string, string>, notes: [] };
      const url = `${endpoint}/_localcloud/openai/v1`;
      return {
        values: { openai_base_url: url },
        notes: [
          `OpenAI is played by the local cloud's loopback (${url}); for real OpenAI set TF_VAR_openai_api_key and leave TF_VAR_openai_base_url unset`,
        ],
      };
    },
  },
};
