/**
 * The one typed configuration of the app. Every value comes from an environment variable,
 * else from cdktf context (cdktf.json "context" or `--context`), else from its default.
 * All values are validated together before any stack is built, so a bad value fails
 * `cdktf synth` with a message naming the setting and the rule, before Terraform runs.
 */

export const ENVIRONMENTS = ["dev", "stage", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export interface IacCiConfig {
  /** Project name prefix of every physical name. */
  readonly prefix: string;
  /** Deployment environment; part of every state key and environment-scoped name. */
  readonly environment: Environment;
  /** AWS region of the provider and of the state backend. */
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
  /** Names of IAM roles that already exist and must be adopted with import blocks. */
  readonly adoptRoles: readonly string[];
  /** Retention of every log group the stacks create. */
  readonly logRetentionDays: number;
  /** Default of the 02-deploy `image_tag` Terraform variable. */
  readonly defaultImageTag: string;
  /** `owner/name` of the GitHub repository that deploys with OIDC; unset means no OIDC roles. */
  readonly githubRepository?: string;
  /** GitHub environments whose jobs may assume the deploy role. */
  readonly githubDeployEnvironments: readonly Environment[];
}

/** One setting: its environment variable, context key, default and rule. */
interface Setting {
  readonly env: string;
  readonly context: string;
  readonly description: string;
}

export const SETTINGS = {
  prefix: { env: "IAC_CI_PREFIX", context: "iac-ci:prefix", description: "project name prefix" },
  environment: { env: "IAC_CI_ENV", context: "iac-ci:environment", description: "environment" },
  region: { env: "IAC_CI_REGION", context: "iac-ci:region", description: "AWS region" },
  stateBucket: { env: "IAC_CI_STATE_BUCKET", context: "iac-ci:stateBucket", description: "state bucket" },
  lockTable: { env: "IAC_CI_LOCK_TABLE", context: "iac-ci:lockTable", description: "lock table" },
  awsEndpoint: { env: "IAC_CI_AWS_ENDPOINT", context: "iac-ci:awsEndpoint", description: "AWS endpoint" },
  adoptRoles: { env: "IAC_CI_ADOPT_ROLES", context: "iac-ci:adoptRoles", description: "roles to adopt" },
  logRetentionDays: {
    env: "IAC_CI_LOG_RETENTION_DAYS",
    context: "iac-ci:logRetentionDays",
    description: "log retention",
  },
  defaultImageTag: { env: "IAC_CI_IMAGE_TAG", context: "iac-ci:imageTag", description: "default image tag" },
  githubRepository: {
    env: "IAC_CI_GITHUB_REPOSITORY",
    context: "iac-ci:githubRepository",
    description: "GitHub repository deploying with OIDC",
  },
  githubDeployEnvironments: {
    env: "IAC_CI_GITHUB_DEPLOY_ENVIRONMENTS",
    context: "iac-ci:githubDeployEnvironments",
    description: "GitHub environments allowed to deploy",
  },
} as const satisfies Record<Exclude<keyof IacCiConfig, "enforceTls">, Setting>;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid iac-ci configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export type ConfigSource = {
  /** Environment variables (usually process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** cdktf context values (usually app.node.getContext). */
  readonly context?: (key: string) => unknown;
};

const PREFIX_RULE = /^[a-z][a-z0-9-]{0,18}[a-z0-9]$/;
const REGION_RULE = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const TABLE_RULE = /^[A-Za-z0-9_.-]{3,255}$/;
const ROLE_RULE = /^[\w+=,.@-]{1,64}$/;
const IMAGE_TAG_RULE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Returns the reason a bucket name breaks S3's naming rules, or undefined when it is valid. */
export function s3BucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return "must be 3 to 63 characters long";
  if (/[A-Z]/.test(name)) return "must not contain capital letters";
  if (!/^[a-z0-9.-]+$/.test(name)) return "may contain only lowercase letters, digits, dots and hyphens";
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return "must begin and end with a letter or digit";
  if (name.includes("..")) return "must not contain two adjacent dots";
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return "must not be formatted as an IP address";
  if (name.startsWith("xn--") || name.startsWith("sthree-")) return "must not start with xn-- or sthree-";
  if (name.endsWith("-s3alias") || name.endsWith("--ol-s3")) return "must not end with -s3alias or --ol-s3";
  return undefined;
}

/** Reads, defaults and validates the configuration; throws ConfigError listing every problem. */
export function loadConfig(source: ConfigSource = { env: process.env }): IacCiConfig {
  const env = source.env ?? {};
  const problems: string[] = [];

  const read = (setting: Setting): { value: string | undefined; from: string } => {
    const fromEnv = env[setting.env];
    if (fromEnv !== undefined && fromEnv.trim() !== "") return { value: fromEnv.trim(), from: setting.env };
    const fromContext = source.context?.(setting.context);
    if (fromContext !== undefined && fromContext !== null && String(fromContext).trim() !== "") {
      return { value: String(fromContext).trim(), from: `context ${setting.context}` };
    }
    return { value: undefined, from: `${setting.env} (or context ${setting.context})` };
  };
  const fail = (from: string, value: string, rule: string) => problems.push(`${from}="${value}": ${rule}`);

  const prefixIn = read(SETTINGS.prefix);
  const prefix = prefixIn.value ?? "iac-ci";
  if (!PREFIX_RULE.test(prefix)) {
    fail(
      prefixIn.from,
      prefix,
      "must be 2-20 characters of lowercase letters, digits and hyphens, starting with a letter",
    );
  }

  const environmentIn = read(SETTINGS.environment);
  const environment = (environmentIn.value ?? "dev") as Environment;
  if (!ENVIRONMENTS.includes(environment)) {
    fail(environmentIn.from, environment, `must be one of ${ENVIRONMENTS.join(", ")}`);
  }

  // The usual AWS variables are honoured after our own, so a shell set up for AWS just works.
  const regionIn = read(SETTINGS.region);
  const region = regionIn.value ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1";
  if (!REGION_RULE.test(region)) fail(regionIn.from, region, "must be an AWS region code such as us-east-1");

  const bucketIn = read(SETTINGS.stateBucket);
  const stateBucket = bucketIn.value ?? `${prefix}-tfstate`;
  const bucketProblem = s3BucketNameProblem(stateBucket);
  if (bucketProblem) fail(bucketIn.from, stateBucket, `is not a valid S3 bucket name: it ${bucketProblem}`);

  const tableIn = read(SETTINGS.lockTable);
  const lockTable = tableIn.value ?? `${prefix}-tf-locks`;
  if (!TABLE_RULE.test(lockTable)) {
    fail(tableIn.from, lockTable, "must be 3-255 characters of letters, digits, underscore, dot and hyphen");
  }

  const endpointIn = read(SETTINGS.awsEndpoint);
  const awsEndpoint = endpointIn.value?.replace(/\/+$/, "");
  if (awsEndpoint !== undefined) {
    let ok = false;
    try {
      const url = new URL(awsEndpoint);
      ok = (url.protocol === "http:" || url.protocol === "https:") && url.pathname === "/";
    } catch {
      ok = false;
    }
    if (!ok) fail(endpointIn.from, awsEndpoint, "must be an http(s) URL without a path, such as http://127.0.0.1:5000");
  }

  const adoptIn = read(SETTINGS.adoptRoles);
  const adoptRoles = (adoptIn.value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  for (const role of adoptRoles) {
    if (!ROLE_RULE.test(role))
      fail(adoptIn.from, role, "is not a valid IAM role name (1-64 of letters, digits, +=,.@_-)");
  }

  const retentionIn = read(SETTINGS.logRetentionDays);
  const logRetentionDays = Number(retentionIn.value ?? "30");
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    fail(retentionIn.from, String(retentionIn.value), `must be one of ${LOG_RETENTION_DAYS.join(", ")} (days)`);
  }

  const tagIn = read(SETTINGS.defaultImageTag);
  const defaultImageTag = tagIn.value ?? "latest";
  if (!IMAGE_TAG_RULE.test(defaultImageTag)) {
    fail(tagIn.from, defaultImageTag, "must be a valid image tag (letters, digits, _ . -, at most 128)");
  }

  const repoIn = read(SETTINGS.githubRepository);
  const githubRepository = repoIn.value;
  if (githubRepository !== undefined && !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(githubRepository)) {
    fail(repoIn.from, githubRepository, "must be a GitHub repository as owner/name");
  }

  const deployEnvIn = read(SETTINGS.githubDeployEnvironments);
  const githubDeployEnvironments = (deployEnvIn.value ?? ENVIRONMENTS.join(","))
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "") as Environment[];
  for (const e of githubDeployEnvironments) {
    if (!ENVIRONMENTS.includes(e)) fail(deployEnvIn.from, e, `must be one of ${ENVIRONMENTS.join(", ")}`);
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    prefix,
    environment,
    region,
    stateBucket,
    lockTable,
    awsEndpoint,
    enforceTls: awsEndpoint === undefined,
    adoptRoles,
    logRetentionDays,
    defaultImageTag,
    githubRepository,
    githubDeployEnvironments,
  };
}

/** `<prefix>-<environment>`: the base of every environment-scoped physical name. */
export function envPrefix(config: IacCiConfig): string {
  return `${config.prefix}-${config.environment}`;
}

/** The S3 key of a stack's remote state: environments and stacks never share one. */
export function stateKey(config: IacCiConfig, stackName: string): string {
  return `${config.prefix}/${config.environment}/${stackName}.tfstate`;
}
