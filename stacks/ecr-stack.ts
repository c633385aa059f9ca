import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import { envPrefix, type IacCiConfig } from "../config";
import { Repository } from "../constructs/repository";
import { IacCiStack } from "../constructs/stack-base";

export const ECR_STACK = "01-ecr";

/** The ECR repository name of an environment; 02-deploy derives its image URI from it. */
export function repositoryName(config: IacCiConfig): string {
  return envPrefix(config);
}

/** 01-ecr: the repository holding the one image all four functions and CodeBuild run. */
export class EcrStack extends IacCiStack {
  readonly repository: Repository;

  constructor(scope: Construct, config: IacCiConfig) {
    super(scope, ECR_STACK, { config, state: "remote" });
    this.repository = new Repository(this, "Repository", {
      repositoryName: repositoryName(config),
      keepImages: 10,
      // The seed's deploy flow pushes and runs `:latest`, which needs mutable tags.
      tagMutability: "MUTABLE",
    });
    new TerraformOutput(this, "ecr_repo_url", { value: this.repository.repositoryUrl });
    new TerraformOutput(this, "ecr_repo_arn", { value: this.repository.arn });
  }
}
