import { execFileSync, spawnSync } from "node:child_process";
import path from "node:path";
import { ConfigError, s3BucketNameProblem, stateKey } from "../../../config";
import { loadConfig } from "../../../stacks/registry";

describe("config", () => {
  test("defaults give a complete dev configuration", () => {
    const config = loadConfig({ env: {} });
    // Each system's own section is tested with the system; here the shared part and the first two.
    expect(config).toMatchObject({
      platform: {
        environment: "dev",
        region: "us-east-1",
        stateBucket: "iac-ci-tfstate",
        lockTable: "iac-ci-tf-locks",
        awsEndpoint: undefined,
        enforceTls: true,
        adoptRoles: [],
        logRetentionDays: 30,
        githubRepository: undefined,
        githubDeployEnvironments: ["dev", "stage", "prod"],
        platformPrefix: "iac-ci",
        protectData: false,
      },
    });
    expect(config.systems.get("iac-ci")).toEqual({ prefix: "iac-ci", defaultImageTag: "latest" });
    expect(config.systems.get("sfn-pipeline")).toEqual({ projectName: "fastapi-test" });
  });

  test("the platform's prefix is PLATFORM_PREFIX; unset, it is still read from IAC_CI_PREFIX with a warning (names keep their value)", () => {
    const own = loadConfig({ env: { PLATFORM_PREFIX: "acme", IAC_CI_PREFIX: "ci" } });
    expect([own.platform.platformPrefix, own.platform.stateBucket, own.warnings]).toEqual(["acme", "acme-tfstate", []]);
    expect(own.systems.get("iac-ci")).toMatchObject({ prefix: "ci" });
    const former = loadConfig({ env: { IAC_CI_PREFIX: "ci" } });
    expect([former.platform.platformPrefix, former.platform.lockTable]).toEqual(["ci", "ci-tf-locks"]);
    expect(former.warnings).toEqual([
      "the platform's prefix (state store, GitHub roles) is read from IAC_CI_PREFIX for one more release: set PLATFORM_PREFIX=ci (or context platform:prefix)",
    ]);
    expect(() => loadConfig({ env: { PLATFORM_PREFIX: "Acme" } })).toThrow(
      /PLATFORM_PREFIX="Acme": must be 2-20 characters of lowercase letters/,
    );
  });

  test("environment variables win over context, context over defaults", () => {
    const context = (key: string) => ({ "platform:environment": "stage", "platform:region": "eu-west-1" })[key];
    const config = loadConfig({ env: { PLATFORM_ENV: "prod" }, context });
    expect(config.platform.environment).toBe("prod");
    expect(config.platform.region).toBe("eu-west-1");
  });

  test("data protection: on by default in prod only; PLATFORM_PROTECT_DATA or context platform:protectData overrides", () => {
    const protect = (env: Record<string, string>, context?: Record<string, unknown>) =>
      loadConfig({ env, context: context ? (key) => context[key] : undefined }).platform.protectData;
    expect([protect({}), protect({ PLATFORM_ENV: "stage" }), protect({ PLATFORM_ENV: "prod" })]).toEqual([
      false,
      false,
      true,
    ]);
    expect(protect({ PLATFORM_ENV: "prod", PLATFORM_PROTECT_DATA: "false" })).toBe(false);
    expect(protect({ PLATFORM_PROTECT_DATA: "yes" })).toBe(true);
    expect(protect({ PLATFORM_ENV: "prod" }, { "platform:protectData": false })).toBe(false);
    expect(protect({ PLATFORM_PROTECT_DATA: "1" }, { "platform:protectData": false })).toBe(true);
    expect(() => loadConfig({ env: { PLATFORM_PROTECT_DATA: "maybe" } })).toThrow(
      /PLATFORM_PROTECT_DATA="maybe": must be true or false/,
    );
  });

  test("the former IAC_CI_* names (and iac-ci:* context keys) still work for a release, each with a warning naming its replacement", () => {
    const config = loadConfig({
      env: { IAC_CI_ENV: "stage", IAC_CI_STATE_BUCKET: "acme-tfstate" },
      context: (key) => (key === "iac-ci:region" ? "eu-west-1" : undefined),
    });
    expect(config.platform).toMatchObject({ environment: "stage", stateBucket: "acme-tfstate", region: "eu-west-1" });
    expect([...config.warnings].sort()).toEqual([
      "IAC_CI_ENV is a former name, read for one more release: set PLATFORM_ENV instead",
      "IAC_CI_STATE_BUCKET is a former name, read for one more release: set PLATFORM_STATE_BUCKET instead",
      "context iac-ci:region is a former name, read for one more release: set context platform:region instead",
    ]);
    expect(loadConfig({ env: { PLATFORM_ENV: "stage" } }).warnings).toEqual([]);
    // The same value under both names is fine (a pipeline half-way through the rename) ...
    expect(loadConfig({ env: { PLATFORM_ENV: "prod", IAC_CI_ENV: "prod" } }).platform.environment).toBe("prod");
    // ... different values are refused: which one was meant cannot be told.
    expect(() => loadConfig({ env: { PLATFORM_ENV: "prod", IAC_CI_ENV: "dev" } })).toThrow(
      /PLATFORM_ENV="prod" and its former name IAC_CI_ENV="dev" disagree: set only PLATFORM_ENV/,
    );
    // A bad value under the former name names that name.
    expect(() => loadConfig({ env: { IAC_CI_ENV: "qa" } })).toThrow(/IAC_CI_ENV="qa": must be one of dev, stage, prod/);
  });

  test("cdktf synth with a former name prints the warning and still synthesizes", () => {
    const root = path.resolve(__dirname, "../../..");
    const run = spawnSync("node", ["scripts/run-app.js"], {
      cwd: root,
      env: { ...process.env, IAC_CI_ENV: "stage", PLATFORM_ENV: "", CDKTF_OUTDIR: "build/config-test-warning-out" },
      encoding: "utf8",
    });
    expect([run.status, run.stderr]).toEqual([
      0,
      expect.stringContaining(
        "warning: IAC_CI_ENV is a former name, read for one more release: set PLATFORM_ENV instead",
      ),
    ]);
  });

  test("AWS_REGION is honoured when PLATFORM_REGION is unset", () => {
    expect(loadConfig({ env: { AWS_REGION: "ap-southeast-2" } }).platform.region).toBe("ap-southeast-2");
  });

  test("state keys carry system, environment and stack", () => {
    expect(stateKey("iac-ci", "stage", "02-deploy")).toBe("iac-ci/stage/02-deploy.tfstate");
  });

  test("each system has its own validated section", () => {
    expect(loadConfig({ env: { SFN_PIPELINE_PROJECT_NAME: "orders-flow" } }).systems.get("sfn-pipeline")).toEqual({
      projectName: "orders-flow",
    });
    expect(() => loadConfig({ env: { SFN_PIPELINE_PROJECT_NAME: "Bad Name" } })).toThrow(
      /SFN_PIPELINE_PROJECT_NAME="Bad Name": must be 2-24 characters/,
    );
  });

  test.each([
    ["PLATFORM_ENV", "qa", /PLATFORM_ENV="qa": must be one of dev, stage, prod/],
    [
      "PLATFORM_STATE_BUCKET",
      "My-State",
      /PLATFORM_STATE_BUCKET="My-State": is not a valid S3 bucket name: it must not contain capital letters/,
    ],
    ["PLATFORM_STATE_BUCKET", "ab", /must be 3 to 63 characters long/],
    ["PLATFORM_STATE_BUCKET", "a..b", /two adjacent dots/],
    ["PLATFORM_STATE_BUCKET", "192.168.1.1", /IP address/],
    ["PLATFORM_REGION", "mars-1", /PLATFORM_REGION="mars-1": must be an AWS region code/],
    ["IAC_CI_PREFIX", "Iac_CI", /IAC_CI_PREFIX="Iac_CI": must be 2-20 characters/],
    ["PLATFORM_LOCK_TABLE", "x", /PLATFORM_LOCK_TABLE="x"/],
    ["PLATFORM_AWS_ENDPOINT", "localhost:5000", /PLATFORM_AWS_ENDPOINT="localhost:5000": must be an http\(s\) URL/],
    ["PLATFORM_LOG_RETENTION_DAYS", "10", /PLATFORM_LOG_RETENTION_DAYS="10": must be one of 1, 3, 5/],
    ["PLATFORM_ADOPT_ROLES", "ok-role,bad role", /PLATFORM_ADOPT_ROLES="bad role": is not a valid IAM role name/],
    ["IAC_CI_IMAGE_TAG", "-bad", /IAC_CI_IMAGE_TAG="-bad"/],
    [
      "PLATFORM_GITHUB_REPOSITORY",
      "just-a-name",
      /PLATFORM_GITHUB_REPOSITORY="just-a-name": must be a GitHub repository/,
    ],
    ["PLATFORM_GITHUB_DEPLOY_ENVIRONMENTS", "dev,qa", /PLATFORM_GITHUB_DEPLOY_ENVIRONMENTS="qa": must be one of/],
  ])("%s=%s is refused with a message naming the setting and the rule", (name, value, message) => {
    expect(() => loadConfig({ env: { [name]: value } })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { [name]: value } })).toThrow(message);
  });

  test("a bad context value names the context key", () => {
    const context = (key: string) => (key === "platform:environment" ? "production" : undefined);
    expect(() => loadConfig({ env: {}, context })).toThrow(/context platform:environment="production"/);
  });

  test("every problem is reported at once", () => {
    let caught: unknown;
    try {
      loadConfig({ env: { PLATFORM_ENV: "qa", PLATFORM_STATE_BUCKET: "Bad_Bucket" } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).problems).toHaveLength(2);
  });

  test("bucket name rules accept valid names", () => {
    for (const name of ["iac-ci-tfstate", "a.b-c", "abc"]) expect(s3BucketNameProblem(name)).toBeUndefined();
  });

  test("the app itself fails synth with the message, exit code 1 and no stack trace", () => {
    const root = path.resolve(__dirname, "../../..");
    let failure: { status: number; stderr: string } | undefined;
    try {
      execFileSync("node", ["scripts/run-app.js"], {
        cwd: root,
        env: { ...process.env, PLATFORM_STATE_BUCKET: "Capital-Bucket", CDKTF_OUTDIR: "build/config-test-out" },
        stdio: "pipe",
        encoding: "utf8",
      });
    } catch (error) {
      failure = error as { status: number; stderr: string };
    }
    expect(failure?.status).toBe(1);
    expect(failure?.stderr).toContain('PLATFORM_STATE_BUCKET="Capital-Bucket": is not a valid S3 bucket name');
    expect(failure?.stderr).not.toContain("    at ");
  });
});
