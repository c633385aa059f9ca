import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { DeleteObjectsCommand, ListObjectVersionsCommand, S3Client } from "@aws-sdk/client-s3";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { type GithubRoleKind, githubRoleArn } from "../../constructs/github-oidc";
import { type EmulatorCredentials, emulatorCredentials } from "./aws";
import {
  cdktf,
  emulatorEnv,
  expectOk,
  failureMessage,
  orphanedLocksReleased,
  ROOT,
  type RunResult,
  terraform,
} from "./terraform";

/**
 * One system's emulator suite: its own moto server (so systems deploy side by side without
 * seeing each other's resources), its own work directory, and the commands users run:
 * `cdktf synth`, `cdktf deploy|destroy <stack>`, plain `terraform plan`.
 */
export interface SystemEmulator {
  readonly name: string;
  readonly endpoint: string;
  /** The admin principal's key this emulator created at start (its home's credentials file). */
  readonly credentials: EmulatorCredentials;
  /** build/tf-<name>: synthesized stacks and 00-bootstrap's local state, per environment. */
  readonly work: string;
  /** Terraform/cdktf environment for `environment` plus settings. */
  env(environment: string, settings?: Record<string, string>): Record<string, string>;
  outDir(environment: string): string;
  stackDir(environment: string, stack: string): string;
  synth(environment: string, settings?: Record<string, string>): Promise<void>;
  deploy(environment: string, stack: string, settings?: Record<string, string>): Promise<RunResult>;
  destroy(environment: string, stack: string, settings?: Record<string, string>): Promise<RunResult>;
  /**
   * `terraform plan -detailed-exitcode` must exit 0 (the deployed world matches the code); the
   * plan is saved as JSON under build/tf-plans for the security gate.
   */
  expectCleanPlan(
    environment: string,
    stack: string,
    settings?: Record<string, string>,
    vars?: string[],
  ): Promise<void>;
  /** Empties the state bucket (every version) and destroys 00-bootstrap. */
  destroyBootstrap(environment: string): Promise<void>;
  /** AWS SDK client config for this emulator. */
  clientConfig(): {
    endpoint: string;
    region: string;
    forcePathStyle: true;
    credentials: EmulatorCredentials;
  };
  /**
   * Credentials of a system's GitHub role, got as a workflow gets them: AssumeRoleWithWebIdentity
   * with a GitHub Actions token for `repository`, whose `sub` names the environment (deploy role)
   * or a pull request (plan role). The local cloud checks the token's claims against the role's
   * trust policy; it cannot check GitHub's signature. Returned as the AWS_* variables.
   */
  githubRole(
    system: string,
    kind: GithubRoleKind,
    options: { repository: string; environment?: string; subject?: string; roleArn?: string },
  ): Promise<Record<string, string>>;
  /**
   * Every later command on a system stack (deploy, destroy, plan, and `env()` for direct
   * Terraform runs) runs with these credentials (`githubRole`'s), as CI runs it; 00-bootstrap
   * always with the admin's (it is applied by hand, with admin rights). `undefined`: the admin.
   */
  actAs(credentials: Record<string, string> | undefined): void;
  /** `actAs` the system's deploy role, got with a deployment job's token for `environment`. */
  deployAsCi(system: string, options?: { repository?: string; environment?: string }): Promise<void>;
  /** Seconds per command, written to build/test-results/<name>-timings.json by stop(). */
  readonly timings: Record<string, number>;
  stop(): void;
}

export const STATE_BUCKET = "iac-ci-tfstate";
/**
 * The repository 00-bootstrap trusts in every emulator suite (its GitHub roles exist, so the
 * system stacks can be deployed with them); a suite may name its own.
 */
export const GITHUB_REPOSITORY = "acme/platform";
/** The local cloud's account (moto's default). */
export const ACCOUNT_ID = "123456789012";
export const LOCK_TABLE = "iac-ci-tf-locks";
export const PLANS_DIR = path.join(ROOT, "build", "tf-plans");

/**
 * Transport failures of the emulator itself (moto's single-process server dropped a connection
 * once under two concurrent destroys), never an AWS error: a user would run the command again,
 * and so does the harness, once, saying so. Any AWS or Terraform error still fails.
 */
const EMULATOR_TRANSPORT_ERROR = /use of closed network connection|connection reset by peer|broken pipe/i;

export function startSystemEmulator(name: string): SystemEmulator {
  const home = path.join(ROOT, ".emulator", `${name}-${process.pid}`);
  const endpoint = execFileSync(path.join(ROOT, "scripts/emulator.sh"), ["start"], {
    env: { ...process.env, EMULATOR_HOME: home },
    encoding: "utf8",
  }).trim();
  const credentials = emulatorCredentials(home);
  const work = path.join(ROOT, "build", `tf-${name}`);
  fs.rmSync(work, { recursive: true, force: true });
  const timings: Record<string, number> = {};
  let actor: Record<string, string> = {};
  const env = (environment: string, settings: Record<string, string> = {}) =>
    emulatorEnv(
      endpoint,
      { PLATFORM_ENV: environment, PLATFORM_GITHUB_REPOSITORY: GITHUB_REPOSITORY, ...actor, ...settings },
      credentials,
    );
  const adminEnv = (environment: string, settings: Record<string, string> = {}) =>
    emulatorEnv(
      endpoint,
      { PLATFORM_ENV: environment, PLATFORM_GITHUB_REPOSITORY: GITHUB_REPOSITORY, ...settings },
      credentials,
    );
  const envFor = (stack: string) => (stack === "00-bootstrap" ? adminEnv : env);
  const outDir = (environment: string) => path.join(work, environment, "cdktf.out");
  const stackDir = (environment: string, stack: string) => path.join(outDir(environment), "stacks", stack);
  const clientConfig = () => ({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true as const,
    credentials,
  });

  const run = async (
    command: "deploy" | "destroy",
    environment: string,
    stack: string,
    settings: Record<string, string> = {},
  ): Promise<RunResult> => {
    const args = [
      command,
      stack,
      "--output",
      outDir(environment),
      "--skip-synth",
      "--auto-approve",
      ...(command === "deploy" ? ["--skip-provider-lock"] : []),
    ];
    const label = `${command} ${environment}/${stack}${settings.PLATFORM_ADOPT_ROLES ? " (adopting roles)" : ""}`;
    const started = Date.now();
    const e = envFor(stack)(environment, settings);
    let result = await cdktf(args, e);
    if (result.status !== 0 && EMULATOR_TRANSPORT_ERROR.test(result.output)) {
      console.warn(`${label}: emulator transport error, running it again:\n${result.output.slice(-2000)}`);
      result = await cdktf(args, e);
    }
    timings[timings[label] === undefined ? label : `${label} (run 2)`] = (Date.now() - started) / 1000;
    return result;
  };

  return {
    name,
    endpoint,
    credentials,
    work,
    timings,
    env,
    outDir,
    stackDir,
    clientConfig,
    async synth(environment, settings = {}) {
      fs.mkdirSync(path.dirname(outDir(environment)), { recursive: true });
      expectOk(
        await cdktf(["synth", "--output", outDir(environment)], env(environment, settings)),
        `cdktf synth (${name}, ${environment})`,
      );
    },
    async githubRole(system, kind, { repository, environment = "dev", subject, roleArn }) {
      const sts = new STSClient({ ...clientConfig(), credentials: undefined });
      const sub =
        subject ??
        (kind === "deploy" ? `repo:${repository}:environment:${environment}` : `repo:${repository}:pull_request`);
      const now = Math.floor(Date.now() / 1000);
      const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
      const claims = {
        iss: "https://token.actions.githubusercontent.com",
        aud: "sts.amazonaws.com",
        sub,
        repository,
        ...(kind === "deploy" ? { environment } : {}),
        iat: now,
        exp: now + 3600,
      };
      const token = `${part({ alg: "RS256", typ: "JWT" })}.${part(claims)}.${Buffer.from("unsigned").toString("base64url")}`;
      const answer = await sts.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: roleArn ?? githubRoleArn(ACCOUNT_ID, "iac-ci", kind, system),
          RoleSessionName: `github-${kind}-${system}`,
          WebIdentityToken: token,
          DurationSeconds: 3600,
        }),
      );
      const c = answer.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken)
        throw new Error(`${system}: no credentials for its ${kind} role`);
      return {
        AWS_ACCESS_KEY_ID: c.AccessKeyId,
        AWS_SECRET_ACCESS_KEY: c.SecretAccessKey,
        AWS_SESSION_TOKEN: c.SessionToken,
      };
    },
    actAs(credentials) {
      actor = credentials ?? {};
    },
    async deployAsCi(system, { repository = GITHUB_REPOSITORY, environment = "dev" } = {}) {
      actor = await this.githubRole(system, "deploy", { repository, environment });
    },
    deploy: (environment, stack, settings) => run("deploy", environment, stack, settings),
    destroy: (environment, stack, settings) => run("destroy", environment, stack, settings),
    async expectCleanPlan(environment, stack, settings = {}, vars = []) {
      const dir = stackDir(environment, stack);
      const e = envFor(stack)(environment, settings);
      const plan = await terraform(
        dir,
        ["plan", "-detailed-exitcode", "-input=false", "-lock-timeout=60s", "-out=tfplan", ...vars],
        e,
      );
      if (plan.status !== 0) {
        throw new Error(
          failureMessage(`${name}: ${environment}/${stack} does not re-plan clean (exit ${plan.status})`, plan.output),
        );
      }
      const json = await terraform(dir, ["show", "-json", "tfplan"], e);
      fs.mkdirSync(PLANS_DIR, { recursive: true });
      fs.writeFileSync(
        path.join(PLANS_DIR, `${name}-${environment}-${stack}.json`),
        json.output.slice(json.output.indexOf("{")),
      );
    },
    async destroyBootstrap(environment) {
      const s3 = new S3Client(clientConfig());
      const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: STATE_BUCKET }));
      const objects = [...(versions.Versions ?? []), ...(versions.DeleteMarkers ?? [])].map((v) => ({
        Key: v.Key,
        VersionId: v.VersionId,
      }));
      if (objects.length)
        await s3.send(new DeleteObjectsCommand({ Bucket: STATE_BUCKET, Delete: { Objects: objects } }));
      expectOk(await run("destroy", environment, "00-bootstrap"), `cdktf destroy 00-bootstrap (${name})`);
    },
    stop() {
      fs.mkdirSync(path.join(ROOT, "build", "test-results"), { recursive: true });
      fs.writeFileSync(
        path.join(ROOT, "build", "test-results", `${name}-timings.json`),
        JSON.stringify(timings, null, 2),
      );
      console.log(
        Object.entries(timings)
          .map(([k, v]) => `${name} ${k}: ${v.toFixed(1)} s`)
          .join("\n"),
      );
      // The emulator's request log outlives it: a failed run can be read back, and any 5xx the
      // emulator answered (which the SDKs retry, and a conditional write cannot be) is counted.
      if (orphanedLocksReleased.length)
        console.warn(
          `${name}: ${orphanedLocksReleased.length} state lock(s) orphaned by a lost answer were released: ${orphanedLocksReleased.join(", ")}`,
        );
      const log = path.join(home, "moto.log");
      if (fs.existsSync(log)) {
        const kept = path.join(ROOT, "build", "test-results", `${name}-moto.log`);
        fs.copyFileSync(log, kept);
        const serverErrors = fs
          .readFileSync(log, "utf8")
          .split("\n")
          .filter((l) => /" 5\d\d /.test(l));
        console.log(
          `${name} emulator: ${serverErrors.length} 5xx answer(s); log kept in ${path.relative(ROOT, kept)}` +
            (serverErrors.length ? `:\n${serverErrors.slice(0, 20).join("\n")}` : ""),
        );
      }
      execFileSync(path.join(ROOT, "scripts/emulator.sh"), ["stop"], {
        env: { ...process.env, EMULATOR_HOME: home, EMULATOR_REMOVE_HOME: "1" },
      });
    },
  };
}

/**
 * Like Promise.all, but waits for every run to end before failing: a Terraform run left going
 * after its test failed would hold a state lock into the next test.
 */
export async function allSettled<T>(runs: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(runs);
  for (const r of settled) if (r.status === "rejected") throw r.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** Keeps a background step's failure for the test that awaits it (no unhandled rejection meanwhile). */
export function background<T>(step: Promise<T>): Promise<T> {
  step.catch(() => undefined);
  return step;
}
