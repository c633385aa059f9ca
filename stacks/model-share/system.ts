import type { SystemDescriptor } from "../system";
import { ModelShareStack } from "./model-share-stack";
import { MODEL_SHARE, type ModelShareNames } from "./names";
import type { ModelShareSettings } from "./settings";

export const modelShareSystem: SystemDescriptor<ModelShareNames, ModelShareSettings> = {
  ...MODEL_SHARE,
  description: "playground API: HTTP API, one TypeScript Lambda, DynamoDB, optional layer",
  stacks: [{ name: "model-share", build: (scope, name, config) => new ModelShareStack(scope, name, config) }],
};
