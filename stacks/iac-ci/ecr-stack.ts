import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { AppConfig } from "../../config";
import { Repository } from "../../constructs/repository";
import { SystemStack } from "../system-stack";
import { IAC_CI, IAC_CI_REGION_DESCRIPTION, type IacCiNames, iacCiNames } from "./names";
import type { IacCiSettings } from "./settings";

/** The ECR repository name of an environment; 02-deploy derives its image URI from it. */
export function repositoryName(config: AppConfig): string {
  return iacCiNames(config).envPrefix;
}

/** 01-ecr: the repository holding the one image all four functions and CodeBuild run. */
export class EcrStack extends SystemStack<IacCiNames, IacCiSettings> {
  readonly repository: Repository;

  constructor(scope: Construct, name: string, config: AppConfig) {
    super(scope, name, config, IAC_CI);
    // As 02-deploy: give both the same value (02-deploy derives the image URI in its region).
    this.regionVariable(config.platform.region, IAC_CI_REGION_DESCRIPTION);
    this.repository = new Repository(this, "Repository", {
      repositoryName: repositoryName(config),
      keepImages: 10,
      // The deploy flow pushes and runs `:latest`, which needs mutable tags.
      tagMutability: "MUTABLE",
    });
    new TerraformOutput(this, "ecr_repo_url", { value: this.repository.repositoryUrl });
    new TerraformOutput(this, "ecr_repo_arn", { value: this.repository.arn });
  }
}
