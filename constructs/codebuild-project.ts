import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CodebuildProject } from "@cdktf/provider-aws/lib/codebuild-project";
import { Construct } from "constructs";
import { type Grant, grantTo, type IGrantable, type IPrincipal, Role, sidFor, type Use, use } from "./iam";
import { assertRetention, fitName, NAME_LIMITS } from "./names";

export interface CodeBuildProjectProps {
  readonly projectName: string;
  /** Private ECR image the build runs in; pulled with the project's service role. */
  readonly imageUri: string;
  /** ARN of the ECR repository holding `imageUri` (for the pull permission). */
  readonly repositoryArn: string;
  /** Inline buildspec (YAML). */
  readonly buildspec: string;
  readonly environment?: Readonly<Record<string, string>>;
  /** @default "BUILD_GENERAL1_SMALL" */
  readonly computeType?: string;
  /** Minutes, 5-2160. @default 60 */
  readonly buildTimeoutMinutes?: number;
  /** @default 30 */
  readonly logRetentionDays?: number;
  /** @default `${projectName}-codebuild-role`, fitted to 64 characters */
  readonly roleName?: string;
}

/**
 * A CodeBuild project that runs in a private ECR image (privileged mode off), logs to its
 * own log group, and whose service role may pull exactly that repository.
 */
export class CodeBuildProject extends Construct implements IGrantable {
  private readonly memo: Record<string, string> = {};
  readonly resource: CodebuildProject;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: CodeBuildProjectProps) {
    super(scope, id);
    const {
      projectName,
      imageUri,
      repositoryArn,
      buildspec,
      environment = {},
      computeType = "BUILD_GENERAL1_SMALL",
      buildTimeoutMinutes = 60,
      logRetentionDays = 30,
      roleName = fitName(`${projectName}-codebuild-role`, NAME_LIMITS.iamRole),
    } = props;
    if (!Number.isInteger(buildTimeoutMinutes) || buildTimeoutMinutes < 5 || buildTimeoutMinutes > 2160) {
      throw new Error(`${this.node.path}: buildTimeoutMinutes ${buildTimeoutMinutes} must be from 5 to 2160`);
    }
    assertRetention(this.node.path, logRetentionDays);
    this.role = new Role(this, "Role", { roleName, assumedBy: { service: "codebuild.amazonaws.com" } });
    const logGroup = new CloudwatchLogGroup(this, "LogGroup", {
      name: `/aws/codebuild/${projectName}`,
      retentionInDays: logRetentionDays,
    });
    this.role.addToPolicy({
      sid: "EcrAuthorizationToken",
      actions: ["ecr:GetAuthorizationToken"],
      resources: ["*"],
      wildcardReason: "ecr:GetAuthorizationToken is account-wide and supports no resource-level permission",
    });
    this.role.addToPolicy({
      sid: "PullBuildImage",
      actions: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
      resources: [repositoryArn],
    });
    this.role.addToPolicy({
      sid: "WriteBuildLogs",
      actions: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
      resources: [logGroup.arn, `${logGroup.arn}:*`],
    });
    this.resource = new CodebuildProject(this, "Resource", {
      name: projectName,
      serviceRole: this.role.arn,
      buildTimeout: buildTimeoutMinutes,
      artifacts: { type: "NO_ARTIFACTS" },
      source: { type: "NO_SOURCE", buildspec },
      environment: {
        type: "LINUX_CONTAINER",
        computeType,
        image: imageUri,
        imagePullCredentialsType: "SERVICE_ROLE",
        privilegedMode: false,
        environmentVariable: Object.entries(environment).map(([name, value]) => ({
          name,
          value,
          type: "PLAINTEXT",
        })),
      },
      logsConfig: { cloudwatchLogs: { groupName: logGroup.name, status: "ENABLED" } },
      dependsOn: this.role.policyDependable ? [this.role.policyDependable] : [],
    });
  }

  get grantPrincipal(): IPrincipal {
    return this.role;
  }

  get arn(): string {
    return this.resource.arn;
  }

  /** Memoized: one token, so every user of the name sees the same value. */
  get projectName(): string {
    this.memo.projectName ??= this.resource.name;
    return this.memo.projectName;
  }

  grantStartBuild(grantee: IGrantable): Grant {
    return grantTo(grantee, {
      sid: sidFor(this, "StartBuild"),
      actions: ["codebuild:BatchGetBuilds", "codebuild:StartBuild"],
      resources: [this.arn],
    });
  }

  /** A Use: start builds of this project; its name in env var `envName`. */
  startBuild(envName: string): Use {
    return use((g) => this.grantStartBuild(g), { name: envName, value: this.projectName });
  }
}
