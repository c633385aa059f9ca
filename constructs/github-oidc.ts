import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { Construct } from "constructs";
import { INLINE_POLICY_LIMIT, type PermissionScope, type SystemScopes, scopesFor } from "./deploy-permissions";
import { type PolicyStatement, Role, type RoleTrust } from "./iam";

export const GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com";
/**
 * IAM path of the GitHub roles. Systems' own roles live at "/", so no system's `role/<prefix>-*`
 * scope can reach a deploy role (a deploy role must not be able to edit its own policy).
 */
export const GITHUB_ROLE_PATH = "/github/";
export type GithubRoleKind = "deploy" | "plan";

/** `<platformPrefix>-github-<kind>-<system>`: one deploy and one plan role per system. */
export function githubRoleName(platformPrefix: string, kind: GithubRoleKind, system: string): string {
  return `${platformPrefix}-github-${kind}-${system}`;
}

/** The role's ARN in `account` (workflows build it from the account id and the registry). */
export function githubRoleArn(account: string, platformPrefix: string, kind: GithubRoleKind, system: string): string {
  return `arn:aws:iam::${account}:role${GITHUB_ROLE_PATH}${githubRoleName(platformPrefix, kind, system)}`;
}
const GITHUB_HOST = "token.actions.githubusercontent.com";

export interface GithubOidcProps {
  /** `owner/name` of the repository whose workflows may assume the roles. */
  readonly repository: string;
  /** GitHub environments whose jobs may deploy (trust `repo:<repo>:environment:<env>`). */
  readonly deployEnvironments: readonly string[];
  /** First part of the roles' names (`<rolePrefix>-github-<kind>-<system>`). */
  readonly rolePrefix: string;
  readonly accountId: string;
  /** The state bucket and lock table (possibly not prefix-named). */
  readonly stateBucket: string;
  readonly lockTable: string;
  /** The platform's region (the lock table's). */
  readonly region: string;
}

/** One system the GitHub roles deploy: its names, its state and what its stacks hold. */
export interface GithubSystem {
  /** The registry's system id (part of the role names). */
  readonly system: string;
  /** Name prefixes of everything the system manages; its permissions are limited to them. */
  readonly namePrefixes: readonly string[];
  /** Key prefix (without trailing "/") of the system's state in the state bucket. */
  readonly statePrefix: string;
  /** Terraform resource types (data sources as `data.<type>`) of the system's stacks. */
  readonly resourceTypes: Iterable<string>;
  /** Extra S3 bucket name patterns the system may own (buckets named by a deploy-time variable). */
  readonly bucketPatterns?: readonly string[];
  /** Scopes of the system's own for types the catalogue does not cover. @default none */
  readonly ownScopes?: SystemScopes;
}

export interface GithubSystemRoles {
  readonly plan: Role;
  readonly deploy: Role;
  /** The deploy policy's size in IAM's measure (characters without whitespace). */
  readonly deployPolicySize: number;
}

/**
 * GitHub Actions OIDC federation: the identity provider and, per system, a plan role that pull
 * requests and main may assume (read-only on the system's resources, plus the state lock) and a
 * deploy role only jobs in the named GitHub environments may assume. Each role's policy is
 * derived from the resource types of that system's stacks (constructs/deploy-permissions.ts),
 * limited to its name prefixes and its state keys. All roles trust exactly one repository, with
 * audience sts.amazonaws.com and the `sub` claim pinned, and live under /github/, out of reach of
 * every system's own role scope; no long-lived keys anywhere.
 */
export class GithubOidc extends Construct {
  readonly provider: IamOpenidConnectProvider;
  readonly systems = new Map<string, GithubSystemRoles>();
  private readonly props: GithubOidcProps;

  constructor(scope: Construct, id: string, props: GithubOidcProps) {
    super(scope, id);
    const { repository, deployEnvironments } = props;
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) {
      throw new Error(`${this.node.path}: repository "${repository}" must be owner/name`);
    }
    if (deployEnvironments.length === 0) throw new Error(`${this.node.path}: name at least one deploy environment`);
    this.props = props;

    this.provider = new IamOpenidConnectProvider(this, "Provider", {
      url: GITHUB_OIDC_URL,
      clientIdList: ["sts.amazonaws.com"],
      // GitHub's published intermediate thumbprints; AWS no longer relies on them for this
      // provider, but older APIs (and emulators) require the field.
      thumbprintList: ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"],
    });
  }

  private trust(subjects: readonly string[]): RoleTrust {
    return {
      federated: this.provider.arn,
      conditions: {
        StringEquals: { [`${GITHUB_HOST}:aud`]: "sts.amazonaws.com" },
        "ForAnyValue:StringEquals": { [`${GITHUB_HOST}:sub`]: [...subjects] },
      },
    };
  }

  /** The plan and deploy roles of one system. */
  addSystem(target: GithubSystem): GithubSystemRoles {
    const { system, namePrefixes, statePrefix } = target;
    const { repository, deployEnvironments, rolePrefix, accountId, stateBucket, lockTable, region } = this.props;
    if (this.systems.has(system)) throw new Error(`${this.node.path}: system "${system}" has its roles already`);
    if (namePrefixes.length === 0) throw new Error(`${this.node.path}: ${system}: name at least one name prefix`);
    const scopes: PermissionScope[] = [
      {
        sid: "TerraformState",
        resources: [`arn:aws:s3:::${stateBucket}`, `arn:aws:s3:::${stateBucket}/${statePrefix}/*`],
        read: ["s3:GetObject", "s3:ListBucket"],
        write: ["s3:PutObject", "s3:DeleteObject"],
      },
      {
        sid: "TerraformLocks",
        resources: [`arn:aws:dynamodb:${region}:${accountId}:table/${lockTable}`],
        // Plans lock the state too, so both roles write lock items.
        read: ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
        write: [],
      },
      ...scopesFor(
        system,
        target.resourceTypes,
        { namePrefixes, account: accountId, bucketPatterns: target.bucketPatterns },
        target.ownScopes,
      ),
    ];
    const id = system.replace(/[^A-Za-z0-9]/g, "");
    const makeRole = (kind: GithubRoleKind, description: string, subjects: readonly string[]) => {
      const role = new Role(this, `${id}${kind === "plan" ? "PlanRole" : "DeployRole"}`, {
        roleName: githubRoleName(rolePrefix, kind, system),
        path: GITHUB_ROLE_PATH,
        description,
        assumedBy: this.trust(subjects),
        policyName: kind,
      });
      const statements: PolicyStatement[] = [];
      for (const s of scopes) {
        const actions = kind === "deploy" ? [...s.read, ...s.write] : [...s.read];
        if (actions.length === 0) continue;
        statements.push({
          sid: s.sid,
          actions,
          resources: s.resources,
          ...(s.wildcardReason ? { wildcardReason: s.wildcardReason } : {}),
        });
      }
      statements.push({
        sid: "AccountWideReads",
        actions: ["logs:DescribeLogGroups", "sts:GetCallerIdentity"],
        resources: ["*"],
        wildcardReason: "these calls are authorized on the account only; AWS has no resource-level permission for them",
      });
      for (const s of statements) role.addToPolicy(s);
      return { role, size: policySize(statements) };
    };
    const plan = makeRole("plan", `terraform plan of ${system} from ${repository} (pull requests and main)`, [
      `repo:${repository}:pull_request`,
      `repo:${repository}:ref:refs/heads/main`,
    ]);
    const deploy = makeRole(
      "deploy",
      `deploys ${system} from ${repository} (environments ${deployEnvironments.join(", ")})`,
      deployEnvironments.map((e) => `repo:${repository}:environment:${e}`),
    );
    if (deploy.size > INLINE_POLICY_LIMIT) {
      throw new Error(
        `${this.node.path}: ${system}'s deploy policy is ${deploy.size} characters, over IAM's ${INLINE_POLICY_LIMIT} ` +
          "for a role's inline policies: split the system, or merge name prefixes",
      );
    }
    const roles = { plan: plan.role, deploy: deploy.role, deployPolicySize: deploy.size };
    this.systems.set(system, roles);
    return roles;
  }
}

/**
 * A policy's size as IAM counts it (JSON without whitespace), with a 12-digit account id in place
 * of the account token: the number the 10,240-character limit applies to.
 */
export function policySize(statements: readonly PolicyStatement[]): number {
  const document = {
    Version: "2012-10-17",
    Statement: statements.map((s) => ({
      Sid: s.sid,
      Effect: "Allow",
      Action: s.actions.length === 1 ? s.actions[0] : [...s.actions],
      Resource: s.resources.length === 1 ? s.resources[0] : [...s.resources],
    })),
  };
  return JSON.stringify(document).replace(/\$\{[^}]*\}/g, "123456789012").length;
}
