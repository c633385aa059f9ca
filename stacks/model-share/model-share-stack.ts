import { Fn, TerraformOutput, TerraformVariable, Token } from "cdktf";
import type { Construct } from "constructs";
import { type AppConfig, ConfigError } from "../../config";
import type { SystemAlarms } from "../../constructs/alarms";
import { LambdaFunction } from "../../constructs/function";
import { HttpApi } from "../../constructs/http-api";
import { LayerVersion } from "../../constructs/layer";
import { Table } from "../../constructs/table";
import type { Topic } from "../../constructs/topic";
import {
  BY_USER_INDEX,
  CORS,
  ENV,
  FUNCTION,
  KIT,
  ROUTES,
  type RouteName,
  routeKeyOf,
  TABLE_KEYS,
} from "../../lambdas/model-share/contract";
import { alertTopic, watchStack } from "../alerts";
import { bundleDir, handlerEntry } from "../paths";
import { SystemStack } from "../system-stack";
import { MODEL_SHARE, type ModelShareNames } from "./names";
import type { ModelShareSettings } from "./settings";

/**
 * Exactly what the handler calls on its table: item reads and queries (the table and its
 * byUser index), conditional puts and updates, and the condition check of its transactions.
 * No scans, deletes or batch writes.
 */
export const TABLE_ACTIONS = [
  "dynamodb:ConditionCheckItem",
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:Query",
  "dynamodb:UpdateItem",
] as const;

/** The origin rule of `cors_allow_origins` in Terraform's regex syntax (config's CORS_ORIGIN_PATTERN). */
const TF_ORIGIN_REGEX = "^([*]|https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?)$";

/**
 * The model-share playground API: an HTTP API whose seven routes proxy to one
 * TypeScript function, which keeps playground tables and their users' scores in one on-demand
 * DynamoDB table. Its deploy-time switches are Terraform variables: point-in-time
 * recovery, CORS origins, safe concurrency (the function's conditional writes) and the optional
 * layer carrying the function's kit.
 */
export class ModelShareStack extends SystemStack<ModelShareNames, ModelShareSettings> {
  readonly table: Table;
  readonly fn: LambdaFunction;
  readonly api: HttpApi;
  readonly layer: LayerVersion;
  readonly alerts: Topic;
  readonly alarms: SystemAlarms;

  constructor(scope: Construct, stackName: string, config: AppConfig) {
    super(scope, stackName, config, MODEL_SHARE);
    const { names, settings } = this;
    const environment = config.platform.environment;
    const isDev = environment === "dev";

    const corsDefault = settings.corsAllowOrigins ?? (isDev ? ["*"] : []);
    if (!isDev && corsDefault.includes("*")) {
      throw new ConfigError([
        `MODEL_SHARE_CORS_ALLOW_ORIGINS="${corsDefault.join(",")}": "*" is allowed only in dev (this is ${environment}); name the origins`,
      ]);
    }

    const enablePitr = new TerraformVariable(this, "enable_pitr", {
      type: "bool",
      default: true,
      nullable: false,
      description: "Point-in-time recovery of the playground table (35 days of restorable history).",
    });
    const corsAllowOrigins = new TerraformVariable(this, "cors_allow_origins", {
      type: "list(string)",
      default: corsDefault,
      nullable: false,
      description: `Origins browsers may call the API from (scheme://host[:port]); "*" only in dev. This is ${environment}.`,
      validation: [
        {
          condition: `\${alltrue([for o in var.cors_allow_origins : can(regex("${TF_ORIGIN_REGEX}", o))])}`,
          errorMessage: 'Each cors_allow_origins entry must be "*" or an origin such as https://app.example.org.',
        },
        ...(isDev
          ? []
          : [
              {
                condition: '${!contains(var.cors_allow_origins, "*")}',
                errorMessage: `cors_allow_origins may hold "*" only in dev; this stack is ${environment}: name the origins.`,
              },
            ]),
      ],
    });
    const safeConcurrency = new TerraformVariable(this, "safe_concurrency", {
      type: "bool",
      default: true,
      nullable: false,
      description:
        "Conditional writes: every update checks the version it is based on and answers 409 on a conflict (no lost updates). False: plain writes, the last writer wins.",
    });
    const useLayer = new TerraformVariable(this, "use_layer", {
      type: "bool",
      default: false,
      nullable: false,
      description: `Publish the ${KIT.moduleName} layer (validation and page tokens) and run the function with it.`,
    });

    this.table = new Table(this, "PlaygroundTable", {
      tableName: names.table,
      partitionKey: { name: TABLE_KEYS.partitionKey, type: "S" },
      sortKey: { name: TABLE_KEYS.sortKey, type: "S" },
      globalSecondaryIndexes: [
        {
          indexName: BY_USER_INDEX.name,
          partitionKey: { name: BY_USER_INDEX.partitionKey, type: "S" },
          sortKey: { name: BY_USER_INDEX.sortKey, type: "S" },
        },
      ],
      pointInTimeRecovery: enablePitr.booleanValue,
      protect: config.platform.protectData,
    });

    this.layer = new LayerVersion(this, "KitLayer", {
      layerName: names.layer,
      description: `${KIT.moduleName} (kit API ${KIT.apiVersion}): input validation and page tokens of the playground API`,
      code: {
        kind: "nodeModule",
        moduleName: KIT.moduleName,
        entry: handlerEntry("model-share", KIT.entry),
        bundleDir: bundleDir(),
      },
      compatibleArchitectures: ["arm64"],
      enabled: useLayer.booleanValue,
    });

    this.fn = LambdaFunction.fromSpec(
      this,
      FUNCTION,
      {
        functionName: names.function,
        description: `The playground API's seven routes (${environment})`,
        code: { kind: "bundle", entry: handlerEntry("model-share", FUNCTION.entry), bundleDir: bundleDir() },
        roleName: names.role,
        // Bundled JavaScript only: Graviton is cheaper for the same work.
        architecture: "arm64",
        uses: [this.table.use(ENV.table, "PlaygroundData", TABLE_ACTIONS)],
        environment: {
          [ENV.safeConcurrency]: Fn.tostring(safeConcurrency.booleanValue),
          [ENV.corsAllowOrigins]: Fn.join(",", corsAllowOrigins.listValue),
        },
        layers: this.layer.arns,
        logRetentionDays: settings.logRetentionDays,
        // Invoked synchronously by API Gateway, which returns every failure to the caller: there
        // are no asynchronous events to keep in a dead-letter queue.
        deadLetterQueue: false,
      },
      // Its shipped Terraform address.
      "PlaygroundApi",
    );

    this.api = new HttpApi(this, "Api", {
      apiName: names.api,
      logRetentionDays: settings.logRetentionDays,
      throttle: { rateLimit: settings.throttleRateLimit, burstLimit: settings.throttleBurstLimit },
      cors: {
        allowOrigins: Token.asList(corsAllowOrigins.listValue),
        allowMethods: CORS.allowMethods,
        allowHeaders: CORS.allowHeaders,
        exposeHeaders: CORS.exposeHeaders,
        maxAgeSeconds: CORS.maxAgeSeconds,
      },
    });
    for (const name of Object.keys(ROUTES) as RouteName[]) {
      this.api.addLambdaRoute({ ...ROUTES[name], fn: this.fn, authorization: settings.apiAuthorization });
    }

    // Function errors and throttles, 5xx answers and table throttles go to the alerts topic.
    this.alerts = alertTopic(this, { topicName: names.alertsTopic, displayName: "Model share alerts" });
    this.alarms = watchStack(this, this.alerts, names.namePrefix);

    new TerraformOutput(this, "api_url", { value: this.api.url, description: "Base URL of the API ($default stage)" });
    new TerraformOutput(this, "api_id", { value: this.api.apiId });
    new TerraformOutput(this, "routes", { value: Object.values(ROUTES).map(routeKeyOf) });
    new TerraformOutput(this, "function_name", { value: this.fn.functionName });
    new TerraformOutput(this, "function_log_group", { value: this.fn.logGroup.name });
    new TerraformOutput(this, "function_role_arn", { value: this.fn.role.arn });
    new TerraformOutput(this, "table_name", { value: this.table.tableName });
    new TerraformOutput(this, "table_arn", { value: this.table.arn });
    new TerraformOutput(this, "alerts_topic_arn", { value: this.alerts.topicArn });
    // A list, empty when use_layer is false: a null output makes `cdktf deploy` fail after the
    // apply (the CLI reads every output value as an object).
    new TerraformOutput(this, "layer_arns", {
      value: this.layer.arns,
      description: "The kit layer version the function runs with; empty when use_layer is false",
    });
  }
}
