import { settingsOf } from "../../config";
import type { SystemDescriptor } from "../system";
import { DeployStack } from "./deploy-stack";
import { EcrStack } from "./ecr-stack";
import { IAC_CI, type IacCiNames } from "./names";
import { IAC_CI_SECTION, type IacCiSettings } from "./settings";

export const iacCiSystem: SystemDescriptor<IacCiNames, IacCiSettings> = {
  ...IAC_CI,
  description: "webhook-driven CI runner: HTTP API, four Lambdas, watchdog",
  stacks: [
    { name: "01-ecr", build: (scope, name, config) => new EcrStack(scope, name, config) },
    {
      name: "02-deploy",
      after: ["01-ecr"],
      build: (scope, name, config) => new DeployStack(scope, name, config),
      // The functions run the image 01-ecr's repository holds: build and push it first.
      ciBeforeDeploy: "stacks/iac-ci/ci/before-02-deploy.sh",
    },
  ],
  local: {
    // The one image all four functions and CodeBuild run, under the tag 02-deploy deploys.
    images: {
      "01-ecr": [
        {
          repositoryOutput: "ecr_repo_url",
          dockerfile: "lambdas/iac-ci/Dockerfile",
          defaultTag: (config) => settingsOf(config, IAC_CI_SECTION).defaultImageTag,
          prepare: ["lambdas/iac-ci/bundle.js", "--no-measure"],
        },
      ],
    },
  },
};
