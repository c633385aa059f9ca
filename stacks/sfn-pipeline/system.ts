import type { SystemDescriptor } from "../system";
import { SFN_PIPELINE, type SfnPipelineNames } from "./names";
import { SfnPipelineStack } from "./pipeline-stack";
import type { SfnPipelineSettings } from "./settings";

export const sfnPipelineSystem: SystemDescriptor<SfnPipelineNames, SfnPipelineSettings> = {
  ...SFN_PIPELINE,
  description: "two Lambdas run in order by a Step Functions state machine",
  stacks: [{ name: "sfn-pipeline", build: (scope, name, config) => new SfnPipelineStack(scope, name, config) }],
};
