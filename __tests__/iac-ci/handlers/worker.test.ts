import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import {
  DEFAULT_GIT_COMMANDS,
  ENV,
  GIT_ENV,
  ORDER_STATUS,
  payloadKey,
  RESULT_PUT_HEADERS,
  RUN_ENV,
  resultKey,
  WORKER_LIMITS,
} from "../../../lambdas/iac-ci/contract";
import type { RunResult } from "../../../lambdas/iac-ci/lib/result";
import { handler as work } from "../../../lambdas/iac-ci/worker";
import { emulatorClientConfig, emulatorCredentials } from "../../support/aws";
import {
  captureLogs,
  clients,
  createPlatform,
  objectEtag,
  PLATFORM_SETUP_MS,
  type Platform,
  readObject,
} from "./support/platform";

let p: Platform;
let logs: ReturnType<typeof captureLogs>;

const context = (remainingMs = 120_000) => ({ getRemainingTimeInMillis: () => remainingMs });

interface Job {
  orderId: string;
  event: { orderId: string; payloadKey: string; callbackUrl: string; deadline: number };
}

/** A payload in tmp/exec/ and a real presigned PUT URL for the result, as the orchestrator makes them. */
async function job(commands: string[], timeout_seconds = 60, extra: Record<string, unknown> = {}): Promise<Job> {
  const orderId = `o-${randomBytes(16).toString("hex")}`;
  await clients().s3.send(
    new PutObjectCommand({
      Bucket: p.internalBucket,
      Key: payloadKey(orderId),
      Body: JSON.stringify({
        order_id: orderId,
        order_name: "worker-test",
        commands,
        runner: "lambda",
        timeout_seconds,
        received_at: new Date().toISOString(),
        ...extra,
      }),
    }),
  );
  const presigner = new S3Client({ ...emulatorClientConfig(), requestChecksumCalculation: "WHEN_REQUIRED" });
  const callbackUrl = await getSignedUrl(
    presigner,
    new PutObjectCommand({
      Bucket: p.internalBucket,
      Key: resultKey(orderId),
      ContentType: RESULT_PUT_HEADERS["content-type"],
      IfNoneMatch: RESULT_PUT_HEADERS["if-none-match"],
    }),
    { expiresIn: 900 },
  );
  const deadline = Math.floor(Date.now() / 1000) + timeout_seconds + 120;
  return { orderId, event: { orderId, payloadKey: payloadKey(orderId), callbackUrl, deadline } };
}

/** Whether a process runs (a zombie, dead but not yet reaped by its new parent, does not). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

async function storedResult(orderId: string): Promise<RunResult | undefined> {
  const text = await readObject(p.internalBucket, resultKey(orderId));
  return text === undefined ? undefined : (JSON.parse(text) as RunResult);
}

beforeAll(async () => {
  p = await createPlatform("worker");
  logs = captureLogs();
}, PLATFORM_SETUP_MS);

afterAll(() => logs.restore());

describe("worker (Lambda)", () => {
  test("runs the commands in order in one directory and PUTs the result to the presigned URL", async () => {
    const { orderId, event } = await job(["echo hello > greeting", "cat greeting", "echo oops >&2"]);

    const outcome = await work(event, context());

    expect(outcome.delivery).toBe("stored");
    const result = await storedResult(orderId);
    expect(result).toEqual(outcome.result);
    expect(result).toMatchObject({ order_id: orderId, status: ORDER_STATUS.succeeded, source: "lambda", exit_code: 0 });
    expect(result?.commands?.map((c) => [c.exit_code, c.stdout_tail, c.stderr_tail])).toEqual([
      [0, "", ""],
      [0, "hello\n", ""],
      [0, "", "oops\n"],
    ]);
  });

  test("a Git-host order's commands see the commit they build (IAC_CI_GIT_*)", async () => {
    const source = {
      event: "pull_request",
      repository: "Codertocat/Hello-World",
      ref: "refs/pull/2/head",
      sha: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
      clone_url: "https://github.com/Codertocat/Hello-World.git",
      pull_request: 2,
      action: "opened",
      base_ref: "master",
    };
    const { orderId, event } = await job([...DEFAULT_GIT_COMMANDS, "env | grep ^IAC_CI_GIT_ | sort"], 60, { source });

    await work(event, context());

    const result = await storedResult(orderId);
    expect(result?.status).toBe(ORDER_STATUS.succeeded);
    expect(result?.commands?.[0].stdout_tail).toBe(
      "iac-ci: pull_request of Codertocat/Hello-World refs/pull/2/head at ec26c3e57ca3a959ca5aad62de7213c562f8c821\n",
    );
    expect(result?.commands?.[1].stdout_tail.trim().split("\n")).toEqual([
      `${GIT_ENV.baseRef}=master`,
      `${GIT_ENV.cloneUrl}=https://github.com/Codertocat/Hello-World.git`,
      `${GIT_ENV.event}=pull_request`,
      `${GIT_ENV.pullRequest}=2`,
      `${GIT_ENV.ref}=refs/pull/2/head`,
      `${GIT_ENV.repository}=Codertocat/Hello-World`,
      `${GIT_ENV.sha}=ec26c3e57ca3a959ca5aad62de7213c562f8c821`,
    ]);
  });

  test("an order from an API caller has no IAC_CI_GIT_* variables", async () => {
    const { orderId, event } = await job(["env | grep -c ^IAC_CI_GIT_ || true"]);
    await work(event, context());
    expect((await storedResult(orderId))?.commands?.[0].stdout_tail).toBe("0\n");
  });

  test("stops at the first failing command", async () => {
    const { orderId, event } = await job(["echo one", "exit 3", "echo never > /dev/stderr"]);

    const outcome = await work(event, context());

    expect(outcome.delivery).toBe("stored");
    const result = await storedResult(orderId);
    expect(result).toMatchObject({ status: ORDER_STATUS.failed, exit_code: 3, reason: "command 1 exited with 3" });
    expect(result?.commands).toHaveLength(2);
  });

  test("times out at the order's timeout and kills what the command started", async () => {
    const { orderId, event } = await job(["echo before", "sleep 300 & echo $!; wait", "echo never"], 1);
    const started = Date.now();

    const outcome = await work(event, context());

    expect(Date.now() - started).toBeLessThan(10_000);
    expect(outcome.delivery).toBe("stored");
    const result = await storedResult(orderId);
    expect(result).toMatchObject({ status: ORDER_STATUS.timedOut });
    expect(result?.reason).toMatch(/command 1 exceeded the time budget/);
    expect(result?.commands).toHaveLength(2);
    expect(result?.commands?.[1]).toMatchObject({ timed_out: true, exit_code: null });
    const sleeper = Number(result?.commands?.[1].stdout_tail.trim());
    expect(sleeper).toBeGreaterThan(1);
    expect(isRunning(sleeper)).toBe(false);
  });

  test("the Lambda's remaining time bounds the run, less the margin for reporting", async () => {
    const { orderId, event } = await job(["sleep 30"], 300);

    const outcome = await work(event, context(WORKER_LIMITS.marginMs + 1000));

    expect(outcome.result.status).toBe(ORDER_STATUS.timedOut);
    expect((await storedResult(orderId))?.status).toBe(ORDER_STATUS.timedOut);
    expect(outcome.result.duration_ms).toBeLessThan(10_000);
  });

  test("keeps only a bounded tail of each output stream", async () => {
    const { orderId, event } = await job([
      "head -c 100000 /dev/zero | tr '\\0' a; echo END; head -c 50000 /dev/zero | tr '\\0' b >&2",
    ]);

    await work(event, context());

    const [command] = (await storedResult(orderId))?.commands ?? [];
    expect(command.stdout_bytes).toBe(100_004);
    expect(command.stderr_bytes).toBe(50_000);
    expect(command.stdout_tail.length).toBe(WORKER_LIMITS.outputTailBytes);
    expect(command.stdout_tail.endsWith("aaaaEND\n")).toBe(true);
    expect(command.stderr_tail).toBe("b".repeat(WORKER_LIMITS.outputTailBytes));
  });

  test("an unreadable payload still produces a failed result", async () => {
    const { orderId, event } = await job(["true"]);
    await clients().s3.send(
      new PutObjectCommand({ Bucket: p.internalBucket, Key: payloadKey(orderId), Body: "not json" }),
    );

    const outcome = await work(event, context());

    expect(outcome.delivery).toBe("stored");
    expect(await storedResult(orderId)).toMatchObject({
      status: ORDER_STATUS.failed,
      reason: "worker error: payload is not valid JSON",
    });
  });

  test("a missing payload still produces a failed result", async () => {
    const { orderId, event } = await job(["true"]);
    await clients().s3.send(new DeleteObjectCommand({ Bucket: p.internalBucket, Key: payloadKey(orderId) }));

    const outcome = await work(event, context());

    expect(outcome.delivery).toBe("stored");
    const result = await storedResult(orderId);
    expect(result).toMatchObject({ status: ORDER_STATUS.failed, commands: [] });
    expect(result?.reason).toMatch(/^worker error: /);
  });

  test("the first result wins: a late result does not replace the watchdog's timed_out", async () => {
    const { orderId, event } = await job(["echo late"]);
    const timedOut = JSON.stringify({ order_id: orderId, status: "timed_out", source: "watchdog" });
    await clients().s3.send(
      new PutObjectCommand({ Bucket: p.internalBucket, Key: resultKey(orderId), Body: timedOut }),
    );
    const etag = await objectEtag(p.internalBucket, resultKey(orderId));

    const outcome = await work(event, context());

    expect(outcome).toMatchObject({ delivery: "exists", result: { status: ORDER_STATUS.succeeded } });
    expect(await readObject(p.internalBucket, resultKey(orderId))).toBe(timedOut);
    expect(await objectEtag(p.internalBucket, resultKey(orderId))).toBe(etag);
  });

  test("an event whose payload key is not the order's is refused without running anything", async () => {
    const { orderId, event } = await job(["touch /tmp/should-not-exist"]);
    const other = await job(["true"]);

    const outcome = await work({ ...event, payloadKey: other.event.payloadKey }, context());

    expect(outcome).toMatchObject({ delivery: "failed", result: { status: ORDER_STATUS.failed } });
    expect(outcome.result.reason).toMatch(/payloadKey/);
    expect(await storedResult(orderId)).toBeUndefined();
  });
});

describe("worker CLI (the bundle CodeBuild runs)", () => {
  let outdir: string;
  let bundle: string;

  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), "iac-ci-bundle-"));
    const { bundleLambdas } = require("../../../lambdas/iac-ci/bundle.js") as {
      bundleLambdas: (o: {
        outdir: string;
        only: string[];
        measure: boolean;
        log: boolean;
      }) => Promise<{ file: string }[]>;
    };
    const [built] = await bundleLambdas({ outdir, only: ["worker"], measure: false, log: false });
    bundle = built.file;
  });

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  function runCli(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [bundle, "--cli"], {
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          AWS_ENDPOINT_URL: String(process.env.AWS_ENDPOINT_URL),
          AWS_REGION: String(process.env.AWS_REGION),
          AWS_ACCESS_KEY_ID: emulatorCredentials().accessKeyId,
          AWS_SECRET_ACCESS_KEY: emulatorCredentials().secretAccessKey,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
          [ENV.internalBucket]: p.internalBucket,
          ...env,
        },
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => {
        stdout += d;
      });
      child.stderr.on("data", (d) => {
        stderr += d;
      });
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
  }

  const runEnv = (j: Job) => ({
    [RUN_ENV.orderId]: j.orderId,
    [RUN_ENV.payloadKey]: j.event.payloadKey,
    [RUN_ENV.callbackUrl]: j.event.callbackUrl,
    [RUN_ENV.deadline]: String(j.event.deadline),
  });

  test("runs the order from the environment overrides and reports like the Lambda", async () => {
    const j = await job(["echo from-codebuild", 'echo "callback=${IAC_CI_CALLBACK_URL:-hidden}"']);

    const { code, stdout } = await runCli(runEnv(j));

    expect(code).toBe(0);
    const result = await storedResult(j.orderId);
    expect(result).toMatchObject({ order_id: j.orderId, status: ORDER_STATUS.succeeded, source: "codebuild" });
    // The callback URL is not handed to the commands (they cannot forge the result).
    expect(result?.commands?.map((c) => c.stdout_tail)).toEqual(["from-codebuild\n", "callback=hidden\n"]);
    for (const line of stdout.trim().split("\n")) expect(JSON.parse(line)).toHaveProperty("level");
    expect(stdout).not.toContain("X-Amz-Signature");
  });

  test("exits 1 for a failed run, after reporting it", async () => {
    const j = await job(["exit 5"]);
    const { code } = await runCli(runEnv(j));
    expect(code).toBe(1);
    expect(await storedResult(j.orderId)).toMatchObject({ status: ORDER_STATUS.failed, exit_code: 5 });
  });

  test("exits 2 naming what is missing when the overrides are absent", async () => {
    const { code, stderr } = await runCli({});
    expect(code).toBe(2);
    expect(stderr).toContain(RUN_ENV.callbackUrl);
  });
});
