import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsKmsKey } from "@cdktf/provider-aws/lib/data-aws-kms-key";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { Fn, TerraformOutput, TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import { type AppConfig, ConfigError, settingsOf } from "../../config";
import type { SystemAlarms } from "../../constructs/alarms";
import { Alias } from "../../constructs/alias";
import { LambdaFunction } from "../../constructs/function";
import { type CorsOptions, HttpApi } from "../../constructs/http-api";
import { Role } from "../../constructs/iam";
import { SecureParameter } from "../../constructs/parameter";
import type { Topic } from "../../constructs/topic";
import {
  ENV,
  FUNCTIONS,
  type FunctionKey,
  LIVE_ALIAS,
  OPENAI_DEFAULTS,
  ROUTES,
} from "../../lambdas/trip-assistant/contract";
import { alertTopic, watchStack } from "../alerts";
import { SystemStack } from "../system-stack";
import { TRIP_ASSISTANT, TRIP_REGION_DESCRIPTION, type TripAssistantNames, VARIABLE_DEFAULTS } from "./names";
import { TRIP_ASSISTANT_SECTION, type TripAssistantSettings } from "./settings";

/** The functions' logs are kept 7 days. */
export const LOG_RETENTION_DAYS = 7;
/** The GitHub OIDC provider's host (its ARN is `arn:aws:iam::<account>:oidc-provider/<host>`). */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

/**
 * What the CD pipeline (the trip-assistant-deploy workflow) may do, and nothing else: update
 * both functions' code, publish versions, read and move their `live` aliases, and push images
 * to the two repositories.
 */
export const DEPLOY_ACTIONS = {
  functionCode: ["lambda:GetFunction", "lambda:PublishVersion", "lambda:UpdateFunctionCode"],
  alias: ["lambda:GetAlias", "lambda:UpdateAlias"],
  push: [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:DescribeImages",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
  ],
} as const;

/** CORS of the HTTP API: any origin in dev (unless origins are set), the setting's origins elsewhere. */
export function corsFor(config: AppConfig): CorsOptions | undefined {
  const { corsOrigins } = settingsOf(config, TRIP_ASSISTANT_SECTION);
  const dev = config.platform.environment === "dev";
  if (!dev && corsOrigins.includes("*")) {
    throw new ConfigError([
      `TRIP_ASSISTANT_CORS_ORIGINS="${corsOrigins.join(",")}": "*" is allowed in dev only; list the frontend's origins for ${config.platform.environment}`,
    ]);
  }
  const origins = corsOrigins.length ? corsOrigins : dev ? ["*"] : [];
  if (origins.length === 0) return undefined;
  return {
    allowOrigins: origins,
    allowMethods: ["GET", "POST", "OPTIONS"],
    allowHeaders: ["content-type"],
    maxAgeSeconds: 300,
  };
}

/**
 * trip-assistant: the OpenAI API key as an SSM SecureString, the agent and API functions (arm64
 * container images, each with a `live` alias the CD pipeline moves), an HTTP API whose `$default`
 * route calls the API's alias, and (with a GitHub repository set) the CD pipeline's OIDC role.
 * Terraform creates the functions on the first image and the aliases on the first version; from
 * then on images and aliases belong to the pipeline (lifecycle.ignore_changes), so a plan after
 * a deploy or a rollback is clean.
 */
export class TripAssistantStack extends SystemStack<TripAssistantNames, TripAssistantSettings> {
  readonly parameter: SecureParameter;
  readonly functions: Record<FunctionKey, LambdaFunction>;
  readonly aliases: Record<FunctionKey, Alias>;
  readonly api: HttpApi;
  readonly deployRole?: Role;
  readonly alerts: Topic;
  readonly alarms: SystemAlarms;

  constructor(scope: Construct, stackName: string, config: AppConfig) {
    super(scope, stackName, config, TRIP_ASSISTANT);
    const names = this.names;
    const { platform } = config;
    // On the emulator the variables a real deploy must be given have harmless defaults, so
    // `npm start` deploys every system unattended; against AWS there are none.
    const emulator = platform.awsEndpoint !== undefined;

    this.regionVariable(VARIABLE_DEFAULTS.region, TRIP_REGION_DESCRIPTION);
    // A tfvars file with environment, aws_region and openai_api_key, as the original is run.
    this.environmentVariable();
    const apiKey = new TerraformVariable(this, "openai_api_key", {
      type: "string",
      sensitive: true,
      nullable: false,
      ...(emulator ? { default: "sk-emulator-placeholder" } : {}),
      description:
        "The OpenAI API key, stored as the SecureString parameter (pass it as TF_VAR_openai_api_key, never in a file in the repository).",
      validation: [
        {
          condition: '${length(trimspace(var.openai_api_key)) >= 8 && !can(regex("\\\\s", var.openai_api_key))}',
          errorMessage: "openai_api_key must be an API key: at least 8 characters, no whitespace.",
        },
      ],
    });
    const imageTag = new TerraformVariable(this, "image_tag", {
      type: "string",
      ...(emulator ? { default: "emulator" } : {}),
      description:
        "Tag of both images the functions are created with (the commit SHA pushed to the trip-assistant-ecr repositories). Used at creation only: afterwards the CD pipeline moves the images.",
      validation: [
        {
          condition: '${can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag))}',
          errorMessage: "image_tag must be a valid image tag: letters, digits, _ . - (at most 128).",
        },
      ],
    });
    const baseUrl = new TerraformVariable(this, "openai_base_url", {
      type: "string",
      default: OPENAI_DEFAULTS.baseUrl,
      description: "Base URL of the OpenAI-compatible chat-completions API the agent calls.",
      validation: [
        {
          condition: '${can(regex("^https?://[^/\\\\s@]+(/[^\\\\s]*)?$", var.openai_base_url))}',
          errorMessage:
            "openai_base_url must be an http(s) URL without credentials, such as https://api.openai.com/v1.",
        },
      ],
    });
    const model = new TerraformVariable(this, "openai_model", {
      type: "string",
      default: OPENAI_DEFAULTS.model,
      description: "The chat model the agent asks.",
      validation: [
        {
          condition: '${can(regex("^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$", var.openai_model))}',
          errorMessage: "openai_model must be a model id (letters, digits and . _ : / -).",
        },
      ],
    });

    const account = new DataAwsCallerIdentity(this, "current", {});
    const region = new DataAwsRegion(this, "current_region", {});
    const registry = `${account.accountId}.dkr.ecr.${region.region}.amazonaws.com`;
    const repositoryUrl = (name: string) => `${registry}/${name}`;
    const repositoryArn = (name: string) =>
      `arn:${this.partition}:ecr:${region.region}:${account.accountId}:repository/${name}`;

    // Construct ids carry the system's name: Terraform addresses (and checkov's resource names,
    // which its checkov-skips.json matches) are unique across the systems' stacks.
    // The key: a SecureString under the account's aws/ssm key. Its value is in the state (the
    // state bucket is encrypted, versioned and private) but in no output and no log.
    // Reading it decrypts with the aws/ssm key: allowed for this parameter only (the encryption
    // context SSM sends names it), and only through SSM.
    const ssmKey = new DataAwsKmsKey(this, "ssm_key", { keyId: "alias/aws/ssm" });
    this.parameter = new SecureParameter(this, "TripAssistantOpenaiApiKey", {
      parameterName: names.parameter,
      description: "OpenAI API key of the trip assistant's agent.",
      value: apiKey.stringValue,
      decrypt: { keyArn: ssmKey.arn, region: region.region },
    });
    const parameter = this.parameter;
    const readApiKey = parameter.read(ENV.ssmParameterName);

    const environment = { [ENV.environment]: platform.environment };
    const common = {
      architecture: "arm64" as const,
      publish: true,
      logRetentionDays: LOG_RETENTION_DAYS,
      // Invoked synchronously only (API Gateway -> API -> agent): every failure reaches the
      // caller, so there is nothing for a dead-letter queue to keep.
      deadLetterQueue: false,
      // The roles hold exactly what was originally specified: logs plus the parameter, or plus the agent.
      tracing: false,
    };

    const agent = LambdaFunction.fromSpec(
      this,
      FUNCTIONS.agent,
      {
        ...common,
        functionName: names.agent,
        description: `Trip assistant agent: answers chat messages with an OpenAI-compatible model (${platform.environment})`,
        code: {
          kind: "image",
          imageUri: `${repositoryUrl(names.agent)}:${imageTag.stringValue}`,
          command: [FUNCTIONS.agent.command],
          updatedBy: "pipeline",
        },
        environment: {
          ...environment,
          [ENV.openaiBaseUrl]: baseUrl.stringValue,
          [ENV.openaiModel]: model.stringValue,
        },
        uses: [readApiKey],
      },
      "TripAssistantAgent",
    );
    const agentAlias = new Alias(this, "TripAssistantAgentLive", {
      fn: agent,
      aliasName: LIVE_ALIAS,
      versionManagedBy: "pipeline",
      description: "The agent version in service; moved by the CD pipeline.",
    });

    const apiFunction = LambdaFunction.fromSpec(
      this,
      FUNCTIONS.api,
      {
        ...common,
        functionName: names.api,
        description: `Trip assistant API: /api/health and /api/messages behind the HTTP API (${platform.environment})`,
        code: {
          kind: "image",
          imageUri: `${repositoryUrl(names.api)}:${imageTag.stringValue}`,
          command: [FUNCTIONS.api.command],
          updatedBy: "pipeline",
        },
        environment,
        // The API invokes the agent's live alias, and only it.
        uses: [agentAlias.invoke(ENV.agentFunction)],
      },
      "TripAssistantApi",
    );
    const apiAlias = new Alias(this, "TripAssistantApiLive", {
      fn: apiFunction,
      aliasName: LIVE_ALIAS,
      versionManagedBy: "pipeline",
      description: "The API version in service; moved by the CD pipeline.",
    });
    this.functions = { agent, api: apiFunction };
    this.aliases = { agent: agentAlias, api: apiAlias };

    this.api = new HttpApi(this, "TripAssistantHttpApi", {
      apiName: names.httpApi,
      logRetentionDays: LOG_RETENTION_DAYS,
      cors: corsFor(config),
    });
    // API Gateway forwards every path to the API's live alias, which does its own routing. The
    // routes are public: the chat is called from a browser (the frontend and its sign-in are
    // not part of this system); the stage throttles every caller.
    this.api.addDefaultRoute({ target: apiAlias, authorization: "NONE" });

    if (platform.githubRepository) {
      const role = new Role(this, "TripAssistantGithubDeployRole", {
        roleName: names.deployRole,
        description: `CD of the trip assistant (${platform.environment}) from ${platform.githubRepository}: push images, update code, move live`,
        assumedBy: {
          federated: `arn:${this.partition}:iam::${account.accountId}:oidc-provider/${GITHUB_OIDC_HOST}`,
          conditions: {
            StringEquals: {
              [`${GITHUB_OIDC_HOST}:aud`]: "sts.amazonaws.com",
              [`${GITHUB_OIDC_HOST}:sub`]: `repo:${platform.githubRepository}:environment:${platform.environment}`,
            },
          },
        },
        policyName: "deploy",
      });
      role.addToPolicy({
        sid: "DeployFunctionCode",
        actions: DEPLOY_ACTIONS.functionCode,
        resources: [agent.arn, apiFunction.arn],
      });
      role.addToPolicy({
        sid: "MoveLiveAliases",
        actions: DEPLOY_ACTIONS.alias,
        resources: [agent.arn, apiFunction.arn, agentAlias.arn, apiAlias.arn],
      });
      role.addToPolicy({
        sid: "PushImages",
        actions: DEPLOY_ACTIONS.push,
        resources: [repositoryArn(names.agent), repositoryArn(names.api)],
      });
      role.addToPolicy({
        sid: "RegistryLogin",
        actions: ["ecr:GetAuthorizationToken"],
        resources: ["*"],
        wildcardReason:
          "ecr:GetAuthorizationToken is authorized on the account only; AWS has no resource-level permission for it",
      });
      this.deployRole = role;
      new TerraformOutput(this, "github_deploy_role_arn", {
        value: role.arn,
        description:
          "The role the trip-assistant-deploy workflow assumes (GitHub variable TRIP_ASSISTANT_DEPLOY_ROLE_ARN).",
      });
    }

    // Function errors and throttles and 5xx answers go to the alerts topic.
    this.alerts = alertTopic(this, {
      topicName: names.alertsTopic,
      displayName: "Trip assistant alerts",
      idPrefix: "TripAssistant",
    });
    this.alarms = watchStack(this, this.alerts, names.namePrefix, "TripAssistant");

    new TerraformOutput(this, "api_url", { value: this.api.url, description: "Invoke URL of the HTTP API." });
    new TerraformOutput(this, "alerts_topic_arn", { value: this.alerts.topicArn });
    new TerraformOutput(this, "health_url", {
      value: `${Fn.trimsuffix(this.api.url, "/")}${ROUTES.health.path}`,
      description: "GET it for the smoke test: 200 with the version serving.",
    });
    new TerraformOutput(this, "agent_lambda_function_name", { value: agent.functionName });
    new TerraformOutput(this, "api_lambda_function_name", { value: apiFunction.functionName });
    new TerraformOutput(this, "agent_lambda_function_arn", { value: agent.arn });
    new TerraformOutput(this, "agent_lambda_invoke_arn", {
      value: agent.invokeArn,
      description: "For an API Gateway integration of the agent (the API calls its live alias instead).",
    });
    new TerraformOutput(this, "api_lambda_function_arn", { value: apiFunction.arn });
    new TerraformOutput(this, "api_lambda_invoke_arn", {
      value: apiFunction.invokeArn,
      description: "The unqualified function's invoke ARN; the HTTP API integrates the live alias.",
    });
    new TerraformOutput(this, "agent_live_alias_arn", { value: agentAlias.arn });
    new TerraformOutput(this, "api_live_alias_arn", { value: apiAlias.arn });
    new TerraformOutput(this, "agent_ecr_repository_url", { value: repositoryUrl(names.agent) });
    new TerraformOutput(this, "api_ecr_repository_url", { value: repositoryUrl(names.api) });
    new TerraformOutput(this, "ssm_parameter_name", { value: parameter.name });
    new TerraformOutput(this, "ssm_parameter_arn", { value: parameter.arn });
    new TerraformOutput(this, "region", { value: region.region, description: "Region of the functions and the API." });
  }
}
