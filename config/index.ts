/**
 * The one typed configuration of the app: shared platform settings once (environment, region,
 * endpoint, state store, adoption, GitHub), then one validated section per system. Every value
 * comes from an environment variable, else from cdktf context, else from its default; all
 * values are validated together before any stack is built, so a bad value fails `cdktf synth`
 * with a message naming the setting and the rule.
 *
 * Deploy-time inputs (image tags, the sales platform's tfvars, ...) are not settings: they stay
 * Terraform variables in the synthesized JSON.
 */
import { LOG_RETENTION_DAYS, s3BucketNameProblem } from "../constructs/names";
import { type IacCiSettings, readIacCiSettings } from "./iac-ci";
import { type ModelShareSettings, readModelShareSettings } from "./model-share";
import { readSalesPlatformSettings, type SalesPlatformSettings } from "./sales-platform";
import { ConfigError, type ConfigSource, matches, oneOf, SettingsReader } from "./settings";
import { readSfnPipelineSettings, type SfnPipelineSettings } from "./sfn-pipeline";
import { readTripAssistantSettings, type TripAssistantSettings } from "./trip-assistant";

export type { IacCiSettings } from "./iac-ci";
export type { ModelShareSettings } from "./model-share";
export type { SalesPlatformSettings } from "./sales-platform";
export { ConfigError, type ConfigSource } from "./settings";
export type { SfnPipelineSettings } from "./sfn-pipeline";
export type { TripAssistantSettings } from "./trip-assistant";
export { LOG_RETENTION_DAYS, s3BucketNameProblem };

export const ENVIRONMENTS = ["dev", "stage", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** Settings every system shares. */
export interface PlatformConfig {
  /** Deployment environment; part of every state key and environment-scoped name. */
  readonly environment: Environment;
  /** AWS region of the providers and of the state backend. */
  readonly region: string;
  /** S3 bucket holding Terraform state (created by 00-bootstrap). */
  readonly stateBucket: string;
  /** DynamoDB table holding Terraform state locks (created by 00-bootstrap). */
  readonly lockTable: string;
  /** Custom AWS endpoint (a local emulator); undefined means real AWS. */
  readonly awsEndpoint?: string;
  /**
   * Whether buckets carry the TLS-only (deny aws:SecureTransport=false) policy. Always true for
   * real AWS. With an emulator endpoint it is false: moto evaluates no `Bool` condition, so it
   * would apply the Deny to every request (docs/emulator.md).
   */
  readonly enforceTls: boolean;
  /** Names of IAM roles that already exist and are adopted with import blocks (any stack's). */
  readonly adoptRoles: readonly string[];
  /** Retention of every log group the stacks create (unless a system fixes its own). */
  readonly logRetentionDays: number;
  /** `owner/name` of the GitHub repository that deploys with OIDC; unset means no OIDC roles. */
  readonly githubRepository?: string;
  /** GitHub environments whose jobs may assume the deploy role. */
  readonly githubDeployEnvironments: readonly Environment[];
  /** Name prefix of the platform's own resources (GitHub roles; default state store names). */
  readonly platformPrefix: string;
  /**
   * Whether data stores (tables, data buckets) are protected from destruction: DynamoDB
   * deletion protection and `prevent_destroy`. On by default in prod, off elsewhere.
   */
  readonly protectData: boolean;
}

export interface AppConfig {
  readonly platform: PlatformConfig;
  /** Settings read under a former name: what to set instead (the app prints them). */
  readonly warnings: readonly string[];
  readonly iacCi: IacCiSettings;
  readonly sfnPipeline: SfnPipelineSettings;
  readonly modelShare: ModelShareSettings;
  readonly salesPlatform: SalesPlatformSettings;
  readonly tripAssistant: TripAssistantSettings;
}

/**
 * The shared settings' names: `PLATFORM_*` (context `platform:*`). Their former names,
 * `IAC_CI_*` (context `iac-ci:*`, from when the platform was one system), are read for one more
 * release with a warning.
 */
const platformSetting = (env: string, key: string) =>
  ({
    env: `PLATFORM_${env}`,
    context: `platform:${key}`,
    formerly: { env: `IAC_CI_${env}`, context: `iac-ci:${key}` },
  }) as const;
export const PLATFORM_SETTINGS = {
  environment: platformSetting("ENV", "environment"),
  region: platformSetting("REGION", "region"),
  stateBucket: platformSetting("STATE_BUCKET", "stateBucket"),
  lockTable: platformSetting("LOCK_TABLE", "lockTable"),
  awsEndpoint: platformSetting("AWS_ENDPOINT", "awsEndpoint"),
  adoptRoles: platformSetting("ADOPT_ROLES", "adoptRoles"),
  logRetentionDays: platformSetting("LOG_RETENTION_DAYS", "logRetentionDays"),
  githubRepository: platformSetting("GITHUB_REPOSITORY", "githubRepository"),
  githubDeployEnvironments: platformSetting("GITHUB_DEPLOY_ENVIRONMENTS", "githubDeployEnvironments"),
  protectData: platformSetting("PROTECT_DATA", "protectData"),
} as const;

const REGION_RULE = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

function endpointProblem(value: string): string | undefined {
  try {
    const url = new URL(value);
    if ((url.protocol === "http:" || url.protocol === "https:") && url.pathname === "/") return undefined;
  } catch {
    // falls through
  }
  return "must be an http(s) URL without a path, such as http://127.0.0.1:5000";
}

/** Reads, defaults and validates the whole configuration; throws ConfigError listing every problem. */
export function loadConfig(source: ConfigSource = { env: process.env }): AppConfig {
  const r = new SettingsReader(source);
  const iacCi = readIacCiSettings(r);
  const sfnPipeline = readSfnPipelineSettings(r);
  const modelShare = readModelShareSettings(r);
  const salesPlatform = readSalesPlatformSettings(r);
  const tripAssistant = readTripAssistantSettings(r);
  const S = PLATFORM_SETTINGS;
  // The platform's own names (state store, GitHub roles) were always iac-ci's prefix.
  const platformPrefix = iacCi.prefix;

  const environment = r.string(S.environment, "dev", oneOf(ENVIRONMENTS)) as Environment;
  // The usual AWS variables are honoured after our own, so a shell set up for AWS just works.
  const region = r.string(
    S.region,
    r.rawEnv("AWS_REGION") ?? r.rawEnv("AWS_DEFAULT_REGION") ?? "us-east-1",
    matches(REGION_RULE, "must be an AWS region code such as us-east-1"),
  );
  const stateBucket = r.string(S.stateBucket, `${platformPrefix}-tfstate`, (v) => {
    const problem = s3BucketNameProblem(v);
    return problem ? `is not a valid S3 bucket name: it ${problem}` : undefined;
  });
  const lockTable = r.string(
    S.lockTable,
    `${platformPrefix}-tf-locks`,
    matches(/^[A-Za-z0-9_.-]{3,255}$/, "must be 3-255 characters of letters, digits, underscore, dot and hyphen"),
  );
  const endpointIn = r.read(S.awsEndpoint);
  const awsEndpoint = endpointIn.value?.replace(/\/+$/, "");
  if (awsEndpoint !== undefined) {
    const problem = endpointProblem(awsEndpoint);
    if (problem) r.fail(endpointIn.from, awsEndpoint, problem);
  }
  const adoptRoles = r.list(
    S.adoptRoles,
    [],
    matches(/^[\w+=,.@-]{1,64}$/, "is not a valid IAM role name (1-64 of letters, digits, +=,.@_-)"),
  );
  const retention = r.string(S.logRetentionDays, "30", (v) =>
    (LOG_RETENTION_DAYS as readonly number[]).includes(Number(v))
      ? undefined
      : `must be one of ${LOG_RETENTION_DAYS.join(", ")} (days)`,
  );
  const repoIn = r.read(S.githubRepository);
  const githubRepository = repoIn.value;
  if (githubRepository !== undefined && !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(githubRepository)) {
    r.fail(repoIn.from, githubRepository, "must be a GitHub repository as owner/name");
  }
  const githubDeployEnvironments = r.list(
    S.githubDeployEnvironments,
    ENVIRONMENTS,
    oneOf(ENVIRONMENTS),
  ) as Environment[];
  const protectData = r.boolean(S.protectData, environment === "prod");

  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return {
    warnings: [...new Set(r.warnings)],
    platform: {
      environment,
      region,
      stateBucket,
      lockTable,
      awsEndpoint,
      enforceTls: awsEndpoint === undefined,
      adoptRoles,
      logRetentionDays: Number(retention),
      githubRepository,
      githubDeployEnvironments,
      platformPrefix,
      protectData,
    },
    iacCi,
    sfnPipeline,
    modelShare,
    salesPlatform,
    tripAssistant,
  };
}

/** `<prefix>-<environment>`: the base of iac-ci's environment-scoped physical names. */
export function envPrefix(config: AppConfig): string {
  return `${config.iacCi.prefix}-${config.platform.environment}`;
}

/** The S3 key of a stack's remote state: `<system state prefix>/<environment>/<stack>.tfstate`. */
export function stateKey(statePrefix: string, environment: Environment, stackName: string): string {
  return `${statePrefix}/${environment}/${stackName}.tfstate`;
}
