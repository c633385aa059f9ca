import path from "node:path";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { LambdaFunction as LambdaFunctionResource } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
import { LambdaFunctionUrl } from "@cdktf/provider-aws/lib/lambda-function-url";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { AssetType, type ITerraformDependable, TerraformAsset, Token } from "cdktf";
import { Construct } from "constructs";
import { bundleNodeHandler } from "./bundle";
import {
  type Grant,
  grantTo,
  type IGrantable,
  type IPrincipal,
  Role,
  sidFor,
  type Use,
  use,
  XRAY_WILDCARD_REASON,
  XRAY_WRITE_ACTIONS,
} from "./iam";
import { assertRetention, fitName, NAME_LIMITS } from "./names";

/** Code from a container image: the image URI and the command that selects the handler. */
export interface ImageCode {
  readonly kind: "image";
  readonly imageUri: string;
  /** Image CMD override (the handler this function runs). */
  readonly command?: readonly string[];
  /**
   * Who moves the image once the function exists. `pipeline`: a CD pipeline updates the code
   * (UpdateFunctionCode with a new tag); Terraform deploys `imageUri` only when it creates the
   * function and then ignores `image_uri` (`lifecycle.ignore_changes`), so a plan after a deploy
   * stays clean. @default "terraform"
   */
  readonly updatedBy?: "terraform" | "pipeline";
}

/**
 * A TypeScript handler bundled with esbuild at synth time into a deterministic zip, shipped as
 * a stack asset with `filename` + `source_code_hash`: changing the code and re-applying
 * updates the function, and nothing else does.
 */
export interface BundleCode {
  readonly kind: "bundle";
  /** Absolute path of the handler's entry file; it must export the handler function. */
  readonly entry: string;
  /** Name of the exported handler. @default "handler" */
  readonly exportName?: string;
  /** @default "nodejs22.x" */
  readonly runtime?: string;
  /** Where bundles are cached. @default `<cwd>/build/bundles` */
  readonly bundleDir?: string;
}

export interface FunctionProps {
  /** Physical function name (1-64 of letters, digits, _ and -). */
  readonly functionName: string;
  readonly code: ImageCode | BundleCode;
  /** Seconds, 1-900. @default 30 */
  readonly timeout?: number;
  /** MB, 128-10240. @default 256 */
  readonly memorySize?: number;
  /** @default "x86_64" */
  readonly architecture?: "x86_64" | "arm64";
  /**
   * What the function uses (tables, buckets, functions, parameters, ...): each brings the env
   * vars that name it and the grant that allows it. @default []
   */
  readonly uses?: readonly Use[];
  /** Plain settings for the code (not names of resources: those come with `uses`). @default {} */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * The env var names the function's code reads (its runtime contract). When given, the env
   * derived from `uses` and `environment` must be exactly these, or synth fails naming the
   * difference: no function gets a variable (or the grant behind it) its code does not read.
   */
  readonly expectedEnvironment?: readonly string[];
  /** Days to keep logs; a CloudWatch retention value. @default 30 */
  readonly logRetentionDays?: number;
  /** A role shared with other functions; else the function gets its own. @default own role */
  readonly role?: Role;
  /** Name of the function's own role. @default `<functionName>-role`, fitted to 64 characters */
  readonly roleName?: string;
  /** X-Ray tracing. @default true */
  readonly tracing?: boolean;
  /**
   * An encrypted SQS dead-letter queue for events of asynchronous invocations that still fail
   * after Lambda's retries, so nothing is silently dropped. @default true
   */
  readonly deadLetterQueue?: boolean;
  /** Retries of a failed asynchronous invocation (0-2); 0 for work that must not run twice. @default Lambda's 2 */
  readonly asyncRetryAttempts?: number;
  /** Publish a version on every code or configuration change (for aliases). @default false */
  readonly publish?: boolean;
  /**
   * Layer version ARNs the function runs with (at most 5), e.g. `layer.arns` of a LayerVersion,
   * which may be a Terraform list that is empty when the layer is switched off. @default none
   */
  readonly layers?: readonly string[];
  readonly description?: string;
}

/**
 * A function as its system's contract declares it, once: its id, size, time and the environment
 * variables its handler reads. Both the stack (`LambdaFunction.fromSpec`) and the handler's
 * code import the same object, so the size, the timeout and the variable names are never
 * written twice (a contract stays free of imports: it matches this shape, it need not name it).
 */
export interface FunctionSpec {
  /** Construct id (and usually the last part of the physical name). */
  readonly id: string;
  /** Seconds. */
  readonly timeout: number;
  /** MB. */
  readonly memorySize: number;
  /** The env vars the handler reads: the function gets exactly these, or synth fails. */
  readonly env: readonly string[];
}

/** A function's props once its spec gave the size, the time and the expected environment. */
export type FunctionFromSpecProps = Omit<FunctionProps, "timeout" | "memorySize" | "expectedEnvironment">;

/**
 * A Lambda function with an explicit log group of finite retention and a logs permission
 * scoped to that log group only (no managed policy). The function depends on its log group
 * and its role's policy, so it never runs before it can log or do its job.
 */
export class LambdaFunction extends Construct implements IGrantable {
  private readonly memo: Record<string, string> = {};
  readonly resource: LambdaFunctionResource;
  readonly role: Role;
  readonly logGroup: CloudwatchLogGroup;
  readonly deadLetterQueue?: SqsQueue;
  /** The environment the function was given (names -> values). */
  readonly environment: Readonly<Record<string, string>>;

  /**
   * The function `spec` declares: its size, time and exactly its environment. `id` is the
   * construct id, by default the spec's (a shipped function keeps its own: it is its Terraform
   * address).
   */
  static fromSpec(scope: Construct, spec: FunctionSpec, props: FunctionFromSpecProps, id = spec.id): LambdaFunction {
    return new LambdaFunction(scope, id, {
      ...props,
      timeout: spec.timeout,
      memorySize: spec.memorySize,
      expectedEnvironment: spec.env,
    });
  }

  constructor(scope: Construct, id: string, props: FunctionProps) {
    super(scope, id);
    const {
      functionName,
      code,
      timeout = 30,
      memorySize = 256,
      architecture = "x86_64",
      uses = [],
      environment = {},
      expectedEnvironment,
      logRetentionDays = 30,
      role,
      roleName = fitName(`${functionName}-role`, NAME_LIMITS.iamRole),
      tracing = true,
      deadLetterQueue = true,
      asyncRetryAttempts,
      publish = false,
      layers,
      description,
    } = props;
    const where = this.node.path;
    if (!/^[A-Za-z0-9_-]+$/.test(functionName) || functionName.length > NAME_LIMITS.lambdaFunction) {
      throw new Error(`${where}: function name "${functionName}" must be 1-64 of letters, digits, _ and -`);
    }
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > 900) {
      throw new Error(`${where}: timeout ${timeout} must be an integer from 1 to 900 seconds`);
    }
    if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10240) {
      throw new Error(`${where}: memorySize ${memorySize} must be an integer from 128 to 10240 MB`);
    }
    if (asyncRetryAttempts !== undefined && ![0, 1, 2].includes(asyncRetryAttempts)) {
      throw new Error(`${where}: asyncRetryAttempts ${asyncRetryAttempts} must be 0, 1 or 2`);
    }
    assertRetention(where, logRetentionDays);
    if (layers && !Token.isUnresolved(layers) && layers.length > 5) {
      throw new Error(`${where}: ${layers.length} layers given; Lambda allows at most 5`);
    }

    this.environment = mergeEnvironment(where, environment, uses);
    if (expectedEnvironment) {
      const got = new Set(Object.keys(this.environment));
      const want = new Set(expectedEnvironment);
      const missing = [...want].filter((n) => !got.has(n));
      const extra = [...got].filter((n) => !want.has(n));
      if (missing.length || extra.length) {
        throw new Error(
          `${where}: environment does not match the function's contract` +
            (missing.length ? `; missing ${missing.join(", ")}` : "") +
            (extra.length ? `; not read by its code: ${extra.join(", ")}` : ""),
        );
      }
    }

    this.role = role ?? new Role(this, "Role", { roleName, assumedBy: { service: "lambda.amazonaws.com" } });
    this.logGroup = new CloudwatchLogGroup(this, "LogGroup", {
      name: `/aws/lambda/${functionName}`,
      retentionInDays: logRetentionDays,
    });
    this.role.addToPolicy({
      sid: sidFor(this, "WriteLogs"),
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
        name: fitName(`${functionName}-dlq`, NAME_LIMITS.sqsQueue),
        sqsManagedSseEnabled: true,
        messageRetentionSeconds: 14 * 24 * 3600,
      });
      this.role.addToPolicy({
        sid: sidFor(this, "SendToDeadLetterQueue"),
        actions: ["sqs:SendMessage"],
        resources: [this.deadLetterQueue.arn],
      });
    }
    for (const u of uses) u.grant(this);

    const dependsOn: ITerraformDependable[] = [this.logGroup];
    if (this.role.policyDependable) dependsOn.push(this.role.policyDependable);

    this.resource = new LambdaFunctionResource(this, "Resource", {
      functionName,
      description,
      role: this.role.arn,
      timeout,
      memorySize,
      architectures: [architecture],
      publish,
      layers: layers ? [...layers] : undefined,
      ...this.codeConfig(code),
      environment: Object.keys(this.environment).length ? { variables: { ...this.environment } } : undefined,
      loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.name },
      tracingConfig: tracing ? { mode: "Active" } : undefined,
      deadLetterConfig: this.deadLetterQueue ? { targetArn: this.deadLetterQueue.arn } : undefined,
      dependsOn,
      ...(code.kind === "image" && code.updatedBy === "pipeline"
        ? { lifecycle: { ignoreChanges: ["image_uri"] } }
        : {}),
    });
    if (asyncRetryAttempts !== undefined) {
      new LambdaFunctionEventInvokeConfig(this, "AsyncInvokeConfig", {
        functionName: this.resource.functionName,
        maximumRetryAttempts: asyncRetryAttempts,
      });
    }
  }

  private codeConfig(code: ImageCode | BundleCode) {
    if (code.kind === "image") {
      return {
        packageType: "Image",
        imageUri: code.imageUri,
        imageConfig: code.command?.length ? { command: [...code.command] } : undefined,
      };
    }
    const bundle = bundleNodeHandler({
      entry: code.entry,
      outDir: code.bundleDir ?? path.join(process.cwd(), "build", "bundles"),
    });
    // Copied into the stack's output directory, so the synthesized stack is self-contained.
    const asset = new TerraformAsset(this, "Code", { path: bundle.zipFile, type: AssetType.FILE });
    return {
      packageType: "Zip",
      filename: asset.path,
      sourceCodeHash: bundle.sha256,
      handler: `index.${code.exportName ?? "handler"}`,
      runtime: code.runtime ?? "nodejs22.x",
    };
  }

  get grantPrincipal(): IPrincipal {
    return this.role;
  }

  /** Memoized: one token, so every user of the name sees the same value. */
  get functionName(): string {
    this.memo.functionName ??= this.resource.functionName;
    return this.memo.functionName;
  }

  get arn(): string {
    return this.resource.arn;
  }

  /** The ARN API Gateway integrations call (the unqualified function). */
  get invokeArn(): string {
    return this.resource.invokeArn;
  }

  /** The latest published version (with `publish: true`), e.g. for an Alias. */
  get version(): string {
    return this.resource.version;
  }

  /** Lets `grantee` invoke this function (any version or alias). */
  grantInvoke(grantee: IGrantable): Grant {
    return grantTo(grantee, {
      sid: sidFor(this, "Invoke"),
      actions: ["lambda:InvokeFunction"],
      resources: [this.arn, `${this.arn}:*`],
    });
  }

  /** A Use: invoke this function, its name in env var `envName` (when given). */
  invoke(envName?: string): Use {
    return use((g) => this.grantInvoke(g), envName ? { name: envName, value: this.functionName } : undefined);
  }

  /**
   * Lets an AWS service invoke this function, scoped to one source ARN (and account, for S3,
   * whose bucket ARNs carry no account).
   */
  allowInvokeFrom(
    id: string,
    props: {
      readonly principal: string;
      readonly sourceArn: string;
      readonly sourceAccount?: string;
      /** Alias or version the permission is for. @default the unqualified function */
      readonly qualifier?: string;
    },
  ): LambdaPermission {
    return new LambdaPermission(this, id, {
      statementId: id,
      action: "lambda:InvokeFunction",
      functionName: this.resource.functionName,
      principal: props.principal,
      sourceArn: props.sourceArn,
      sourceAccount: props.sourceAccount,
      qualifier: props.qualifier,
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

/** The static environment plus every use's, refusing one name with two values. */
function mergeEnvironment(
  where: string,
  environment: Readonly<Record<string, string>>,
  uses: readonly Use[],
): Record<string, string> {
  const merged: Record<string, string> = { ...environment };
  for (const u of uses) {
    for (const [name, value] of Object.entries(u.environment)) {
      if (name in merged && merged[name] !== value) {
        throw new Error(`${where}: environment variable ${name} is given two different values`);
      }
      merged[name] = value;
    }
  }
  return merged;
}
