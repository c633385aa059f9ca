import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { IacCiConfig } from "../config";
import { Bucket } from "../constructs/bucket";
import { GithubOidc } from "../constructs/github-oidc";
import { IacCiStack } from "../constructs/stack-base";
import { Table } from "../constructs/table";

export const BOOTSTRAP_STACK = "00-bootstrap";

/**
 * 00-bootstrap: the remote state store every other stack uses. Kept in local state (it
 * cannot store its own state in the bucket it creates). Shared by all environments: their
 * state keys differ, the store does not.
 */
export class BootstrapStack extends IacCiStack {
  readonly stateBucket: Bucket;
  readonly lockTable: Table;

  constructor(scope: Construct, config: IacCiConfig) {
    super(scope, BOOTSTRAP_STACK, { config, state: "local" });

    this.stateBucket = new Bucket(this, "StateBucket", {
      bucketName: config.stateBucket,
      versioned: true,
      // Old state versions are kept for recovery, then expire.
      noncurrentVersionExpireAfterDays: 90,
      // Never delete state with the stack: destroy fails while the bucket holds state.
      forceDestroy: false,
      enforceTls: config.enforceTls,
    });
    this.lockTable = new Table(this, "LockTable", {
      tableName: config.lockTable,
      // Terraform's S3 backend writes locks under this exact key.
      partitionKey: { name: "LockID", type: "S" },
      pointInTimeRecovery: true,
    });

    new TerraformOutput(this, "bucket_name", { value: this.stateBucket.bucketName });
    new TerraformOutput(this, "bucket_arn", { value: this.stateBucket.arn });
    new TerraformOutput(this, "lock_table_name", { value: this.lockTable.resource.name });

    // GitHub Actions deploys through OIDC roles, never stored keys (when a repository is set).
    if (config.githubRepository) {
      const account = new DataAwsCallerIdentity(this, "current", {});
      const github = new GithubOidc(this, "GithubOidc", {
        repository: config.githubRepository,
        deployEnvironments: config.githubDeployEnvironments,
        prefix: config.prefix,
        accountId: account.accountId,
        region: config.region,
        stateBucket: config.stateBucket,
        lockTable: config.lockTable,
        adoptRoles: this.adopts(`${config.prefix}-github-deploy`),
      });
      new TerraformOutput(this, "github_plan_role_arn", { value: github.planRole.arn });
      new TerraformOutput(this, "github_deploy_role_arn", { value: github.deployRole.arn });
    }
  }
}
