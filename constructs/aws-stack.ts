import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { LocalBackend, S3Backend, TerraformStack } from "cdktf";
import type { Construct, IConstruct } from "constructs";

/** Services our stacks call; all of them are pointed at `endpoint` when it is set. */
const EMULATED_SERVICES = [
  "apigateway",
  "apigatewayv2",
  "cloudwatch",
  "codebuild",
  "dynamodb",
  "ecr",
  "events",
  "iam",
  "kms",
  "lambda",
  "logs",
  "s3",
  "secretsmanager",
  "sfn",
  "sns",
  "sqs",
  "ssm",
  "sts",
] as const;

/** Provider versions the stacks accept (the bindings were generated for aws 6.25.0). */
export const AWS_PROVIDER_CONSTRAINT = "~> 6.25";
/** Random provider versions accepted (the bindings were generated for random 3.7.2). */
export const RANDOM_PROVIDER_CONSTRAINT = "~> 3.7";
/** Terraform versions every stack accepts (1.5 and later, as originally specified). */
export const TERRAFORM_REQUIRED_VERSION = ">= 1.5";

/** Where a stack keeps its state. */
export type StateStore =
  /** A local state file, `path` relative to the stack's synthesized directory. */
  | { readonly kind: "local"; readonly path: string }
  /** S3 state, locked in a DynamoDB table. */
  | {
      readonly kind: "s3";
      readonly bucket: string;
      readonly key: string;
      readonly region: string;
      readonly lockTable: string;
    };

export interface AwsStackProps {
  readonly region: string;
  /** Tags every resource carries (provider default tags). */
  readonly tags: Readonly<Record<string, string>>;
  readonly state: StateStore;
  /** A custom AWS endpoint (a local emulator) for the provider and the backend. @default real AWS */
  readonly endpoint?: string;
}

/**
 * A stack on AWS: the provider (default tags; every endpoint pointed at the emulator when
 * `endpoint` is set), the state backend, and the Terraform and provider version constraints.
 * A backend block cannot hold references, so the caller passes literal names.
 */
export class AwsStack extends TerraformStack {
  readonly provider: AwsProvider;
  readonly region: string;
  /** The emulator (local cloud) endpoint the stack deploys to, if any. */
  readonly endpoint?: string;
  /** The provider's default tags, as given. */
  readonly tags: Readonly<Record<string, string>>;
  private randomProvider?: RandomProvider;
  private callerIdentity?: DataAwsCallerIdentity;
  private partitionData?: DataAwsPartition;
  private providerRegion?: DataAwsRegion;

  /** The AwsStack `scope` belongs to, or undefined (a construct in another kind of stack). */
  static find(scope: IConstruct): AwsStack | undefined {
    const stack = TerraformStack.of(scope);
    return stack instanceof AwsStack ? stack : undefined;
  }

  constructor(scope: Construct, name: string, props: AwsStackProps) {
    super(scope, name);
    const { region, tags, state, endpoint } = props;
    this.region = region;
    this.endpoint = endpoint;
    this.tags = { ...tags };

    this.provider = new AwsProvider(this, "aws", {
      region,
      defaultTags: [{ tags: { ...tags } }],
      ...(endpoint
        ? {
            endpoints: [Object.fromEntries(EMULATED_SERVICES.map((s) => [s, endpoint]))],
            s3UsePathStyle: true,
            skipCredentialsValidation: true,
            skipMetadataApiCheck: "true",
            // Without an account id the provider reads bucket tags with S3 GetBucketTagging
            // instead of S3 Control, whose account-prefixed host cannot point at an emulator.
            skipRequestingAccountId: true,
          }
        : {}),
    });
    this.addOverride("terraform.required_version", TERRAFORM_REQUIRED_VERSION);
    // The prebuilt bindings pin the exact provider version they were generated from; any later
    // release of the same major version has a superset of that schema, so accept it.
    this.addOverride("terraform.required_providers.aws.version", AWS_PROVIDER_CONSTRAINT);

    if (state.kind === "local") {
      new LocalBackend(this, { path: state.path });
    } else {
      new S3Backend(this, {
        bucket: state.bucket,
        key: state.key,
        region: state.region,
        dynamodbTable: state.lockTable,
        encrypt: true,
        ...(endpoint
          ? {
              endpoints: { s3: endpoint, dynamodb: endpoint, iam: endpoint, sts: endpoint },
              usePathStyle: true,
              skipCredentialsValidation: true,
              skipMetadataApiCheck: true,
              skipRegionValidation: true,
              skipRequestingAccountId: true,
            }
          : {}),
      });
    }
  }

  /**
   * The provider's partition (`aws`, `aws-cn`, `aws-us-gov`) from the aws_partition data source,
   * read once per stack: ARNs the stack builds take it, never a literal `arn:aws:`.
   */
  get partition(): string {
    this.partitionData ??= new DataAwsPartition(this, "Partition", {});
    return this.partitionData.partition;
  }

  /** The random provider, added on first use. */
  get random(): RandomProvider {
    if (!this.randomProvider) {
      this.randomProvider = new RandomProvider(this, "random");
      this.addOverride("terraform.required_providers.random.version", RANDOM_PROVIDER_CONSTRAINT);
    }
    return this.randomProvider;
  }

  /**
   * An API's execution ARN (`arn:aws:execute-api:<region>:<account>:<api id>`), what invoke
   * permissions are scoped to. On AWS it is the provider's `execution_arn`. Against an emulator
   * the provider skips requesting the account id (see the provider settings above) and leaves
   * the account out of `execution_arn`, so no permission would match an invocation: there it is
   * built with the caller's account (aws_caller_identity, read from the emulator's STS) and the
   * provider's region (aws_region: a stack may set it from a variable).
   */
  executionArnOf(api: { readonly id: string; readonly executionArn: string }): string {
    if (this.endpoint === undefined) return api.executionArn;
    this.callerIdentity ??= new DataAwsCallerIdentity(this, "LocalCloudCallerIdentity");
    this.providerRegion ??= new DataAwsRegion(this, "LocalCloudRegion");
    return `arn:aws:execute-api:${this.providerRegion.region}:${this.callerIdentity.accountId}:${api.id}`;
  }
}
