/**
 * The one typed configuration of the app: shared platform settings once (environment, region,
 * endpoint, state store, adoption, GitHub), then one validated section per system (each system
 * declares its own in stacks/<system>/settings.ts; the registry hands them to `readConfig`). Every value
 * comes from an environment variable, else from cdktf context, else from its default; all
 * values are validated together before any stack is built, so a bad value fails `cdktf synth`
 * with a message naming the setting and the rule.
 *
 * Deploy-time inputs (image tags, the sales platform's tfvars, ...) are not settings: they stay
 * Terraform variables in the synthesized JSON.
 */
import { LOG_RETENTION_DAYS, s3BucketNameProblem } from "../constructs/names";
import { ConfigError, type ConfigSource, matches, oneOf, SettingsReader } from "./settings";

export { ConfigError, type ConfigSource, SettingsReader } from "./settings";
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
  /** Each system's validated settings by system id; read them with `settingsOf`. */
  readonly systems: ReadonlyMap<string, unknown>;
}

/** A system's settings section: how its settings are read and validated. */
export interface SettingsSection<S> {
  /** The system's id (the registry's key). */
  readonly system: string;
  readonly read: (r: SettingsReader) => S;
}

/** A system's validated settings from the loaded configuration. */
export function settingsOf<S>(config: AppConfig, section: SettingsSection<S>): S {
  if (!config.systems.has(section.system)) {
    throw new Error(`the settings of ${section.system} were not loaded: is the system in the registry?`);
  }
  return config.systems.get(section.system) as S;
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
  /**
   * Before it had a setting of its own, the platform's prefix was iac-ci's (IAC_CI_PREFIX, still
   * iac-ci's own setting, so the two may differ): when PLATFORM_PREFIX is unset, that value is
   * read with a warning, so a state bucket or GitHub role named after it keeps its name.
   */
  prefix: platformSetting("PREFIX", "prefix"),
} as const;
const PREFIX_RULE = matches(
  /^[a-z][a-z0-9-]{0,18}[a-z0-9]$/,
  "must be 2-20 characters of lowercase letters, digits and hyphens, starting with a letter",
);

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

/**
 * Reads, defaults and validates the platform's settings and every section (the registry's
 * `loadConfig` passes all systems'); throws ConfigError listing every problem.
 */
export function readConfig(source: ConfigSource, sections: readonly SettingsSection<unknown>[]): AppConfig {
  const r = new SettingsReader(source);
  const systems = new Map<string, unknown>();
  for (const section of sections) {
    if (systems.has(section.system)) throw new Error(`two settings sections for system ${section.system}`);
    systems.set(section.system, section.read(r));
  }
  const S = PLATFORM_SETTINGS;
  const platformPrefix = readPlatformPrefix(r);

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
    systems,
  };
}

function readPlatformPrefix(r: SettingsReader): string {
  const { formerly, ...name } = PLATFORM_SETTINGS.prefix;
  const current = r.read(name);
  let value = current.value;
  let from = current.from;
  if (value === undefined) {
    const former = r.read(formerly);
    if (former.value !== undefined) {
      value = former.value;
      from = former.from;
      r.warnings.push(
        `the platform's prefix (state store, GitHub roles) is read from ${former.from} for one more release: set PLATFORM_PREFIX=${former.value} (or context platform:prefix)`,
      );
    }
  }
  const prefix = value ?? "iac-ci";
  const problem = PREFIX_RULE(prefix);
  if (problem) r.fail(from, prefix, problem);
  return prefix;
}

/** The S3 key of a stack's remote state: `<system state prefix>/<environment>/<stack>.tfstate`. */
export function stateKey(statePrefix: string, environment: Environment, stackName: string): string {
  return `${statePrefix}/${environment}/${stackName}.tfstate`;
}
