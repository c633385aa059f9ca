import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { Construct } from "constructs";
import { Role, type RoleTrust } from "./iam";

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

/** What a role may do, per service: ARNs it may touch and the actions for plan and for deploy. */
interface ServiceScope {
  readonly sid: string;
  readonly resources: readonly string[];
  readonly read: readonly string[];
  readonly write: readonly string[];
}

export interface GithubOidcProps {
  /** `owner/name` of the repository whose workflows may assume the roles. */
  readonly repository: string;
  /** GitHub environments whose jobs may deploy (trust `repo:<repo>:environment:<env>`). */
  readonly deployEnvironments: readonly string[];
  /** Prefix of the two roles' names (`<rolePrefix>-github-plan`, `<rolePrefix>-github-deploy`). */
  readonly rolePrefix: string;
  /**
   * Name prefixes of everything the deployed systems manage (one per system); the policies are
   * limited to resources whose names start with one of them.
   */
  readonly namePrefixes: readonly string[];
  /** Key prefixes (without trailing "/") of the systems' state in the state bucket. */
  readonly stateKeyPrefixes: readonly string[];
  readonly accountId: string;
  readonly region: string;
  /** The state bucket and lock table (possibly not prefix-named). */
  readonly stateBucket: string;
  readonly lockTable: string;
}

/**
 * GitHub Actions OIDC federation: the identity provider, a plan role that pull requests and
 * main may assume (read-only on our resources, plus the state lock), and a deploy role only
 * jobs in the named GitHub environments may assume. Both trust exactly one repository, with
 * audience sts.amazonaws.com and the `sub` claim pinned; no long-lived keys anywhere.
 */
export class GithubOidc extends Construct {
  readonly provider: IamOpenidConnectProvider;
  readonly planRole: Role;
  readonly deployRole: Role;

  constructor(scope: Construct, id: string, props: GithubOidcProps) {
    super(scope, id);
    const { repository, deployEnvironments, rolePrefix, namePrefixes, stateKeyPrefixes, accountId, region } = props;
    const { stateBucket, lockTable } = props;
    if (namePrefixes.length === 0) throw new Error(`${this.node.path}: name at least one name prefix`);
    /** One ARN pattern per system name prefix. */
    const each = (pattern: (prefix: string) => string) => namePrefixes.map(pattern);
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) {
      throw new Error(`${this.node.path}: repository "${repository}" must be owner/name`);
    }
    if (deployEnvironments.length === 0) throw new Error(`${this.node.path}: name at least one deploy environment`);

    this.provider = new IamOpenidConnectProvider(this, "Provider", {
      url: GITHUB_OIDC_URL,
      clientIdList: ["sts.amazonaws.com"],
      // GitHub's published intermediate thumbprints; AWS no longer relies on them for this
      // provider, but older APIs (and emulators) require the field.
      thumbprintList: ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"],
    });

    const trust = (subjects: readonly string[]): RoleTrust => ({
      federated: this.provider.arn,
      conditions: {
        StringEquals: { [`${GITHUB_HOST}:aud`]: "sts.amazonaws.com" },
        "ForAnyValue:StringEquals": { [`${GITHUB_HOST}:sub`]: [...subjects] },
      },
    });

    const a = accountId;
    // Systems choose their region per deploy (trip-assistant's `aws_region` defaults to
    // us-east-2, say), so resource ARNs match any region; account and name prefix still scope
    // them. The state lock table is in the platform's region.
    const r = "*";
    const scopes: ServiceScope[] = [
      {
        sid: "TerraformState",
        resources: [
          `arn:aws:s3:::${stateBucket}`,
          ...stateKeyPrefixes.map((k) => `arn:aws:s3:::${stateBucket}/${k}/*`),
        ],
        read: ["s3:GetObject", "s3:ListBucket"],
        write: ["s3:PutObject", "s3:DeleteObject"],
      },
      {
        sid: "TerraformLocks",
        resources: [`arn:aws:dynamodb:${region}:${a}:table/${lockTable}`],
        // Plans lock the state too, so both roles write lock items.
        read: ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
        write: [],
      },
      {
        sid: "Buckets",
        resources: each((p) => `arn:aws:s3:::${p}-*`),
        read: ["s3:Get*", "s3:ListBucket"],
        write: ["s3:CreateBucket", "s3:DeleteBucket", "s3:Put*", "s3:DeleteBucketPolicy", "s3:DeleteObject*"],
      },
      {
        sid: "Tables",
        resources: each((p) => `arn:aws:dynamodb:${r}:${a}:table/${p}-*`),
        read: ["dynamodb:Describe*", "dynamodb:ListTagsOfResource"],
        write: [
          "dynamodb:CreateTable",
          "dynamodb:DeleteTable",
          "dynamodb:UpdateTable",
          "dynamodb:UpdateTimeToLive",
          "dynamodb:UpdateContinuousBackups",
          "dynamodb:TagResource",
          "dynamodb:UntagResource",
        ],
      },
      {
        sid: "Functions",
        resources: each((p) => `arn:aws:lambda:${r}:${a}:function:${p}-*`),
        read: ["lambda:Get*", "lambda:ListVersionsByFunction", "lambda:ListTags"],
        write: [
          "lambda:CreateFunction",
          "lambda:DeleteFunction",
          "lambda:Update*",
          "lambda:AddPermission",
          "lambda:RemovePermission",
          "lambda:CreateFunctionUrlConfig",
          "lambda:DeleteFunctionUrlConfig",
          "lambda:PutFunction*",
          "lambda:TagResource",
          "lambda:UntagResource",
          "lambda:PublishVersion",
          "lambda:CreateAlias",
          "lambda:DeleteAlias",
        ],
      },
      {
        sid: "Layers",
        resources: each((p) => `arn:aws:lambda:${r}:${a}:layer:${p}-*`),
        read: ["lambda:GetLayerVersion", "lambda:ListLayerVersions"],
        write: ["lambda:PublishLayerVersion", "lambda:DeleteLayerVersion"],
      },
      {
        sid: "Topics",
        resources: each((p) => `arn:aws:sns:${r}:${a}:${p}-*`),
        read: ["sns:GetTopicAttributes", "sns:ListTagsForResource", "sns:GetSubscriptionAttributes"],
        write: [
          "sns:CreateTopic",
          "sns:DeleteTopic",
          "sns:SetTopicAttributes",
          "sns:Subscribe",
          "sns:Unsubscribe",
          "sns:TagResource",
          "sns:UntagResource",
        ],
      },
      {
        sid: "EventRules",
        resources: each((p) => `arn:aws:events:${r}:${a}:rule/${p}-*`),
        read: ["events:DescribeRule", "events:ListTargetsByRule", "events:ListTagsForResource"],
        write: [
          "events:PutRule",
          "events:DeleteRule",
          "events:PutTargets",
          "events:RemoveTargets",
          "events:TagResource",
          "events:UntagResource",
        ],
      },
      {
        sid: "Roles",
        resources: each((p) => `arn:aws:iam::${a}:role/${p}-*`),
        read: [
          "iam:GetRole",
          "iam:GetRolePolicy",
          "iam:ListRolePolicies",
          "iam:ListAttachedRolePolicies",
          "iam:ListRoleTags",
        ],
        write: [
          "iam:CreateRole",
          "iam:DeleteRole",
          "iam:UpdateRole",
          "iam:UpdateAssumeRolePolicy",
          "iam:PutRolePolicy",
          "iam:DeleteRolePolicy",
          // Roles own their policy sets exclusively: a hand-attached managed policy is detached.
          "iam:DetachRolePolicy",
          "iam:TagRole",
          "iam:UntagRole",
          "iam:PassRole",
        ],
      },
      {
        sid: "LogGroups",
        // /aws/lambda/, /aws/apigateway/, /aws/codebuild/, /aws/vendedlogs/states/<prefix>-...:
        // one pattern per system (`*` spans "/"), which keeps the policy within IAM's size limit.
        resources: each((p) => `arn:aws:logs:${r}:${a}:log-group:/aws/*/${p}-*`),
        read: ["logs:ListTagsForResource", "logs:ListTagsLogGroup"],
        write: [
          "logs:CreateLogGroup",
          "logs:DeleteLogGroup",
          "logs:PutRetentionPolicy",
          "logs:TagResource",
          "logs:UntagResource",
          "logs:TagLogGroup",
        ],
      },
      {
        sid: "StateMachines",
        resources: each((p) => `arn:aws:states:${r}:${a}:stateMachine:${p}-*`),
        read: ["states:DescribeStateMachine", "states:ListTagsForResource"],
        write: [
          "states:CreateStateMachine",
          "states:DeleteStateMachine",
          "states:UpdateStateMachine",
          "states:TagResource",
          "states:UntagResource",
        ],
      },
      {
        sid: "BuildProjects",
        resources: each((p) => `arn:aws:codebuild:${r}:${a}:project/${p}-*`),
        read: ["codebuild:BatchGetProjects"],
        write: ["codebuild:CreateProject", "codebuild:DeleteProject", "codebuild:UpdateProject"],
      },
      {
        sid: "Repositories",
        resources: each((p) => `arn:aws:ecr:${r}:${a}:repository/${p}-*`),
        read: [
          "ecr:DescribeRepositories",
          "ecr:GetLifecyclePolicy",
          "ecr:GetRepositoryPolicy",
          "ecr:ListTagsForResource",
          "ecr:BatchGetImage",
          "ecr:BatchCheckLayerAvailability",
          "ecr:GetDownloadUrlForLayer",
        ],
        write: [
          "ecr:CreateRepository",
          "ecr:DeleteRepository",
          "ecr:PutLifecyclePolicy",
          "ecr:DeleteLifecyclePolicy",
          "ecr:PutImageScanningConfiguration",
          "ecr:PutImageTagMutability",
          "ecr:TagResource",
          "ecr:UntagResource",
          "ecr:SetRepositoryPolicy",
          "ecr:DeleteRepositoryPolicy",
          "ecr:InitiateLayerUpload",
          "ecr:UploadLayerPart",
          "ecr:CompleteLayerUpload",
          "ecr:PutImage",
        ],
      },
      {
        sid: "Queues",
        resources: each((p) => `arn:aws:sqs:${r}:${a}:${p}-*`),
        read: ["sqs:GetQueueAttributes", "sqs:ListQueueTags"],
        write: ["sqs:CreateQueue", "sqs:DeleteQueue", "sqs:SetQueueAttributes", "sqs:TagQueue", "sqs:UntagQueue"],
      },
      {
        sid: "Parameters",
        resources: each((p) => `arn:aws:ssm:${r}:${a}:parameter/${p}/*`),
        read: ["ssm:GetParameter", "ssm:GetParameters", "ssm:ListTagsForResource"],
        write: ["ssm:PutParameter", "ssm:DeleteParameter", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource"],
      },
      {
        // sales-platform's optional QuickSight data sources and datasets.
        sid: "QuickSight",
        resources: ["datasource", "dataset"].flatMap((kind) =>
          each((p) => `arn:aws:quicksight:${r}:${a}:${kind}/${p}-*`),
        ),
        read: ["quicksight:Describe*", "quicksight:ListTagsForResource"],
        write: [
          "quicksight:Create*",
          "quicksight:Update*",
          "quicksight:Delete*",
          "quicksight:PassDataSource",
          "quicksight:TagResource",
          "quicksight:UntagResource",
        ],
      },
      {
        // AWS-managed keys (aws/ssm for SecureStrings) are looked up by alias.
        sid: "ManagedKeys",
        resources: [`arn:aws:kms:${r}:${a}:key/*`],
        read: ["kms:DescribeKey"],
        write: [],
      },
      {
        // API Gateway ARNs (HTTP and REST) carry the API id, not its name or account, so the
        // scope is the account's APIs (IAM grants nothing in other accounts).
        sid: "HttpApis",
        resources: [
          `arn:aws:apigateway:${r}::/apis`,
          `arn:aws:apigateway:${r}::/apis/*`,
          `arn:aws:apigateway:${r}::/restapis`,
          `arn:aws:apigateway:${r}::/restapis/*`,
          `arn:aws:apigateway:${r}::/tags/*`,
          // The region's API Gateway CloudWatch role (REST stage logging; sales-platform sets it).
          `arn:aws:apigateway:${r}::/account`,
        ],
        read: ["apigateway:GET"],
        write: ["apigateway:POST", "apigateway:PATCH", "apigateway:PUT", "apigateway:DELETE"],
      },
    ];
    const makeRole = (id: string, name: string, description: string, subjects: readonly string[], write: boolean) => {
      const role = new Role(this, id, {
        roleName: `${rolePrefix}-github-${name}`,
        description,
        assumedBy: trust(subjects),
        policyName: name,
      });
      for (const s of scopes) {
        role.addToPolicy({
          sid: s.sid,
          actions: write ? [...s.read, ...s.write] : [...s.read],
          resources: s.resources,
        });
      }
      role.addToPolicy({
        sid: "AccountWideReads",
        actions: [
          "ecr:GetAuthorizationToken",
          "logs:DescribeLogGroups",
          "ssm:DescribeParameters",
          "sts:GetCallerIdentity",
          "kms:ListAliases",
        ],
        resources: ["*"],
        wildcardReason: "these calls are authorized on the account only; AWS has no resource-level permission for them",
      });
      return role;
    };
    this.planRole = makeRole(
      "PlanRole",
      "plan",
      `terraform plan from ${repository} (pull requests and main)`,
      [`repo:${repository}:pull_request`, `repo:${repository}:ref:refs/heads/main`],
      false,
    );
    this.deployRole = makeRole(
      "DeployRole",
      "deploy",
      `cdktf deploy from ${repository} (environments ${deployEnvironments.join(", ")})`,
      deployEnvironments.map((e) => `repo:${repository}:environment:${e}`),
      true,
    );
  }
}
