import { execFileSync } from "node:child_process";
import path from "node:path";
import { ConfigError, loadConfig, s3BucketNameProblem, stateKey } from "../../../config";

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
      iacCi: { prefix: "iac-ci", defaultImageTag: "latest" },
      sfnPipeline: { projectName: "fastapi-test" },
    });
  });

  test("environment variables win over context, context over defaults", () => {
    const context = (key: string) => ({ "iac-ci:environment": "stage", "iac-ci:region": "eu-west-1" })[key];
    const config = loadConfig({ env: { IAC_CI_ENV: "prod" }, context });
    expect(config.platform.environment).toBe("prod");
    expect(config.platform.region).toBe("eu-west-1");
  });

  test("data protection: on by default in prod only; IAC_CI_PROTECT_DATA or context iac-ci:protectData overrides", () => {
    const protect = (env: Record<string, string>, context?: Record<string, unknown>) =>
      loadConfig({ env, context: context ? (key) => context[key] : undefined }).platform.protectData;
    expect([protect({}), protect({ IAC_CI_ENV: "stage" }), protect({ IAC_CI_ENV: "prod" })]).toEqual([
      false,
      false,
      true,
    ]);
    expect(protect({ IAC_CI_ENV: "prod", IAC_CI_PROTECT_DATA: "false" })).toBe(false);
    expect(protect({ IAC_CI_PROTECT_DATA: "yes" })).toBe(true);
    expect(protect({ IAC_CI_ENV: "prod" }, { "iac-ci:protectData": false })).toBe(false);
    expect(protect({ IAC_CI_PROTECT_DATA: "1" }, { "iac-ci:protectData": false })).toBe(true);
    expect(() => loadConfig({ env: { IAC_CI_PROTECT_DATA: "maybe" } })).toThrow(
      /IAC_CI_PROTECT_DATA="maybe": must be true or false/,
    );
  });

  test("AWS_REGION is honoured when IAC_CI_REGION is unset", () => {
    expect(loadConfig({ env: { AWS_REGION: "ap-southeast-2" } }).platform.region).toBe("ap-southeast-2");
  });

  test("state keys carry system, environment and stack", () => {
    expect(stateKey("iac-ci", "stage", "02-deploy")).toBe("iac-ci/stage/02-deploy.tfstate");
  });

  test("each system has its own validated section", () => {
    expect(loadConfig({ env: { SFN_PIPELINE_PROJECT_NAME: "orders-flow" } }).sfnPipeline.projectName).toBe(
      "orders-flow",
    );
    expect(() => loadConfig({ env: { SFN_PIPELINE_PROJECT_NAME: "Bad Name" } })).toThrow(
      /SFN_PIPELINE_PROJECT_NAME="Bad Name": must be 2-24 characters/,
    );
  });

  test.each([
    ["IAC_CI_ENV", "qa", /IAC_CI_ENV="qa": must be one of dev, stage, prod/],
    [
      "IAC_CI_STATE_BUCKET",
      "My-State",
      /IAC_CI_STATE_BUCKET="My-State": is not a valid S3 bucket name: it must not contain capital letters/,
    ],
    ["IAC_CI_STATE_BUCKET", "ab", /must be 3 to 63 characters long/],
    ["IAC_CI_STATE_BUCKET", "a..b", /two adjacent dots/],
    ["IAC_CI_STATE_BUCKET", "192.168.1.1", /IP address/],
    ["IAC_CI_REGION", "mars-1", /IAC_CI_REGION="mars-1": must be an AWS region code/],
    ["IAC_CI_PREFIX", "Iac_CI", /IAC_CI_PREFIX="Iac_CI": must be 2-20 characters/],
    ["IAC_CI_LOCK_TABLE", "x", /IAC_CI_LOCK_TABLE="x"/],
    ["IAC_CI_AWS_ENDPOINT", "localhost:5000", /IAC_CI_AWS_ENDPOINT="localhost:5000": must be an http\(s\) URL/],
    ["IAC_CI_LOG_RETENTION_DAYS", "10", /IAC_CI_LOG_RETENTION_DAYS="10": must be one of 1, 3, 5/],
    ["IAC_CI_ADOPT_ROLES", "ok-role,bad role", /IAC_CI_ADOPT_ROLES="bad role": is not a valid IAM role name/],
    ["IAC_CI_IMAGE_TAG", "-bad", /IAC_CI_IMAGE_TAG="-bad"/],
    ["IAC_CI_GITHUB_REPOSITORY", "just-a-name", /IAC_CI_GITHUB_REPOSITORY="just-a-name": must be a GitHub repository/],
    ["IAC_CI_GITHUB_DEPLOY_ENVIRONMENTS", "dev,qa", /IAC_CI_GITHUB_DEPLOY_ENVIRONMENTS="qa": must be one of/],
  ])("%s=%s is refused with a message naming the setting and the rule", (name, value, message) => {
    expect(() => loadConfig({ env: { [name]: value } })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { [name]: value } })).toThrow(message);
  });

  test("a bad context value names the context key", () => {
    const context = (key: string) => (key === "iac-ci:environment" ? "production" : undefined);
    expect(() => loadConfig({ env: {}, context })).toThrow(/context iac-ci:environment="production"/);
  });

  test("every problem is reported at once", () => {
    let caught: unknown;
    try {
      loadConfig({ env: { IAC_CI_ENV: "qa", IAC_CI_STATE_BUCKET: "Bad_Bucket" } });
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
        env: { ...process.env, IAC_CI_STATE_BUCKET: "Capital-Bucket", CDKTF_OUTDIR: "build/config-test-out" },
        stdio: "pipe",
        encoding: "utf8",
      });
    } catch (error) {
      failure = error as { status: number; stderr: string };
    }
    expect(failure?.status).toBe(1);
    expect(failure?.stderr).toContain('IAC_CI_STATE_BUCKET="Capital-Bucket": is not a valid S3 bucket name');
    expect(failure?.stderr).not.toContain("    at ");
  });
});
