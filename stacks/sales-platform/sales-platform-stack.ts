import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { StringResource } from "@cdktf/provider-random/lib/string-resource";
import { Fn, TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { AppConfig } from "../../config";
import type { SystemAlarms } from "../../constructs/alarms";
import { Bucket } from "../../constructs/bucket";
import { EventRule } from "../../constructs/event-rule";
import { LambdaFunction } from "../../constructs/function";
import { grantTo, type Use, use } from "../../constructs/iam";
import { RestApi } from "../../constructs/rest-api";
import { StateMachine } from "../../constructs/state-machine";
import { Table } from "../../constructs/table";
import { Topic } from "../../constructs/topic";
import {
  API_ROUTES,
  ENV,
  type EnvName,
  FUNCTIONS,
  type FunctionKey,
  QUICKSIGHT_PREFIX,
  TABLE_KEYS,
} from "../../lambdas/sales-platform/contract";
import { alertTopicKey, watchStack } from "../alerts";
import { bundleDir, handlerEntry } from "../paths";
import { SystemStack } from "../system-stack";
import { SALES_PLATFORM, type SalesPlatformNames } from "./names";
import { salesApiDocument } from "./openapi";
import { quicksightDatasets } from "./quicksight";
import { quicksightDashboard } from "./quicksight-dashboard";
import type { SalesPlatformSettings } from "./settings";
import { type SalesPlatformVariables, salesPlatformVariables } from "./variables";
import { dailyAnalysisDefinition, uploadProcessorDefinition } from "./workflows";

/** Log retention for functions, state machines and the API (days), as originally specified. */
export const LOG_RETENTION_DAYS = 14;
/** Noncurrent object versions (overwritten or deleted files) are kept this long. */
export const NONCURRENT_VERSION_DAYS = 30;

const READ = ["dynamodb:Query"];
const WRITE = ["dynamodb:PutItem"];
const RUN_MARKER = ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"];

/**
 * The serverless sales data platform: stores upload daily sales CSVs through
 * presigned URLs; an EventBridge rule on the bucket starts the upload-processor state machine
 * (validate, Parquet, metrics, "all stores in?"); the daily-analysis state machine (company,
 * products, anomalies, trends, Bedrock recommendations, report to SNS, QuickSight export) runs
 * once a day, when the last store reports or on the scheduled fallback; a REST API serves
 * upload URLs, files, analytics and trends. Every deploy-time input is a Terraform variable, so
 * one synthesized stack serves every tfvars file.
 */
export class SalesPlatformStack extends SystemStack<SalesPlatformNames, SalesPlatformSettings> {
  readonly variables: SalesPlatformVariables;
  readonly bucket: Bucket;
  readonly table: Table;
  readonly alerts: Topic;
  readonly reports: Topic;
  readonly functions: Record<FunctionKey, LambdaFunction>;
  readonly uploadProcessor: StateMachine;
  readonly dailyAnalysis: StateMachine;
  readonly api: RestApi;
  readonly alarms: SystemAlarms;

  constructor(scope: Construct, stackName: string, config: AppConfig) {
    super(scope, stackName, config, SALES_PLATFORM);
    const names = this.names;
    const v = salesPlatformVariables(this);
    this.variables = v;
    // The aws_region variable places the resources; the state backend stays in the platform's region.
    this.provider.region = v.awsRegion.stringValue;
    const partition = this.partition;
    const region = new DataAwsRegion(this, "Region", {}).region;

    // ---- storage -------------------------------------------------------------------------------
    const suffix = new StringResource(this, "BucketSuffix", {
      length: 7,
      special: false,
      upper: false,
      provider: this.random,
    });
    const prefixes = {
      upload: v.uploadPrefix.stringValue,
      processed: v.processedPrefix.stringValue,
      rejected: v.rejectedPrefix.stringValue,
    };
    this.bucket = new Bucket(this, "DataBucket", {
      bucketName: `${v.s3BucketName.stringValue}-${suffix.result}`,
      versioned: true,
      noncurrentVersionExpireAfterDays: NONCURRENT_VERSION_DAYS,
      enforceTls: config.platform.enforceTls,
      eventBridge: true,
      protect: config.platform.protectData,
      cors: [{ allowedOrigins: [v.frontendOrigin.stringValue], allowedMethods: ["GET", "PUT", "HEAD"] }],
    });
    // Prefixes that overlap would feed the ETL its own output (processed/ under uploads/, say).
    this.bucket.resource.lifecycle = {
      ...this.bucket.resource.lifecycle,
      precondition: [
        {
          condition:
            '${length(distinct([var.upload_prefix, var.processed_prefix, var.rejected_prefix, "' +
            QUICKSIGHT_PREFIX +
            '"])) == 4 && alltrue([for a in [var.upload_prefix, var.processed_prefix, var.rejected_prefix] : ' +
            'length([for b in [var.upload_prefix, var.processed_prefix, var.rejected_prefix, "' +
            QUICKSIGHT_PREFIX +
            '"] : b if a != b && (startswith(a, b) || startswith(b, a))]) == 0])}',
          errorMessage:
            "upload_prefix, processed_prefix and rejected_prefix (and quicksight/) must differ and none may contain another.",
        },
        {
          condition: '${!var.enable_quicksight || var.quicksight_user_arn != ""}',
          errorMessage: "enable_quicksight needs quicksight_user_arn (the QuickSight user who owns the datasets).",
        },
      ],
    };
    // The bucket's prefixes as (empty) folder objects, so they show in the console from day one.
    for (const [id, key] of Object.entries({ ...prefixes, quicksight: QUICKSIGHT_PREFIX })) {
      new S3Object(this, `Prefix${id[0].toUpperCase()}${id.slice(1)}`, {
        bucket: this.bucket.bucketName,
        key,
        content: "",
        contentType: "application/x-directory",
      });
    }

    this.table = new Table(this, "SalesTable", {
      tableName: names.table,
      partitionKey: { name: TABLE_KEYS.partitionKey, type: "S" },
      sortKey: { name: TABLE_KEYS.sortKey, type: "S" },
      globalSecondaryIndexes: [
        {
          indexName: TABLE_KEYS.gsi1.name,
          partitionKey: { name: TABLE_KEYS.gsi1.partitionKey, type: "S" },
          sortKey: { name: TABLE_KEYS.gsi1.sortKey, type: "S" },
        },
      ],
      pointInTimeRecovery: true,
      protect: config.platform.protectData,
    });

    // ---- messaging -----------------------------------------------------------------------------
    // Under a key of its own: CloudWatch alarms cannot publish to a topic under alias/aws/sns.
    this.alerts = new Topic(this, "AlertsTopic", {
      topicName: names.alertsTopic,
      displayName: "Sales alerts",
      key: alertTopicKey(this, names.alertsTopic),
    });
    this.alerts.addEmailSubscription(v.alertEmail.stringValue);
    // SMS only when alert_phone is set (validated: empty or E.164, so a "+" means set).
    this.alerts.addSmsSubscription(v.alertPhone.stringValue, Fn.can(Fn.regex("^[+]", v.alertPhone.stringValue)));
    this.reports = new Topic(this, "ReportsTopic", {
      topicName: names.reportsTopic,
      displayName: "Sales reports",
    });
    this.reports.addEmailSubscription(v.alertEmail.stringValue);

    // ---- functions -----------------------------------------------------------------------------
    const settings: Partial<Record<EnvName, string>> = {
      [ENV.logLevel]: v.logLevel.stringValue,
      [ENV.uploadPrefix]: prefixes.upload,
      [ENV.processedPrefix]: prefixes.processed,
      [ENV.rejectedPrefix]: prefixes.rejected,
      [ENV.quicksightPrefix]: QUICKSIGHT_PREFIX,
      [ENV.expectedStores]: v.expectedStores.stringValue,
      [ENV.timezone]: v.dailyAnalysisTimezone.stringValue,
      [ENV.allowedOrigin]: v.frontendOrigin.stringValue,
    };
    const table = (label: string, actions: readonly string[]) => this.table.use(ENV.table, label, actions);
    const bucket = this.bucket;
    const modelArn = `arn:${partition}:bedrock:${region}::foundation-model/${v.bedrockModelId.stringValue}`;
    const invokeModel: Use = use(
      (g) =>
        grantTo(g, {
          sid: "InvokeConfiguredModel",
          actions: ["bedrock:InvokeModel"],
          resources: [modelArn],
        }),
      { name: ENV.bedrockModelId, value: v.bedrockModelId.stringValue },
    );
    const fns: Partial<Record<FunctionKey, LambdaFunction>> = {};
    const make = (key: FunctionKey, uses: readonly Use[], options: { asynchronous?: boolean } = {}) => {
      const spec = FUNCTIONS[key];
      const fromUses = new Set(uses.flatMap((u) => Object.keys(u.environment)));
      const environment = Object.fromEntries(
        spec.env
          .filter((name) => !fromUses.has(name) && settings[name] !== undefined)
          .map((n) => [n, settings[n] as string]),
      );
      fns[key] = LambdaFunction.fromSpec(this, spec, {
        functionName: names.functionName(spec.id),
        roleName: names.roleName(spec.id),
        description: `${spec.description} (${config.platform.environment})`,
        code: { kind: "bundle", entry: handlerEntry("sales-platform", spec.entry), bundleDir: bundleDir() },
        architecture: "arm64",
        uses,
        environment,
        logRetentionDays: LOG_RETENTION_DAYS,
        // Step Functions and API Gateway call the others synchronously and see every failure;
        // only the scheduled trigger is invoked asynchronously, so only it keeps failed events.
        deadLetterQueue: options.asynchronous === true,
        ...(options.asynchronous ? { asyncRetryAttempts: 2 } : {}),
      });
      return fns[key] as LambdaFunction;
    };

    // Phase 1: upload ETL (the state machine's steps) and the upload URL.
    make("generateUploadUrl", [bucket.write(ENV.bucket, prefixes.upload)]);
    make("processUpload", [
      bucket.read(ENV.bucket, prefixes.upload),
      bucket.delete(ENV.bucket, prefixes.upload),
      bucket.write(ENV.bucket, prefixes.processed),
      bucket.write(ENV.bucket, prefixes.rejected),
    ]);
    make("calculateMetrics", [bucket.read(ENV.bucket, prefixes.processed)]);
    make("writeMetrics", [table("PutStoreDay", WRITE)]);
    // Phase 2: daily analysis.
    make("getStoreSummaries", [table("ReadStoreDays", READ)]);
    make("calcCompanyMetrics", [table("ReadWriteAnalysis", [...READ, ...WRITE])]);
    make("calcProductMetrics", [
      table("ReadWriteAnalysis", [...READ, ...WRITE]),
      bucket.read(ENV.bucket, prefixes.processed),
    ]);
    make("detectAnomalies", [table("ReadWriteAnalysis", [...READ, ...WRITE])]);
    make("analyzeTrends", [table("ReadWriteAnalysis", [...READ, ...WRITE])]);
    make("generateRecommendations", [table("WriteAnalysis", WRITE), invokeModel]);
    make("combineInsights", [table("WriteAnalysis", WRITE)]);
    make("generateReport", [table("WriteAnalysis", WRITE), this.reports.publish(ENV.reportsTopicArn)]);
    make("exportToQuicksight", [table("ReadAnalysis", READ), bucket.write(ENV.bucket, QUICKSIGHT_PREFIX)]);
    // Phase 3: data access.
    make("listFiles", [
      bucket.list(ENV.bucket, prefixes.upload),
      bucket.list(ENV.bucket, prefixes.processed),
      bucket.list(ENV.bucket, prefixes.rejected),
    ]);
    make("generateDownloadUrl", [
      bucket.read(ENV.bucket, prefixes.upload),
      bucket.read(ENV.bucket, prefixes.processed),
      bucket.read(ENV.bucket, prefixes.rejected),
    ]);
    make("getAnalytics", [table("ReadAnalytics", [...READ, "dynamodb:GetItem"])]);
    make("getTrends", [table("ReadSeries", READ)]);

    // ---- workflows -----------------------------------------------------------------------------
    // Each Lambda task of a definition carries its invoke grant: the role may invoke exactly those.
    this.dailyAnalysis = new StateMachine(this, "DailyAnalysis", {
      stateMachineName: names.dailyAnalysis,
      roleName: names.roleName("daily-analysis"),
      definition: dailyAnalysisDefinition(fns as Record<FunctionKey, LambdaFunction>, this.alerts),
      logRetentionDays: LOG_RETENTION_DAYS,
      logLevel: "ERROR",
    });
    // Both start the day's analysis at most once (a conditional write on the day's RUN item).
    make("checkAllStores", [
      table("QueryAndClaimRun", [...READ, ...RUN_MARKER]),
      this.dailyAnalysis.startExecution(ENV.dailyAnalysisArn),
    ]);
    make(
      "triggerDailyAnalysis",
      [table("ClaimRun", RUN_MARKER), this.dailyAnalysis.startExecution(ENV.dailyAnalysisArn)],
      {
        asynchronous: true,
      },
    );
    this.functions = fns as Record<FunctionKey, LambdaFunction>;

    this.uploadProcessor = new StateMachine(this, "UploadProcessor", {
      stateMachineName: names.uploadProcessor,
      roleName: names.roleName("upload-processor"),
      definition: uploadProcessorDefinition(this.functions, this.alerts),
      logRetentionDays: LOG_RETENTION_DAYS,
      logLevel: "ERROR",
    });

    // ---- events --------------------------------------------------------------------------------
    const uploads = new EventRule(this, "UploadCreatedRule", {
      ruleName: names.uploadRule,
      description: "A file created under the upload prefix starts the upload processor",
      eventPattern: {
        source: ["aws.s3"],
        "detail-type": ["Object Created"],
        detail: { bucket: { name: [this.bucket.bucketName] }, object: { key: [{ prefix: prefixes.upload }] } },
      },
    });
    uploads.addStateMachineTarget(this.uploadProcessor, {
      targetId: "upload-processor",
      roleName: names.roleName("upload-events"),
      inputTransformer: {
        inputPaths: {
          bucket: "$.detail.bucket.name",
          key: "$.detail.object.key",
          size: "$.detail.object.size",
          time: "$.time",
        },
        inputTemplate: '{"bucket": <bucket>, "key": <key>, "size": <size>, "eventTime": <time>}',
      },
    });
    const schedule = new EventRule(this, "DailyAnalysisSchedule", {
      ruleName: names.scheduleRule,
      description: "Scheduled fallback: starts the day's analysis unless every store has reported already",
      schedule: v.dailyAnalysisSchedule.stringValue,
      enabled: v.enableScheduledAnalysis.booleanValue,
    });
    schedule.addLambdaTarget(this.functions.triggerDailyAnalysis, { targetId: "trigger-daily-analysis" });

    // ---- API -----------------------------------------------------------------------------------
    this.api = new RestApi(this, "Api", {
      restApiName: names.api,
      openApi: salesApiDocument(`Sales data platform (${config.platform.environment})`),
      integrations: Object.fromEntries(
        Object.entries(API_ROUTES).map(([operationId, route]) => [operationId, this.functions[route.fn]]),
      ),
      authorization: this.settings.apiAuthorization,
      stageName: "prod",
      cors: { allowOrigin: v.frontendOrigin.stringValue },
      logRetentionDays: LOG_RETENTION_DAYS,
      accountLogsRoleName: this.settings.manageApiGatewayAccount ? names.roleName("apigw-logs") : undefined,
    });

    // ---- QuickSight (enable_quicksight) --------------------------------------------------------
    const quicksight = quicksightDatasets(this, {
      bucket: this.bucket,
      enabled: v.enableQuicksight.booleanValue,
      userArn: v.quicksightUserArn.stringValue,
      idPrefix: names.named("qs", 100),
      roleName: names.roleName("quicksight-read"),
    });
    const dashboard = quicksightDashboard(this, {
      sets: quicksight.sets,
      count: quicksight.count,
      userArn: v.quicksightUserArn.stringValue,
      dashboardId: names.named("qs-dashboard", 512),
    });

    // ---- alarms: every function, state machine, dead-letter queue, the API and the table -------
    this.alarms = watchStack(this, this.alerts, names.namePrefix);

    // ---- outputs -------------------------------------------------------------------------------
    new TerraformOutput(this, "api_gateway_url", { value: this.api.url, description: "API Gateway endpoint URL" });
    // Same name as the variable (the original output name): construct ids must differ, Terraform names may not.
    new TerraformOutput(this, "s3_bucket_name_output", {
      value: this.bucket.bucketName,
      description: "S3 bucket name (with random suffix)",
    }).overrideLogicalId("s3_bucket_name");
    new TerraformOutput(this, "s3_bucket_arn", { value: this.bucket.arn, description: "S3 bucket ARN" });
    new TerraformOutput(this, "upload_processor_arn", {
      value: this.uploadProcessor.arn,
      description: "Upload processor state machine ARN",
    });
    new TerraformOutput(this, "daily_analysis_arn", {
      value: this.dailyAnalysis.arn,
      description: "Daily analysis state machine ARN",
    });
    new TerraformOutput(this, "dynamodb_table_name", {
      value: this.table.tableName,
      description: "DynamoDB table name",
    });
    new TerraformOutput(this, "sns_topic_arn", { value: this.alerts.topicArn, description: "SNS alerts topic ARN" });
    new TerraformOutput(this, "daily_reports_topic_arn", {
      value: this.reports.topicArn,
      description: "SNS daily reports topic ARN",
    });
    new TerraformOutput(this, "quicksight_dashboard_id", {
      value: dashboard.id,
      description: "QuickSight dashboard id (empty without enable_quicksight)",
    });
    new TerraformOutput(this, "quicksight_dashboard_url", {
      value: dashboard.url,
      description: "QuickSight dashboard URL in the console (empty without enable_quicksight)",
    });
  }
}
