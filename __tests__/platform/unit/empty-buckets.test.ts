// scripts/empty-buckets.js (destroy.yml empties a stack's buckets with it): its argument errors,
// how it reads the buckets from `terraform show -json`, and that a failure names the bucket.
// No network: terraform is a stub script, and the one S3 call goes to a closed loopback port.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const { bucketsFromState } = require("../../../scripts/empty-buckets.js") as {
  bucketsFromState(state: unknown): { address: string; bucket: string; region?: string }[];
};

const root = path.resolve(__dirname, "../../..");
const script = path.join(root, "scripts", "empty-buckets.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "empty-buckets-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A synthesized stack directory, and a `terraform` stub answering `show -json` with `state`. */
function stack(name: string, state: unknown, exitCode = 0): { dir: string; terraform: string } {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "cdk.tf.json"), "{}");
  fs.writeFileSync(path.join(dir, "state.json"), JSON.stringify(state));
  const terraform = path.join(tmp, `terraform-${name}`);
  fs.writeFileSync(
    terraform,
    `#!/usr/bin/env bash\n[ "$2 $3" = "show -json" ] || { echo "unexpected: $*" >&2; exit 9; }\n` +
      `cat "${dir}/state.json"\necho "stub stderr" >&2\nexit ${exitCode}\n`,
    { mode: 0o755 },
  );
  return { dir, terraform };
}

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [script, ...args], {
    encoding: "utf8",
    timeout: 60_000,
    env: {
      PATH: process.env.PATH ?? "",
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "secret",
      AWS_MAX_ATTEMPTS: "1",
      ...env,
    },
  });
}

const bucketState = {
  values: {
    root_module: {
      resources: [
        {
          address: "aws_s3_bucket.internal",
          mode: "managed",
          type: "aws_s3_bucket",
          values: { bucket: "acme-internal-dev", region: "eu-west-1" },
        },
        { address: "data.aws_s3_bucket.other", mode: "data", type: "aws_s3_bucket", values: { bucket: "not-ours" } },
        {
          address: "aws_s3_bucket_versioning.internal",
          mode: "managed",
          type: "aws_s3_bucket_versioning",
          values: { bucket: "acme-internal-dev" },
        },
      ],
      child_modules: [
        {
          resources: [
            {
              address: "module.m.aws_s3_bucket.done",
              mode: "managed",
              type: "aws_s3_bucket",
              values: { bucket: "acme-done-dev" },
            },
          ],
        },
      ],
    },
  },
};

describe("empty-buckets.js arguments", () => {
  test.each([
    ["no argument", [], /expected exactly one stack directory, got 0/],
    ["two arguments", ["a", "b"], /expected exactly one stack directory, got 2/],
    ["an unknown option", ["--force", "x"], /unknown option --force/],
    ["a directory that does not exist", ["/nonexistent/stack"], /\/nonexistent\/stack is not a directory/],
  ])("%s: exit 2 with the usage", (_, args, message) => {
    const r = run(args as string[]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe("");
  });

  test("a directory without cdk.tf.json is not a synthesized stack: exit 2", () => {
    const r = run([tmp]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("holds no cdk.tf.json: not a synthesized stack directory");
  });

  test("--help prints the usage", () => {
    const r = run(["--help"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("usage: node scripts/empty-buckets.js <synthesized stack directory");
  });
});

describe("empty-buckets.js on a stack", () => {
  test("reads the managed aws_s3_bucket resources of the state, child modules included", () => {
    expect(bucketsFromState(bucketState)).toEqual([
      { address: "aws_s3_bucket.internal", bucket: "acme-internal-dev", region: "eu-west-1" },
      { address: "module.m.aws_s3_bucket.done", bucket: "acme-done-dev", region: undefined },
    ]);
    expect(bucketsFromState({ format_version: "1.0" })).toEqual([]);
  });

  test("a stack without buckets: nothing to empty, exit 0", () => {
    const { dir, terraform } = stack("no-buckets", { format_version: "1.0" });
    const r = run([dir], { TERRAFORM_BIN: terraform });
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("empty-buckets no-buckets: no aws_s3_bucket in its state; nothing to empty");
    expect(r.status).toBe(0);
  });

  test("terraform show failing (not initialized): exit 1 with its error", () => {
    const { dir, terraform } = stack("uninitialized", {}, 1);
    const r = run([dir], { TERRAFORM_BIN: terraform });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`terraform show -json failed in ${dir} (exit 1; is it initialized?)`);
  });

  test("a bucket that cannot be emptied is named (AWS_ENDPOINT_URL: a closed local port)", () => {
    const { dir, terraform } = stack("02-deploy", bucketState);
    const r = run([dir], { TERRAFORM_BIN: terraform, AWS_ENDPOINT_URL: "http://127.0.0.1:9" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "empty-buckets: cannot empty bucket acme-internal-dev (aws_s3_bucket.internal) of stack 02-deploy",
    );
  });
});
