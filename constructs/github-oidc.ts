import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";

export const GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com";
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
  /** Name prefix of everything the stacks manage; the deploy policy is limited to it. */
  readonly prefix: string;
  readonly accountId: string;
  readonly region: string;
  /** The state bucket and lock table (possibly not prefix-named). */
  readonly stateBucket: string;
  readonly lockTable: string;
  /** Adopt the roles if they exist. @default false */
  readonly adoptRoles?: boolean;
}

/**
 * GitHub Actions OIDC federation: the identity provider, a plan role that pull requests and
 * main may assume (read-only on our resources, plus the state lock), and a deploy role only
 * jobs in the named GitHub environments may assume. Both trust exactly one repository, with
 * audience sts.amazonaws.com and the `sub` claim pinned; no long-lived keys anywhere.
 */
export class GithubOidc extends Construct {
  readonly provider: IamOpenidConnectProvider;
  readonly planRole: IamRole;
  readonly deployRole: IamRole;

  constructor(scope: Construct, id: string, props: GithubOidcProps) {
    super(scope, id);
    const { repository, deployEnvironments, prefix, accountId, region, stateBucket, lockTable } = props;
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

    const trust = (subjects: readonly string[]) =>
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Federated: this.provider.arn },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
              StringEquals: { [`${GITHUB_HOST}:aud`]: "sts.amazonaws.com" },
              "ForAnyValue:StringEquals": { [`${GITHUB_HOST}:sub`]: subjects },
            },
          },
        ],
      });

    const a = accountId;
    const r = region;
    const scopes: ServiceScope[] = [
      {
        sid: "TerraformState",
        resources: [`arn:aws:s3:::${stateBucket}`, `arn:aws:s3:::${stateBucket}/${prefix}/*`],
        read: ["s3:GetObject", "s3:ListBucket"],
        write: ["s3:PutObject", "s3:DeleteObject"],
      },
      {
        sid: "TerraformLocks",
        resources: [`arn:aws:dynamodb:${r}:${a}:table/${lockTable}`],
        // Plans lock the state too, so both roles write lock items.
        read: ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
        write: [],
      },
      {
        sid: "Buckets",
        resources: [`arn:aws:s3:::${prefix}-*`],
        read: ["s3:Get*", "s3:ListBucket"],
        write: ["s3:CreateBucket", "s3:DeleteBucket", "s3:Put*", "s3:DeleteBucketPolicy", "s3:DeleteObject*"],
      },
      {
        sid: "Tables",
        resources: [`arn:aws:dynamodb:${r}:${a}:table/${prefix}-*`],
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
        resources: [`arn:aws:lambda:${r}:${a}:function:${prefix}-*`],
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
        ],
      },
      {
        sid: "Roles",
        resources: [`arn:aws:iam::${a}:role/${prefix}-*`],
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
          "iam:TagRole",
          "iam:UntagRole",
          "iam:PassRole",
        ],
      },
      {
        sid: "LogGroups",
        resources: ["lambda", "apigateway", "codebuild", "vendedlogs/states"].flatMap((kind) => [
          `arn:aws:logs:${r}:${a}:log-group:/aws/${kind}/${prefix}-*`,
        ]),
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
        resources: [`arn:aws:states:${r}:${a}:stateMachine:${prefix}-*`],
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
        resources: [`arn:aws:codebuild:${r}:${a}:project/${prefix}-*`],
        read: ["codebuild:BatchGetProjects"],
        write: ["codebuild:CreateProject", "codebuild:DeleteProject", "codebuild:UpdateProject"],
      },
      {
        sid: "Repositories",
        resources: [`arn:aws:ecr:${r}:${a}:repository/${prefix}-*`],
        read: [
          "ecr:DescribeRepositories",
          "ecr:GetLifecyclePolicy",
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
          "ecr:InitiateLayerUpload",
          "ecr:UploadLayerPart",
          "ecr:CompleteLayerUpload",
          "ecr:PutImage",
        ],
      },
      {
        sid: "Queues",
        resources: [`arn:aws:sqs:${r}:${a}:${prefix}-*`],
        read: ["sqs:GetQueueAttributes", "sqs:ListQueueTags"],
        write: ["sqs:CreateQueue", "sqs:DeleteQueue", "sqs:SetQueueAttributes", "sqs:TagQueue", "sqs:UntagQueue"],
      },
      {
        sid: "Parameters",
        resources: [`arn:aws:ssm:${r}:${a}:parameter/${prefix}/*`],
        read: ["ssm:GetParameter", "ssm:GetParameters", "ssm:ListTagsForResource"],
        write: ["ssm:PutParameter", "ssm:DeleteParameter", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource"],
      },
      {
        // API Gateway v2 ARNs carry the API id, not its name, so the scope is this region's APIs.
        sid: "HttpApis",
        resources: [
          `arn:aws:apigateway:${r}::/apis`,
          `arn:aws:apigateway:${r}::/apis/*`,
          `arn:aws:apigateway:${r}::/tags/*`,
        ],
        read: ["apigateway:GET"],
        write: ["apigateway:POST", "apigateway:PATCH", "apigateway:PUT", "apigateway:DELETE"],
      },
    ];
    // Calls AWS authorizes on the account only (no resource-level permission exists for them).
    const accountWide = {
      Sid: "AccountWideReads",
      Effect: "Allow",
      Action: [
        "ecr:GetAuthorizationToken",
        "logs:DescribeLogGroups",
        "ssm:DescribeParameters",
        "sts:GetCallerIdentity",
      ],
      Resource: "*",
    };
    const policy = (write: boolean) =>
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          ...scopes.map((s) => ({
            Sid: s.sid,
            Effect: "Allow",
            Action: write ? [...s.read, ...s.write] : [...s.read],
            Resource: [...s.resources],
          })),
          accountWide,
        ],
      });

    this.planRole = new IamRole(this, "PlanRole", {
      name: `${prefix}-github-plan`,
      description: `terraform plan from ${repository} (pull requests and main)`,
      assumeRolePolicy: trust([`repo:${repository}:pull_request`, `repo:${repository}:ref:refs/heads/main`]),
      maxSessionDuration: 3600,
    });
    this.deployRole = new IamRole(this, "DeployRole", {
      name: `${prefix}-github-deploy`,
      description: `cdktf deploy from ${repository} (environments ${deployEnvironments.join(", ")})`,
      assumeRolePolicy: trust(deployEnvironments.map((e) => `repo:${repository}:environment:${e}`)),
      maxSessionDuration: 3600,
    });
    if (props.adoptRoles) {
      this.planRole.importFrom(`${prefix}-github-plan`);
      this.deployRole.importFrom(`${prefix}-github-deploy`);
    }
    new IamRolePolicy(this, "PlanPolicy", { name: "plan", role: this.planRole.name, policy: policy(false) });
    new IamRolePolicy(this, "DeployPolicy", { name: "deploy", role: this.deployRole.name, policy: policy(true) });
  }
}
