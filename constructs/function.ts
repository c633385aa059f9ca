import { DataArchiveFile } from "@cdktf/provider-archive/lib/data-archive-file";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { LambdaFunction as LambdaFunctionResource } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
import { LambdaFunctionUrl } from "@cdktf/provider-aws/lib/lambda-function-url";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { pascalSid, XRAY_WILDCARD_REASON, XRAY_WRITE_ACTIONS } from "./grants";
import { type IGrantable, ServiceRole } from "./iam";

/** Code from a container image: the image URI and the command that selects the handler. */
export interface ImageCode {
  readonly kind: "image";
  readonly imageUri: string;
  /** Image CMD override (the handler this function runs). */
  readonly command: readonly string[];
}

/** Code zipped from a file or directory by the archive provider at plan time. */
export interface ZipCode {
  readonly kind: "zip";
  /** A directory (e.g. a bundle's output folder) or a single file to zip. */
  readonly source: { readonly dir: string } | { readonly file: string };
  /** Where the archive provider writes the zip, relative to the stack directory. */
  readonly outputPath: string;
  /** Handler, e.g. `index.handler`. */
  readonly handler: string;
  /** @default "nodejs22.x" */
  readonly runtime?: string;
}

export interface FunctionProps {
  /** Physical function name (1-64 characters). */
  readonly functionName: string;
  readonly code: ImageCode | ZipCode;
  /** Seconds, 1-900. @default 30 */
  readonly timeout?: number;
  /** MB, 128-10240. @default 256 */
  readonly memorySize?: number;
  /** Environment variables. @default {} */
  readonly environment?: Readonly<Record<string, string>>;
  /** Days to keep logs; must be a CloudWatch retention value. @default 30 */
  readonly logRetentionDays?: number;
  /** Adopt an existing IAM role of the same name with an import block. @default false */
  readonly adoptRole?: boolean;
  /** Role name. @default `${functionName}-role` */
  readonly roleName?: string;
  /** X-Ray tracing. @default true */
  readonly tracing?: boolean;
  /**
   * An encrypted SQS dead-letter queue for events of asynchronous invocations that still fail
   * after Lambda's retries, so nothing is silently dropped. @default true
   */
  readonly deadLetterQueue?: boolean;
  /**
   * How often Lambda retries a failed asynchronous invocation (0-2). Use 0 for functions
   * whose work must not run twice. @default 2 (Lambda's own default)
   */
  readonly asyncRetryAttempts?: number;
  readonly description?: string;
}

/**
 * A Lambda function with its own role, an explicit log group with finite retention, and a
 * logs permission scoped to that log group only (no managed policy). The function depends on
 * its log group and its policy, so it never runs before it can log or do its job.
 */
export class LambdaFunction extends Construct implements IGrantable {
  readonly resource: LambdaFunctionResource;
  readonly role: ServiceRole;
  readonly logGroup: CloudwatchLogGroup;
  readonly functionName: string;
  readonly deadLetterQueue?: SqsQueue;

  constructor(scope: Construct, id: string, props: FunctionProps) {
    super(scope, id);
    const {
      functionName,
      code,
      timeout = 30,
      memorySize = 256,
      environment = {},
      logRetentionDays = 30,
      adoptRole = false,
      roleName = `${functionName}-role`,
      tracing = true,
      deadLetterQueue = true,
      asyncRetryAttempts,
      description,
    } = props;
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(functionName)) {
      throw new Error(`${this.node.path}: function name "${functionName}" must be 1-64 of letters, digits, _ and -`);
    }
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > 900) {
      throw new Error(`${this.node.path}: timeout ${timeout} must be an integer from 1 to 900 seconds`);
    }
    if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10240) {
      throw new Error(`${this.node.path}: memorySize ${memorySize} must be an integer from 128 to 10240 MB`);
    }
    if (asyncRetryAttempts !== undefined && ![0, 1, 2].includes(asyncRetryAttempts)) {
      throw new Error(`${this.node.path}: asyncRetryAttempts ${asyncRetryAttempts} must be 0, 1 or 2`);
    }
    if (code.kind === "image" && code.command.length === 0) {
      throw new Error(`${this.node.path}: an image function needs a command`);
    }
    this.functionName = functionName;

    this.role = new ServiceRole(this, "Role", { roleName, assumedBy: "lambda.amazonaws.com", adopt: adoptRole });
    this.logGroup = new CloudwatchLogGroup(this, "LogGroup", {
      name: `/aws/lambda/${functionName}`,
      retentionInDays: logRetentionDays,
    });
    this.role.addToPolicy({
      sid: "WriteOwnLogs",
      actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
      resources: [`${this.logGroup.arn}:*`],
    });
    if (tracing) {
      this.role.addToPolicy({
        sid: "XRayTracing",
        actions: XRAY_WRITE_ACTIONS,
        resources: ["*"],
        wildcardReason: XRAY_WILDCARD_REASON,
      });
    }

    if (deadLetterQueue) {
      this.deadLetterQueue = new SqsQueue(this, "DeadLetterQueue", {
        name: `${functionName}-dlq`,
        sqsManagedSseEnabled: true,
        messageRetentionSeconds: 14 * 24 * 3600,
      });
      this.role.addToPolicy({
        sid: "SendToDeadLetterQueue",
        actions: ["sqs:SendMessage"],
        resources: [this.deadLetterQueue.arn],
      });
    }

    const dependsOn: ITerraformDependable[] = [this.logGroup];
    if (this.role.policyDependable) dependsOn.push(this.role.policyDependable);

    const codeConfig =
      code.kind === "image"
        ? { packageType: "Image", imageUri: code.imageUri, imageConfig: { command: [...code.command] } }
        : this.zipConfig(code);

    this.resource = new LambdaFunctionResource(this, "Resource", {
      functionName,
      description,
      role: this.role.arn,
      timeout,
      memorySize,
      ...codeConfig,
      environment: Object.keys(environment).length ? { variables: { ...environment } } : undefined,
      loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.name },
      tracingConfig: tracing ? { mode: "Active" } : undefined,
      deadLetterConfig: this.deadLetterQueue ? { targetArn: this.deadLetterQueue.arn } : undefined,
      dependsOn,
    });
    if (asyncRetryAttempts !== undefined) this.configureAsyncInvocation(asyncRetryAttempts);
  }

  private configureAsyncInvocation(asyncRetryAttempts: number): void {
    new LambdaFunctionEventInvokeConfig(this, "AsyncInvokeConfig", {
      functionName: this.resource.functionName,
      maximumRetryAttempts: asyncRetryAttempts,
    });
  }

  private zipConfig(code: ZipCode) {
    const archive = new DataArchiveFile(this, "Archive", {
      type: "zip",
      outputPath: code.outputPath,
      ...("dir" in code.source ? { sourceDir: code.source.dir } : { sourceFile: code.source.file }),
    });
    return {
      packageType: "Zip",
      filename: archive.outputPath,
      sourceCodeHash: archive.outputBase64Sha256,
      handler: code.handler,
      runtime: code.runtime ?? "nodejs22.x",
    };
  }

  get grantPrincipal(): ServiceRole {
    return this.role;
  }

  get arn(): string {
    return this.resource.arn;
  }

  /** Lets `grantee` invoke this function (synchronously or asynchronously). */
  grantInvoke(grantee: IGrantable, sid = `Invoke${pascalSid(this.node.id)}`): void {
    grantee.grantPrincipal.addToPolicy({
      sid,
      actions: ["lambda:InvokeFunction"],
      resources: [this.arn, `${this.arn}:*`],
    });
  }

  /**
   * Lets an AWS service invoke this function, scoped to one source ARN (and account, for S3,
   * whose bucket ARNs carry no account).
   */
  allowInvokeFrom(
    id: string,
    props: { readonly principal: string; readonly sourceArn: string; readonly sourceAccount?: string },
  ): LambdaPermission {
    return new LambdaPermission(this, id, {
      statementId: id,
      action: "lambda:InvokeFunction",
      functionName: this.resource.functionName,
      principal: props.principal,
      sourceArn: props.sourceArn,
      sourceAccount: props.sourceAccount,
    });
  }

  /**
   * A function URL. `AWS_IAM` (the default) requires SigV4-signed callers; use `NONE` only when
   * the function authenticates every request itself (e.g. a verified webhook signature).
   */
  addFunctionUrl(authorizationType: "AWS_IAM" | "NONE" = "AWS_IAM"): LambdaFunctionUrl {
    return new LambdaFunctionUrl(this, "Url", {
      functionName: this.resource.functionName,
      authorizationType,
    });
  }
}
