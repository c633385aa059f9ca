import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { AppConfig } from "../../config";
import { Repository } from "../../constructs/repository";
import { SystemStack } from "../system-stack";
import { TRIP_ASSISTANT, TRIP_REGION_DESCRIPTION, type TripAssistantNames, VARIABLE_DEFAULTS } from "./names";
import type { TripAssistantSettings } from "./settings";

/** Images kept per repository (the last 10, as originally specified); older ones expire. */
export const KEEP_IMAGES = 10;

/**
 * trip-assistant-ecr: the two image repositories (agent, API), deployed before the functions
 * so their first images can be pushed. Tags are immutable (an image tag is a commit SHA and
 * never moves), images are scanned on push, the last 10 kept; dev's repositories may be
 * destroyed with their images. Lambda may pull from each for its one function only.
 */
export class TripAssistantEcrStack extends SystemStack<TripAssistantNames, TripAssistantSettings> {
  readonly repositories: { agent: Repository; api: Repository };

  constructor(scope: Construct, stackName: string, config: AppConfig) {
    super(scope, stackName, config, TRIP_ASSISTANT);
    const names = this.names;
    this.regionVariable(VARIABLE_DEFAULTS.region, TRIP_REGION_DESCRIPTION);
    // A tfvars file with environment, aws_region and openai_api_key, as the original is run.
    this.environmentVariable();
    const account = new DataAwsCallerIdentity(this, "current", {});
    const region = new DataAwsRegion(this, "current_region", {});
    const functionArn = (name: string) =>
      `arn:${this.partition}:lambda:${region.region}:${account.accountId}:function:${name}`;

    const repository = (id: string, name: string) => {
      const repo = new Repository(this, id, {
        repositoryName: name,
        tagMutability: "IMMUTABLE",
        keepImages: KEEP_IMAGES,
        forceDelete: config.platform.environment === "dev",
      });
      // The function of the same name is the only one that runs these images.
      repo.allowLambdaPull([functionArn(name)]);
      return repo;
    };
    this.repositories = {
      agent: repository("AgentRepository", names.agent),
      api: repository("ApiRepository", names.api),
    };

    new TerraformOutput(this, "agent_ecr_repository_url", { value: this.repositories.agent.repositoryUrl });
    new TerraformOutput(this, "api_ecr_repository_url", { value: this.repositories.api.repositoryUrl });
    new TerraformOutput(this, "agent_ecr_repository_arn", { value: this.repositories.agent.arn });
    new TerraformOutput(this, "api_ecr_repository_arn", { value: this.repositories.api.arn });
  }
}
