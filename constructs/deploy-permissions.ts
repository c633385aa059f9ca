/**
 * What a system's GitHub deploy and plan roles may do, derived from what its stacks create: each
 * Terraform resource (and data source) type names the permission scopes the AWS provider needs to
 * create, read, update and delete it; a system's roles get exactly the scopes of its types, each
 * limited to the system's name prefix. A type missing here fails synth with a message naming it,
 * so a new kind of resource cannot ship with a deploy role that cannot create it.
 */

/** One service's permissions: the ARNs a role may touch, and the actions for plan and for deploy. */
export interface PermissionScope {
  readonly sid: string;
  readonly resources: readonly string[];
  readonly read: readonly string[];
  readonly write: readonly string[];
  /** Why the scope is `*` (AWS has no resource-level permission for these actions). */
  readonly wildcardReason?: string;
}

/** Where a system's resources live: its name prefixes, account and the bucket names it may own. */
export interface ScopeContext {
  /** Name prefixes of the system's resources (`<prefix>-*`). */
  readonly namePrefixes: readonly string[];
  readonly account: string;
  /** Extra S3 bucket name patterns (a bucket named by a deploy-time variable). */
  readonly bucketPatterns?: readonly string[];
}

type ScopeId =
  | "Buckets"
  | "Objects"
  | "Tables"
  | "Functions"
  | "Layers"
  | "Topics"
  | "EventRules"
  | "Roles"
  | "LogGroups"
  | "StateMachines"
  | "DefinitionChecks"
  | "BuildProjects"
  | "Repositories"
  | "RegistryLogin"
  | "Queues"
  | "Parameters"
  | "ParameterListing"
  | "QuickSight"
  | "Keys"
  | "CustomerKeys"
  | "KeyCreation"
  | "Apis"
  | "ApiAccount"
  | "ApiExecutionLogs"
  | "Alarms";

// Systems may choose their region per deploy (an `aws_region` variable), so ARNs match
// any region; the account and the name prefix still scope them.
const R = "*";

const SCOPES: Record<ScopeId, (c: ScopeContext) => PermissionScope> = {
  Buckets: (c) => ({
    sid: "Buckets",
    resources: [
      ...c.namePrefixes.map((p) => `arn:aws:s3:::${p}-*`),
      ...(c.bucketPatterns ?? []).map((b) => `arn:aws:s3:::${b}`),
    ],
    read: ["s3:Get*", "s3:ListBucket", "s3:ListBucketVersions"],
    // DeleteObject* and versions: destroy empties a versioned bucket before deleting it.
    write: ["s3:CreateBucket", "s3:DeleteBucket", "s3:Put*", "s3:DeleteBucketPolicy", "s3:DeleteObject*"],
  }),
  Objects: (c) => ({
    sid: "Objects",
    resources: [
      ...c.namePrefixes.map((p) => `arn:aws:s3:::${p}-*/*`),
      ...(c.bucketPatterns ?? []).map((b) => `arn:aws:s3:::${b}/*`),
    ],
    read: ["s3:GetObject", "s3:GetObjectTagging"],
    write: ["s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObject", "s3:DeleteObjectVersion"],
  }),
  Tables: (c) => ({
    sid: "Tables",
    resources: c.namePrefixes.map((p) => `arn:aws:dynamodb:${R}:${c.account}:table/${p}-*`),
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
  }),
  Functions: (c) => ({
    sid: "Functions",
    resources: c.namePrefixes.map((p) => `arn:aws:lambda:${R}:${c.account}:function:${p}-*`),
    read: ["lambda:Get*", "lambda:ListVersionsByFunction", "lambda:ListTags", "lambda:ListAliases"],
    write: [
      "lambda:CreateFunction",
      "lambda:DeleteFunction",
      "lambda:Update*",
      "lambda:AddPermission",
      "lambda:RemovePermission",
      "lambda:CreateFunctionUrlConfig",
      "lambda:DeleteFunctionUrlConfig",
      "lambda:PutFunction*",
      "lambda:DeleteFunctionEventInvokeConfig",
      "lambda:DeleteFunctionConcurrency",
      "lambda:TagResource",
      "lambda:UntagResource",
      "lambda:PublishVersion",
      "lambda:CreateAlias",
      "lambda:DeleteAlias",
    ],
  }),
  Layers: (c) => ({
    sid: "Layers",
    resources: c.namePrefixes.map((p) => `arn:aws:lambda:${R}:${c.account}:layer:${p}-*`),
    read: ["lambda:GetLayerVersion", "lambda:ListLayerVersions"],
    write: ["lambda:PublishLayerVersion", "lambda:DeleteLayerVersion"],
  }),
  Topics: (c) => ({
    sid: "Topics",
    resources: c.namePrefixes.map((p) => `arn:aws:sns:${R}:${c.account}:${p}-*`),
    read: ["sns:GetTopicAttributes", "sns:ListTagsForResource", "sns:GetSubscriptionAttributes"],
    write: [
      "sns:CreateTopic",
      "sns:DeleteTopic",
      "sns:SetTopicAttributes",
      "sns:Subscribe",
      "sns:Unsubscribe",
      "sns:SetSubscriptionAttributes",
      "sns:TagResource",
      "sns:UntagResource",
    ],
  }),
  EventRules: (c) => ({
    sid: "EventRules",
    resources: c.namePrefixes.map((p) => `arn:aws:events:${R}:${c.account}:rule/${p}-*`),
    read: ["events:DescribeRule", "events:ListTargetsByRule", "events:ListTagsForResource"],
    write: [
      "events:PutRule",
      "events:DeleteRule",
      "events:PutTargets",
      "events:RemoveTargets",
      "events:TagResource",
      "events:UntagResource",
    ],
  }),
  Roles: (c) => ({
    sid: "Roles",
    // Path "/" only: the GitHub roles live under /github/, out of every system's reach.
    resources: c.namePrefixes.map((p) => `arn:aws:iam::${c.account}:role/${p}-*`),
    read: [
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListRolePolicies",
      "iam:ListAttachedRolePolicies",
      "iam:ListRoleTags",
      "iam:ListInstanceProfilesForRole",
    ],
    write: [
      "iam:CreateRole",
      "iam:DeleteRole",
      "iam:UpdateRole",
      "iam:UpdateRoleDescription",
      "iam:UpdateAssumeRolePolicy",
      "iam:PutRolePolicy",
      "iam:DeleteRolePolicy",
      // Roles own their policy sets exclusively: a hand-attached managed policy is detached.
      "iam:DetachRolePolicy",
      "iam:TagRole",
      "iam:UntagRole",
      "iam:PassRole",
    ],
  }),
  LogGroups: (c) => ({
    sid: "LogGroups",
    // /aws/lambda/, /aws/apigateway/, /aws/codebuild/, /aws/vendedlogs/states/<prefix>-... (`*` spans "/").
    resources: c.namePrefixes.map((p) => `arn:aws:logs:${R}:${c.account}:log-group:/aws/*/${p}-*`),
    read: ["logs:ListTagsForResource", "logs:ListTagsLogGroup"],
    write: [
      "logs:CreateLogGroup",
      "logs:DeleteLogGroup",
      "logs:PutRetentionPolicy",
      "logs:DeleteRetentionPolicy",
      "logs:TagResource",
      "logs:UntagResource",
      "logs:TagLogGroup",
    ],
  }),
  StateMachines: (c) => ({
    sid: "StateMachines",
    resources: c.namePrefixes.map((p) => `arn:aws:states:${R}:${c.account}:stateMachine:${p}-*`),
    read: ["states:DescribeStateMachine", "states:ListTagsForResource", "states:ListStateMachineVersions"],
    write: [
      "states:CreateStateMachine",
      "states:DeleteStateMachine",
      "states:UpdateStateMachine",
      "states:TagResource",
      "states:UntagResource",
    ],
  }),
  DefinitionChecks: () => ({
    // The provider validates a state machine's definition at plan and at apply.
    sid: "DefinitionChecks",
    resources: ["*"],
    read: ["states:ValidateStateMachineDefinition"],
    write: [],
    wildcardReason: "states:ValidateStateMachineDefinition is authorized on the account only",
  }),
  BuildProjects: (c) => ({
    sid: "BuildProjects",
    resources: c.namePrefixes.map((p) => `arn:aws:codebuild:${R}:${c.account}:project/${p}-*`),
    read: ["codebuild:BatchGetProjects"],
    write: ["codebuild:CreateProject", "codebuild:DeleteProject", "codebuild:UpdateProject"],
  }),
  Repositories: (c) => ({
    sid: "Repositories",
    resources: c.namePrefixes.map((p) => `arn:aws:ecr:${R}:${c.account}:repository/${p}-*`),
    read: [
      "ecr:DescribeRepositories",
      "ecr:GetLifecyclePolicy",
      "ecr:GetRepositoryPolicy",
      "ecr:ListTagsForResource",
      "ecr:BatchGetImage",
      "ecr:BatchCheckLayerAvailability",
      "ecr:GetDownloadUrlForLayer",
    ],
    // The image pushes before a deploy (a stack's ci-hook) use the same role.
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
  }),
  RegistryLogin: () => ({
    sid: "RegistryLogin",
    resources: ["*"],
    read: ["ecr:GetAuthorizationToken"],
    write: [],
    wildcardReason: "ecr:GetAuthorizationToken is authorized on the account only",
  }),
  Queues: (c) => ({
    sid: "Queues",
    resources: c.namePrefixes.map((p) => `arn:aws:sqs:${R}:${c.account}:${p}-*`),
    read: ["sqs:GetQueueAttributes", "sqs:ListQueueTags"],
    write: ["sqs:CreateQueue", "sqs:DeleteQueue", "sqs:SetQueueAttributes", "sqs:TagQueue", "sqs:UntagQueue"],
  }),
  Parameters: (c) => ({
    sid: "Parameters",
    resources: c.namePrefixes.map((p) => `arn:aws:ssm:${R}:${c.account}:parameter/${p}/*`),
    read: ["ssm:GetParameter", "ssm:GetParameters", "ssm:ListTagsForResource"],
    write: ["ssm:PutParameter", "ssm:DeleteParameter", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource"],
  }),
  ParameterListing: () => ({
    // The provider reads a parameter's tier and description with DescribeParameters.
    sid: "ParameterListing",
    resources: ["*"],
    read: ["ssm:DescribeParameters"],
    write: [],
    wildcardReason: "ssm:DescribeParameters is authorized on the account only",
  }),
  QuickSight: (c) => ({
    sid: "QuickSight",
    resources: ["datasource", "dataset", "dashboard"].flatMap((kind) =>
      c.namePrefixes.map((p) => `arn:aws:quicksight:${R}:${c.account}:${kind}/${p}-*`),
    ),
    read: ["quicksight:Describe*", "quicksight:ListTagsForResource"],
    write: [
      "quicksight:Create*",
      "quicksight:Update*",
      "quicksight:Delete*",
      "quicksight:PassDataSource",
      "quicksight:PassDataSet",
      "quicksight:TagResource",
      "quicksight:UntagResource",
    ],
  }),
  Keys: (c) => ({
    // AWS-managed keys (aws/ssm for SecureStrings) are looked up by alias.
    sid: "ManagedKeys",
    resources: [`arn:aws:kms:${R}:${c.account}:key/*`],
    read: ["kms:DescribeKey"],
    write: [],
  }),
  CustomerKeys: (c) => ({
    // A key's ARN carries a random id, never a name: the scope is the account's keys (the
    // system's keys are told apart by their tags; the emulator does not supply resource tags,
    // so the policy cannot condition on them and stay provable here).
    sid: "CustomerKeys",
    resources: [`arn:aws:kms:${R}:${c.account}:key/*`],
    read: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"],
    write: [
      "kms:PutKeyPolicy",
      "kms:EnableKeyRotation",
      "kms:DisableKeyRotation",
      "kms:UpdateKeyDescription",
      "kms:EnableKey",
      "kms:DisableKey",
      "kms:ScheduleKeyDeletion",
      "kms:TagResource",
      "kms:UntagResource",
    ],
  }),
  KeyCreation: () => ({
    sid: "KeyCreation",
    resources: ["*"],
    read: [],
    write: ["kms:CreateKey"],
    wildcardReason: "kms:CreateKey is authorized on the account only (the key does not exist yet)",
  }),
  Apis: () => ({
    // API Gateway ARNs (HTTP and REST) carry the API id, not its name or account: the scope is
    // the account's APIs (IAM grants nothing in other accounts).
    sid: "Apis",
    resources: [
      `arn:aws:apigateway:${R}::/apis`,
      `arn:aws:apigateway:${R}::/apis/*`,
      `arn:aws:apigateway:${R}::/restapis`,
      `arn:aws:apigateway:${R}::/restapis/*`,
      `arn:aws:apigateway:${R}::/tags/*`,
    ],
    read: ["apigateway:GET"],
    write: ["apigateway:POST", "apigateway:PATCH", "apigateway:PUT", "apigateway:DELETE"],
  }),
  ApiAccount: () => ({
    // The region's API Gateway CloudWatch role (REST stage logging).
    sid: "ApiAccount",
    resources: [`arn:aws:apigateway:${R}::/account`],
    read: ["apigateway:GET"],
    write: ["apigateway:PATCH"],
  }),
  ApiExecutionLogs: (c) => ({
    // A REST stage's execution log group is named by the API's id, known only once it exists.
    sid: "ApiExecutionLogs",
    resources: [`arn:aws:logs:${R}:${c.account}:log-group:API-Gateway-Execution-Logs_*`],
    read: ["logs:ListTagsForResource", "logs:ListTagsLogGroup"],
    write: [
      "logs:CreateLogGroup",
      "logs:DeleteLogGroup",
      "logs:PutRetentionPolicy",
      "logs:DeleteRetentionPolicy",
      "logs:TagResource",
      "logs:UntagResource",
      "logs:TagLogGroup",
    ],
  }),
  Alarms: (c) => ({
    sid: "Alarms",
    resources: c.namePrefixes.map((p) => `arn:aws:cloudwatch:${R}:${c.account}:alarm:${p}-*`),
    read: ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"],
    write: [
      "cloudwatch:PutMetricAlarm",
      "cloudwatch:DeleteAlarms",
      "cloudwatch:TagResource",
      "cloudwatch:UntagResource",
    ],
  }),
};

/**
 * The scopes each Terraform type needs. Types that call no AWS API (policy documents, random
 * values, the region and partition data sources) need none.
 */
export const RESOURCE_SCOPES: Readonly<Record<string, readonly ScopeId[]>> = {
  aws_s3_bucket: ["Buckets"],
  aws_s3_bucket_cors_configuration: ["Buckets"],
  aws_s3_bucket_lifecycle_configuration: ["Buckets"],
  aws_s3_bucket_notification: ["Buckets"],
  aws_s3_bucket_policy: ["Buckets"],
  aws_s3_bucket_public_access_block: ["Buckets"],
  aws_s3_bucket_server_side_encryption_configuration: ["Buckets"],
  aws_s3_bucket_versioning: ["Buckets"],
  aws_s3_object: ["Objects"],
  aws_dynamodb_table: ["Tables"],
  aws_lambda_function: ["Functions"],
  aws_lambda_alias: ["Functions"],
  aws_lambda_permission: ["Functions"],
  aws_lambda_function_url: ["Functions"],
  aws_lambda_function_event_invoke_config: ["Functions"],
  aws_lambda_layer_version: ["Layers"],
  aws_sns_topic: ["Topics"],
  aws_sns_topic_subscription: ["Topics"],
  aws_sns_topic_policy: ["Topics"],
  aws_cloudwatch_event_rule: ["EventRules"],
  aws_cloudwatch_event_target: ["EventRules"],
  aws_iam_role: ["Roles"],
  aws_iam_role_policy: ["Roles"],
  aws_iam_role_policies_exclusive: ["Roles"],
  aws_iam_role_policy_attachments_exclusive: ["Roles"],
  aws_cloudwatch_log_group: ["LogGroups"],
  aws_sfn_state_machine: ["StateMachines", "DefinitionChecks"],
  aws_codebuild_project: ["BuildProjects"],
  aws_ecr_repository: ["Repositories", "RegistryLogin"],
  aws_ecr_lifecycle_policy: ["Repositories"],
  aws_ecr_repository_policy: ["Repositories"],
  aws_sqs_queue: ["Queues"],
  aws_sqs_queue_policy: ["Queues"],
  aws_ssm_parameter: ["Parameters", "ParameterListing", "Keys"],
  aws_quicksight_data_source: ["QuickSight"],
  aws_quicksight_data_set: ["QuickSight"],
  aws_quicksight_dashboard: ["QuickSight"],
  aws_apigatewayv2_api: ["Apis"],
  aws_apigatewayv2_integration: ["Apis"],
  aws_apigatewayv2_route: ["Apis"],
  aws_apigatewayv2_stage: ["Apis"],
  aws_api_gateway_rest_api: ["Apis"],
  aws_api_gateway_deployment: ["Apis"],
  aws_api_gateway_stage: ["Apis", "ApiExecutionLogs"],
  aws_api_gateway_method_settings: ["Apis"],
  aws_api_gateway_account: ["ApiAccount", "Roles"],
  aws_cloudwatch_metric_alarm: ["Alarms"],
  "data.aws_kms_key": ["Keys"],
  aws_kms_key: ["CustomerKeys", "KeyCreation"],
  "data.aws_caller_identity": [],
  "data.aws_iam_policy_document": [],
  "data.aws_region": [],
  "data.aws_partition": [],
  random_password: [],
  random_string: [],
  random_id: [],
  archive_file: [],
  "data.archive_file": [],
};

export class UncoveredResourceTypeError extends Error {
  override name = "UncoveredResourceTypeError";
}

/**
 * Scopes a system declares for resource types the catalogue does not cover (an AWS service only
 * it uses), by type: its descriptor's `deployPermissions`, kept in the system's own folder.
 */
export type SystemScopes = Readonly<Record<string, readonly ((context: ScopeContext) => PermissionScope)[]>>;

/**
 * The permission scopes a system whose stacks hold `types` needs (each scope once, in the
 * catalogue's order, then the system's own). An unknown type fails, naming it and the system.
 */
export function scopesFor(
  system: string,
  types: Iterable<string>,
  context: ScopeContext,
  own: SystemScopes = {},
): PermissionScope[] {
  const wanted = new Set<ScopeId>();
  const unknown: string[] = [];
  const ownScopes: PermissionScope[] = [];
  for (const type of types) {
    const scopes = RESOURCE_SCOPES[type];
    if (scopes !== undefined) for (const s of scopes) wanted.add(s);
    else if (own[type] !== undefined) {
      for (const make of own[type]) {
        const scope = make(context);
        if (!ownScopes.some((s) => s.sid === scope.sid)) ownScopes.push(scope);
      }
    } else unknown.push(type);
  }
  if (unknown.length) {
    throw new UncoveredResourceTypeError(
      `${system}'s stacks use ${[...new Set(unknown)].sort().join(", ")}, which no deploy-role scope covers: ` +
        "add the type and the permissions the provider needs for it to RESOURCE_SCOPES in constructs/deploy-permissions.ts " +
        "(a service the library serves), or to the system's own `deployPermissions` (one only it uses)",
    );
  }
  const catalogue = (Object.keys(SCOPES) as ScopeId[]).filter((id) => wanted.has(id)).map((id) => SCOPES[id](context));
  const clash = ownScopes.filter((s) => catalogue.some((c) => c.sid === s.sid));
  if (clash.length) {
    throw new Error(`${system}'s own deploy scopes reuse the catalogue's ids: ${clash.map((s) => s.sid).join(", ")}`);
  }
  return [...catalogue, ...ownScopes];
}

/** IAM's limit on a role's inline policies, in characters without whitespace. */
export const INLINE_POLICY_LIMIT = 10_240;
