import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { Password } from "@cdktf/provider-random/lib/password";
import { Fn, ref, TerraformLocal, TerraformOutput, TerraformVariable, Token } from "cdktf";
import type { Construct } from "constructs";
import type { AppConfig } from "../../config";
import type { SystemAlarms } from "../../constructs/alarms";
import { Bucket } from "../../constructs/bucket";
import { CodeBuildProject } from "../../constructs/codebuild-project";
import { LambdaFunction } from "../../constructs/function";
import { HttpApi } from "../../constructs/http-api";
import type { Use } from "../../constructs/iam";
import { SecureParameter } from "../../constructs/parameter";
import { lambdaInvokeTask, StateMachine } from "../../constructs/state-machine";
import { Table } from "../../constructs/table";
import type { Topic } from "../../constructs/topic";
import {
  API_ROUTES,
  CODEBUILD_WORKER_COMMAND,
  DEFAULT_GIT_COMMANDS,
  ENV,
  FUNCTION_ENV,
  FUNCTIONS,
  type FunctionKey,
  GIT_ENV,
  ORDER_NAME_INDEX,
  RESULT_OBJECT_SUFFIX,
  RUN_LIMITS,
  RUNNER_ENV,
  RUNNERS,
  S3_PREFIX,
  TABLE_KEYS,
  WEBHOOK_LIMITS,
} from "../../lambdas/iac-ci/contract";
import { alertTopic, watchStack } from "../alerts";
import { SystemStack } from "../system-stack";
import { repositoryName } from "./ecr-stack";
import { IAC_CI, IAC_CI_REGION_DESCRIPTION, type IacCiNames } from "./names";
import type { IacCiSettings } from "./settings";

/** The watchdog never loops longer than this (the longest order deadline plus slack). */
export const WATCHDOG_TIMEOUT_SECONDS = 12 * 60 * 60;
/** Seconds between two watchdog checks. */
export const WATCHDOG_WAIT_SECONDS = 60;

/**
 * 02-deploy: the iac-ci platform. An HTTP API and a function URL take webhooks; four functions
 * from one image (tag chosen at plan time), a watchdog state machine, three tables, two
 * short-lived buckets, a CodeBuild runner, and a least-privilege role for each.
 */
export class DeployStack extends SystemStack<IacCiNames, IacCiSettings> {
  readonly functions: Record<FunctionKey, LambdaFunction>;
  readonly tables: { orders: Table; orderEvents: Table; locks: Table };
  readonly buckets: { internal: Bucket; done: Bucket };
  readonly watchdog: StateMachine;
  readonly runner: CodeBuildProject;
  readonly api: HttpApi;
  readonly webhookSecretParameter: SecureParameter;
  readonly alerts: Topic;
  readonly alarms: SystemAlarms;

  constructor(scope: Construct, stackName: string, config: AppConfig) {
    super(scope, stackName, config, IAC_CI);
    const { names, platform, settings: iacCi } = this;
    const name = names.envPrefix;
    const retention = platform.logRetentionDays;

    // Values that change per deploy are Terraform variables: CI plans the synthesized JSON
    // with `-var image_tag=<sha>` and never re-synthesizes for a new image.
    const imageTag = new TerraformVariable(this, "image_tag", {
      type: "string",
      default: iacCi.defaultImageTag,
      description: "Tag of the iac-ci image in the ECR repository (CI passes the commit SHA).",
      validation: [
        {
          condition: '${can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag))}',
          errorMessage: "image_tag must be a valid image tag: letters, digits, _ . - (at most 128).",
        },
      ],
    });
    const ecrRepo = new TerraformVariable(this, "ecr_repo", {
      type: "string",
      default: "",
      description: `Image repository URL; empty means the 01-ecr repository "${repositoryName(config)}" of this account.`,
      validation: [
        {
          condition:
            '${var.ecr_repo == "" || can(regex("^[0-9]{12}\\\\.dkr\\\\.ecr\\\\.[a-z0-9-]+\\\\.amazonaws\\\\.com[.a-z]*/[a-z0-9._/-]+$", var.ecr_repo))}',
          errorMessage:
            "ecr_repo must be empty or an ECR repository URL <account>.dkr.ecr.<region>.amazonaws.com/<name>.",
        },
      ],
    });
    const awsRegion = this.regionVariable(platform.region, IAC_CI_REGION_DESCRIPTION);

    // What a Git host's push or pull_request delivery runs: the deliveries pick the commit,
    // never the commands.
    const lambdaLimits = RUN_LIMITS.lambda;
    const codebuildLimits = RUN_LIMITS.codebuild;
    const gitOrder = new TerraformVariable(this, "git_order", {
      type: 'object({ commands = list(string), runner = optional(string, "lambda"), timeout_seconds = optional(number, 300) })',
      default: { commands: [...DEFAULT_GIT_COMMANDS] },
      description:
        "What an order made from a Git host's push or pull_request delivery runs: its commands (run with /bin/sh -c; " +
        `they see ${Object.values(GIT_ENV).join(", ")}), its runner (lambda or codebuild) and timeout_seconds. ` +
        "The default only reports the commit.",
      validation: [
        {
          condition: `\${length(var.git_order.commands) >= 1 && length(var.git_order.commands) <= ${WEBHOOK_LIMITS.maxCommands} && alltrue([for c in var.git_order.commands : length(trimspace(c)) > 0 && length(c) <= ${WEBHOOK_LIMITS.maxCommandLength}])}`,
          errorMessage: `git_order.commands must hold 1-${WEBHOOK_LIMITS.maxCommands} non-empty commands of at most ${WEBHOOK_LIMITS.maxCommandLength} characters.`,
        },
        {
          // Lambda's environment holds at most 4 KB in all.
          condition: "${length(jsonencode(var.git_order)) <= 3072}",
          errorMessage:
            "git_order must encode to at most 3072 bytes of JSON (it travels in the function's environment).",
        },
        {
          condition: `\${contains(${JSON.stringify(RUNNERS)}, var.git_order.runner)}`,
          errorMessage: `git_order.runner must be one of ${RUNNERS.join(", ")}.`,
        },
        {
          condition: `\${var.git_order.timeout_seconds == floor(var.git_order.timeout_seconds) && (var.git_order.runner == "codebuild" ? var.git_order.timeout_seconds >= ${codebuildLimits.minTimeoutSeconds} && var.git_order.timeout_seconds <= ${codebuildLimits.maxTimeoutSeconds} : var.git_order.timeout_seconds >= ${lambdaLimits.minTimeoutSeconds} && var.git_order.timeout_seconds <= ${lambdaLimits.maxTimeoutSeconds})}`,
          errorMessage: `git_order.timeout_seconds must be whole seconds, ${lambdaLimits.minTimeoutSeconds}-${lambdaLimits.maxTimeoutSeconds} for runner lambda and ${codebuildLimits.minTimeoutSeconds}-${codebuildLimits.maxTimeoutSeconds} for codebuild.`,
        },
      ],
    });

    const account = new DataAwsCallerIdentity(this, "current", {});
    const region = new DataAwsRegion(this, "current_region", {});
    const accountId = account.accountId;
    const regionName = region.region;

    const defaultRepo = `${accountId}.dkr.ecr.${regionName}.amazonaws.com/${repositoryName(config)}`;
    // coalesce skips the empty default, so an unset ecr_repo means the 01-ecr repository.
    const imageRepo = new TerraformLocal(this, "image_repo", Fn.coalesce([ecrRepo.stringValue, defaultRepo]));
    const imageUri = new TerraformLocal(this, "lambda_image_uri", `${imageRepo.asString}:${imageTag.stringValue}`);
    const repositoryArn = `arn:${this.partition}:ecr:${regionName}:${accountId}:repository/${Fn.element(Fn.split("/", imageRepo.asString), 1)}`;

    // Bucket names keep the original scheme: the last 5 hex digits of sha256(workspace + region),
    // so two workspaces or regions never collide. The environment is part of the name too.
    const hash = new TerraformLocal(
      this,
      "bucket_hash",
      Fn.substr(Fn.sha256(Fn.join("", [Token.asString(ref("terraform.workspace")), awsRegion.stringValue])), -5, -1),
    );

    this.tables = {
      orders: new Table(this, "OrdersTable", {
        tableName: `${name}-orders`,
        partitionKey: { name: TABLE_KEYS.orders.partitionKey, type: "S" },
        ttlAttribute: TABLE_KEYS.ttlAttribute,
        protect: platform.protectData,
      }),
      orderEvents: new Table(this, "OrderEventsTable", {
        tableName: `${name}-order-events`,
        partitionKey: { name: TABLE_KEYS.orderEvents.partitionKey, type: "S" },
        sortKey: { name: TABLE_KEYS.orderEvents.sortKey, type: "S" },
        ttlAttribute: TABLE_KEYS.ttlAttribute,
        protect: platform.protectData,
        globalSecondaryIndexes: [
          {
            indexName: ORDER_NAME_INDEX.name,
            partitionKey: { name: ORDER_NAME_INDEX.partitionKey, type: "S" },
            sortKey: { name: ORDER_NAME_INDEX.sortKey, type: "N" },
            projectionType: "ALL",
          },
        ],
      }),
      locks: new Table(this, "LocksTable", {
        tableName: `${name}-orchestrator-locks`,
        partitionKey: { name: TABLE_KEYS.locks.partitionKey, type: "S" },
        ttlAttribute: TABLE_KEYS.ttlAttribute,
        protect: platform.protectData,
      }),
    };

    // Both buckets hold only short-lived run data: objects expire after a day, and the
    // buckets may be destroyed with their contents.
    this.buckets = {
      internal: new Bucket(this, "InternalBucket", {
        bucketName: `${name}-internal-${hash.asString}`,
        expireAfterDays: 1,
        forceDestroy: true,
        enforceTls: platform.enforceTls,
      }),
      done: new Bucket(this, "DoneBucket", {
        bucketName: `${name}-done-${hash.asString}`,
        expireAfterDays: 1,
        forceDestroy: true,
        enforceTls: platform.enforceTls,
      }),
    };

    const { orders, orderEvents, locks } = this.tables;
    const { internal, done } = this.buckets;
    /** One function of the image, declared once: its sizing, and what it uses (env + grants). */
    const makeFunction = (
      key: FunctionKey,
      uses: readonly Use[],
      asyncRetryAttempts?: number,
      environment?: Record<string, string>,
    ) => {
      const spec = FUNCTIONS[key];
      return LambdaFunction.fromSpec(this, spec, {
        functionName: `${name}-${spec.id.replace(/_/g, "-")}`,
        description: `iac-ci ${spec.id} (${platform.environment})`,
        code: { kind: "image", imageUri: imageUri.asString, command: [spec.command] },
        uses,
        environment,
        logRetentionDays: retention,
        asyncRetryAttempts,
      });
    };
    // worker: reads its payload; results go through a presigned URL, not its own role.
    // A retried worker would run the order's commands twice: failures surface as results instead.
    const worker = makeFunction("worker", [internal.read(ENV.internalBucket, S3_PREFIX.exec)], 0);
    // watchdog_check: reads results, writes a timed_out result past the deadline.
    const watchdogCheck = makeFunction("watchdogCheck", [
      internal.readWrite(ENV.internalBucket, S3_PREFIX.callbacks),
      internal.list(ENV.internalBucket, S3_PREFIX.callbacks),
    ]);

    this.runner = new CodeBuildProject(this, "Runner", {
      projectName: `${name}-runner`,
      imageUri: imageUri.asString,
      repositoryArn,
      buildspec: [
        "version: 0.2",
        "phases:",
        "  build:",
        "    commands:",
        `      - ${CODEBUILD_WORKER_COMMAND}`,
        "",
      ].join("\n"),
      environment: Object.fromEntries(RUNNER_ENV.map((n) => [n, internal.bucketName])),
      logRetentionDays: retention,
    });
    internal.grantRead(this.runner, S3_PREFIX.exec);
    // Long builds can outlive the presigned callback URL; the CLI then writes the result itself.
    internal.grantWrite(this.runner, S3_PREFIX.callbacks);

    this.watchdog = new StateMachine(this, "Watchdog", {
      stateMachineName: `${name}-watchdog`,
      logRetentionDays: retention,
      // Execution history with its data: the watchdog's input is an order id and a deadline.
      logLevel: "ERROR",
      definition: {
        Comment: "Polls watchdog_check until the run has a result or its deadline passed.",
        StartAt: "CheckResult",
        TimeoutSeconds: WATCHDOG_TIMEOUT_SECONDS,
        States: {
          CheckResult: lambdaInvokeTask(watchdogCheck, {
            next: "IsDone",
            timeoutSeconds: FUNCTIONS.watchdogCheck.timeout,
          }),
          IsDone: {
            Type: "Choice",
            Choices: [{ Variable: "$.done", BooleanEquals: true, Next: "Succeed" }],
            Default: "WaitStep",
          },
          WaitStep: { Type: "Wait", Seconds: WATCHDOG_WAIT_SECONDS, Next: "CheckResult" },
          Succeed: { Type: "Succeed" },
        },
      },
    });

    // orchestrator: owns the order lifecycle.
    const orchestrator = makeFunction("orchestrator", [
      orders.readWriteData(ENV.ordersTable),
      orderEvents.readWriteData(ENV.orderEventsTable),
      locks.readWriteData(ENV.locksTable),
      internal.readWrite(ENV.internalBucket, S3_PREFIX.callbacks),
      internal.read(ENV.internalBucket, S3_PREFIX.exec),
      internal.list(ENV.internalBucket, S3_PREFIX.callbacks),
      done.readWrite(ENV.doneBucket),
      worker.invoke(FUNCTION_ENV.workerFunction),
      this.runner.startBuild(FUNCTION_ENV.runnerProject),
      this.watchdog.startExecution(FUNCTION_ENV.watchdogStateMachine),
    ]);

    // The webhook HMAC secret: generated, kept as a SecureString, never in code or variables.
    const webhookSecret = new Password(this, "WebhookSecret", { length: 48, special: false, provider: this.random });
    this.webhookSecretParameter = new SecureParameter(this, "WebhookSecretParameter", {
      parameterName: `/${iacCi.prefix}/${platform.environment}/webhook-secret`,
      description: "HMAC-SHA256 secret that signs iac-ci webhooks (X-Hub-Signature-256).",
      value: webhookSecret.result,
    });
    const secretParameter = this.webhookSecretParameter;
    // process_webhook: records orders and events, writes payloads, hands over to the orchestrator.
    const webhookTableActions = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"];
    const processWebhook = makeFunction(
      "processWebhook",
      [
        orders.use(ENV.ordersTable, "GetPutQuery", webhookTableActions),
        orderEvents.use(ENV.orderEventsTable, "GetPutQuery", webhookTableActions),
        internal.readWrite(ENV.internalBucket, S3_PREFIX.exec),
        secretParameter.read(FUNCTION_ENV.webhookSecretParameter),
        orchestrator.invoke(FUNCTION_ENV.orchestratorFunction),
      ],
      undefined,
      { [FUNCTION_ENV.gitOrder]: Fn.jsonencode(gitOrder.value) },
    );
    this.functions = { processWebhook, orchestrator, watchdogCheck, worker };

    this.buckets.internal.notifyFunction(orchestrator, {
      prefix: S3_PREFIX.callbacks,
      suffix: RESULT_OBJECT_SUFFIX,
      sourceAccount: accountId,
    });

    this.api = new HttpApi(this, "Api", { apiName: `${name}-api`, logRetentionDays: retention });
    // Webhook senders cannot sign with SigV4: the handler verifies the HMAC signature instead.
    this.api.addLambdaRoute({ ...API_ROUTES.webhook, fn: processWebhook, authorization: "NONE" });
    // Order status is read by CI jobs with AWS credentials.
    this.api.addLambdaRoute({ ...API_ROUTES.order, fn: processWebhook, authorization: "AWS_IAM" });
    // Webhook senders (e.g. GitHub) cannot sign with SigV4; the handler verifies an HMAC
    // signature of every request instead.
    const webhookUrl = processWebhook.addFunctionUrl("NONE");

    // Errors, throttles, dead letters, failed watchdogs, 5xx answers and table throttles go to
    // the alerts topic.
    this.alerts = alertTopic(this, { topicName: names.alertsTopic, displayName: "iac-ci alerts" });
    this.alarms = watchStack(this, this.alerts, names.namePrefix);

    const byKey = <T>(pick: (fn: LambdaFunction) => T) =>
      Object.fromEntries(Object.entries(this.functions).map(([k, fn]) => [FUNCTIONS[k as FunctionKey].id, pick(fn)]));
    new TerraformOutput(this, "api_gateway_url", { value: this.api.url });
    new TerraformOutput(this, "api_gateway_id", { value: this.api.apiId });
    new TerraformOutput(this, "webhook_function_url", { value: webhookUrl.functionUrl });
    new TerraformOutput(this, "lambda_function_names", { value: byKey((fn) => fn.functionName) });
    new TerraformOutput(this, "lambda_function_arns", { value: byKey((fn) => fn.arn) });
    new TerraformOutput(this, "dynamodb_table_names", {
      value: {
        orders: this.tables.orders.tableName,
        order_events: this.tables.orderEvents.tableName,
        orchestrator_locks: this.tables.locks.tableName,
      },
    });
    new TerraformOutput(this, "s3_bucket_names", {
      value: { internal: this.buckets.internal.bucketName, done: this.buckets.done.bucketName },
    });
    new TerraformOutput(this, "step_function_arn", { value: this.watchdog.arn });
    new TerraformOutput(this, "alerts_topic_arn", { value: this.alerts.topicArn });
    new TerraformOutput(this, "codebuild_project_name", { value: this.runner.projectName });
    new TerraformOutput(this, "image_uri", { value: imageUri.asString });
    new TerraformOutput(this, "webhook_secret_parameter", { value: this.webhookSecretParameter.name });
    new TerraformOutput(this, "webhook_secret", {
      value: webhookSecret.result,
      sensitive: true,
      description:
        "Configure it as the webhook secret of the Git host; read with `terraform output -raw webhook_secret`.",
    });
  }
}
