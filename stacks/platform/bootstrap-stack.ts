import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { Lazy, TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { AppConfig } from "../../config";
import { Bucket } from "../../constructs/bucket";
import type { SystemScopes } from "../../constructs/deploy-permissions";
import { GithubOidc, type GithubSystemRoles } from "../../constructs/github-oidc";
import { Table } from "../../constructs/table";
import type { SystemIdentity, SystemNames } from "../system";
import { SystemStack } from "../system-stack";

/** The platform: 00-bootstrap's names are the platform prefix's. */
export const PLATFORM: SystemIdentity<SystemNames, undefined> = {
  id: "platform",
  names: (config) => ({ namePrefix: config.platform.platformPrefix, statePrefix: config.platform.platformPrefix }),
};

/**
 * 00-bootstrap: the remote state store every other stack of every system uses, and the GitHub
 * OIDC roles that deploy them. Kept in local state (it cannot store its own state in the
 * bucket it creates). Shared by all systems and environments: their state keys differ, the
 * store does not.
 */
export class BootstrapStack extends SystemStack {
  readonly stateBucket: Bucket;
  readonly lockTable: Table;
  readonly github?: GithubOidc;

  /** The GitHub roles of each system are added with `addGithubSystem` once its stacks exist. */
  constructor(scope: Construct, name: string, config: AppConfig) {
    super(scope, name, config, PLATFORM, { state: "local" });
    const { platform } = this;

    this.stateBucket = new Bucket(this, "StateBucket", {
      bucketName: platform.stateBucket,
      versioned: true,
      // Old state versions are kept for recovery, then expire.
      noncurrentVersionExpireAfterDays: 90,
      // Never delete state with the stack: destroy fails while the bucket holds state.
      forceDestroy: false,
      enforceTls: platform.enforceTls,
      // prevent_destroy where data is protected (PLATFORM_PROTECT_DATA; deploy a production
      // account's 00-bootstrap with it on).
      protect: platform.protectData,
    });
    this.lockTable = new Table(this, "LockTable", {
      tableName: platform.lockTable,
      // Terraform's S3 backend writes locks under this exact key.
      partitionKey: { name: "LockID", type: "S" },
      pointInTimeRecovery: true,
      protect: platform.protectData,
    });

    new TerraformOutput(this, "bucket_name", { value: this.stateBucket.bucketName });
    new TerraformOutput(this, "bucket_arn", { value: this.stateBucket.arn });
    new TerraformOutput(this, "lock_table_name", { value: this.lockTable.tableName });

    // GitHub Actions deploys through OIDC roles, never stored keys (when a repository is set).
    if (platform.githubRepository) {
      const account = new DataAwsCallerIdentity(this, "current", {});
      this.github = new GithubOidc(this, "GithubOidc", {
        repository: platform.githubRepository,
        deployEnvironments: platform.githubDeployEnvironments,
        rolePrefix: platform.platformPrefix,
        accountId: account.accountId,
        region: platform.region,
        stateBucket: platform.stateBucket,
        lockTable: platform.lockTable,
      });
      const github = this.github;
      new TerraformOutput(this, "github_role_arns", {
        description: "Per system, the ARNs of its GitHub deploy and plan roles",
        value: Lazy.anyValue({
          produce: () =>
            Object.fromEntries(
              [...github.systems].map(([system, roles]) => [
                system,
                { deploy: roles.deploy.arn, plan: roles.plan.arn },
              ]),
            ),
        }),
      });
    }
  }

  /**
   * The GitHub plan and deploy roles of one system, whose stacks hold `resourceTypes` (no-op
   * without a GitHub repository).
   */
  addGithubSystem(
    system: string,
    prefixes: SystemNames,
    resourceTypes: Iterable<string>,
    ownScopes?: SystemScopes,
  ): GithubSystemRoles | undefined {
    return this.github?.addSystem({
      system,
      namePrefixes: [prefixes.namePrefix],
      statePrefix: prefixes.statePrefix,
      bucketPatterns: prefixes.bucketPatterns,
      resourceTypes,
      ownScopes,
    });
  }
}
