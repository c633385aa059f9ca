import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { EcrRepositoryPolicy } from "@cdktf/provider-aws/lib/ecr-repository-policy";
import { Construct } from "constructs";

export interface RepositoryProps {
  readonly repositoryName: string;
  /** Images to keep; older ones expire. @default 10 */
  readonly keepImages?: number;
  /** @default "IMMUTABLE" */
  readonly tagMutability?: "MUTABLE" | "IMMUTABLE";
  /** Delete the repository even when it holds images. @default false */
  readonly forceDelete?: boolean;
}

/** A private ECR repository: scan on push, encryption at rest, and a keep-last-N lifecycle policy. */
export class Repository extends Construct {
  readonly resource: EcrRepository;

  constructor(scope: Construct, id: string, props: RepositoryProps) {
    super(scope, id);
    const { repositoryName, keepImages = 10, tagMutability = "IMMUTABLE", forceDelete = false } = props;
    if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(repositoryName)) {
      throw new Error(`${this.node.path}: repository name "${repositoryName}" is not a valid ECR name`);
    }
    if (!Number.isInteger(keepImages) || keepImages < 1) {
      throw new Error(`${this.node.path}: keepImages ${keepImages} must be a positive integer`);
    }
    this.resource = new EcrRepository(this, "Resource", {
      name: repositoryName,
      imageTagMutability: tagMutability,
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: "AES256" }],
      forceDelete,
    });
    new EcrLifecyclePolicy(this, "LifecyclePolicy", {
      repository: this.resource.name,
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: `Keep only the last ${keepImages} images`,
            selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keepImages },
            action: { type: "expire" },
          },
        ],
      }),
    });
  }

  /**
   * Lets Lambda pull this repository's images for exactly the given functions (a repository
   * policy for the lambda.amazonaws.com service, limited by aws:SourceArn). Without it, Lambda
   * adds such a statement itself when a function is created or its image updated, which needs
   * ecr:SetRepositoryPolicy on whoever deploys. One call per repository.
   */
  allowLambdaPull(functionArns: readonly string[]): EcrRepositoryPolicy {
    if (functionArns.length === 0) throw new Error(`${this.node.path}: name at least one function ARN`);
    if (this.node.tryFindChild("Policy")) throw new Error(`${this.node.path}: allowLambdaPull was called already`);
    return new EcrRepositoryPolicy(this, "Policy", {
      repository: this.resource.name,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "LambdaPull",
            Effect: "Allow",
            Principal: { Service: "lambda.amazonaws.com" },
            Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            Condition: { StringLike: { "aws:SourceArn": functionArns.flatMap((arn) => [arn, `${arn}:*`]) } },
          },
        ],
      }),
    });
  }

  get repositoryUrl(): string {
    return this.resource.repositoryUrl;
  }

  get arn(): string {
    return this.resource.arn;
  }
}
