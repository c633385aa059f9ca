import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { LocalBackend, S3Backend, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { type IacCiConfig, stateKey } from "../config";
import { ServiceRole } from "./iam";

/** Services the stacks call; all of them are pointed at `awsEndpoint` when it is set. */
const EMULATED_SERVICES = [
  "apigatewayv2",
  "codebuild",
  "dynamodb",
  "ecr",
  "iam",
  "lambda",
  "logs",
  "s3",
  "sfn",
  "sqs",
  "ssm",
  "sts",
  "secretsmanager",
] as const;

/** Provider versions the stacks accept (the bindings were generated for aws 6.25.0). */
export const AWS_PROVIDER_CONSTRAINT = "~> 6.25";
/** Random provider versions accepted (the bindings were generated for random 3.7.2). */
export const RANDOM_PROVIDER_CONSTRAINT = "~> 3.7";

export type StateStorage =
  /** Local state file in the project root (only for 00-bootstrap, which creates the remote store). */
  | "local"
  /** S3 state in the bootstrap bucket, locked in the bootstrap DynamoDB table. */
  | "remote";

export interface IacCiStackProps {
  readonly config: IacCiConfig;
  readonly state: StateStorage;
}

/**
 * The base of every stack: the AWS provider (with default tags, and every endpoint pointed at
 * the emulator when `awsEndpoint` is set) and the state backend. A backend block cannot hold
 * references, so the backend is written from the same config that named the bucket and table
 * in 00-bootstrap: there is no hand-written backend file to drift.
 */
export class IacCiStack extends TerraformStack {
  readonly config: IacCiConfig;
  readonly provider: AwsProvider;
  readonly stackName: string;

  constructor(scope: Construct, stackName: string, props: IacCiStackProps) {
    super(scope, stackName);
    const { config, state } = props;
    this.config = config;
    this.stackName = stackName;
    const endpoint = config.awsEndpoint;

    this.provider = new AwsProvider(this, "aws", {
      region: config.region,
      defaultTags: [
        {
          tags: {
            project: config.prefix,
            environment: config.environment,
            stack: stackName,
            "managed-by": "cdktf",
          },
        },
      ],
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

    // The prebuilt bindings pin the exact provider version they were generated from; any later
    // release of the same major version has a superset of that schema, so accept it.
    this.addOverride("terraform.required_providers.aws.version", AWS_PROVIDER_CONSTRAINT);

    if (state === "local") {
      // Relative to the stack directory (cdktf.out/stacks/<stack>): the state file lives in the
      // project root, outside the regenerated output, for `cdktf deploy` and `terraform -chdir`.
      new LocalBackend(this, { path: `../../../terraform.${stackName}.tfstate` });
    } else {
      new S3Backend(this, {
        bucket: config.stateBucket,
        key: stateKey(config, stackName),
        region: config.region,
        dynamodbTable: config.lockTable,
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

  /** Whether `roleName` is listed in IAC_CI_ADOPT_ROLES (so its role emits an import block). */
  adopts(roleName: string): boolean {
    return this.config.adoptRoles.includes(roleName);
  }
}

/**
 * Fails when IAC_CI_ADOPT_ROLES names a role that no stack defines: a typo would otherwise be
 * silently ignored, and the deploy would still fail with EntityAlreadyExists.
 */
export function assertAdoptedRolesExist(scope: Construct, config: IacCiConfig): void {
  const known = new Set(
    scope.node
      .findAll()
      .filter((c): c is ServiceRole => c instanceof ServiceRole)
      .map((r) => r.roleName),
  );
  const unknown = config.adoptRoles.filter((r) => !known.has(r));
  if (unknown.length) {
    throw new AdoptionError(
      `IAC_CI_ADOPT_ROLES names roles that no stack defines: ${unknown.join(", ")}. ` +
        `Roles the stacks define: ${[...known].sort().join(", ")}`,
    );
  }
}

export class AdoptionError extends Error {
  override name = "AdoptionError";
}
