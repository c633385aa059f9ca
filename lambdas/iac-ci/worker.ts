/**
 * worker: runs an order's commands and PUTs the result to the presigned callback URL.
 *
 * As a Lambda (short jobs) the event is a WorkerEvent from the orchestrator. As a CLI inside
 * CodeBuild (`node /var/task/worker.js --cli`, CODEBUILD_WORKER_COMMAND) the same fields come
 * from the RUN_ENV environment overrides. Both read the payload from tmp/exec/ (the only S3
 * access the worker has), run the commands with `/bin/sh -c` in a fresh directory within the
 * time budget, and always report: a failing command, a timeout or an unreadable payload each
 * produce a result, never silence.
 *
 * The Lambda handler never throws: an asynchronous retry would run the commands twice.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { s3 } from "../shared/clients/s3";
import { errorFields, log } from "../shared/log";
import {
  ENV,
  ORDER_ID_PATTERN,
  ORDER_STATUS,
  payloadKey as payloadKeyOf,
  RESULT_PUT_HEADERS,
  RUN_ENV,
  resultKey,
  WORKER_LIMITS,
} from "./contract";
import { gitEnvironment } from "./lib/github";
import { type JobPayload, parseJobPayload, type WorkerEvent } from "./lib/payload";
import type { RunResult } from "./lib/result";
import { runCommands } from "./lib/runner";

type Source = "lambda" | "codebuild";

/** How the result reached the callback: stored, refused because one exists (first wins), or lost. */
export type Delivery = "stored" | "exists" | "failed";

export interface WorkerOutcome {
  readonly result: RunResult;
  readonly delivery: Delivery;
}

/** The part of the Lambda context the worker uses. */
export interface WorkerContext {
  getRemainingTimeInMillis(): number;
}

export const handler = async (event: WorkerEvent, context: WorkerContext): Promise<WorkerOutcome> => {
  const capMs = context.getRemainingTimeInMillis() - WORKER_LIMITS.marginMs;
  try {
    return await runOrder(event, "lambda", capMs);
  } catch (err) {
    log("error", "worker failed", { orderId: event?.orderId, ...errorFields(err) });
    return {
      result: failure(String(event?.orderId), "lambda", `worker error: ${String(err)}`),
      delivery: "failed",
    };
  }
};

/** Runs one order and delivers its result. `capMs` bounds the run besides the order's timeout. */
export async function runOrder(event: WorkerEvent, source: Source, capMs: number): Promise<WorkerOutcome> {
  const problem = checkEvent(event);
  if (problem !== undefined) {
    // Without a valid order id and callback URL there is nowhere to report to.
    log("error", "invalid worker event", { orderId: event?.orderId, reason: problem });
    return { result: failure(String(event?.orderId), source, `invalid worker event: ${problem}`), delivery: "failed" };
  }
  const { orderId } = event;
  const startedAt = new Date();
  let result: RunResult;
  try {
    const payload = await readPayload(event);
    const deadlineMs = event.deadline * 1000 - Date.now() - WORKER_LIMITS.marginMs;
    const budgetMs = Math.max(0, Math.min(payload.timeout_seconds * 1000, capMs, deadlineMs));
    log("info", "run starting", { orderId, source, commands: payload.commands.length, budgetMs });
    const workdir = await mkdtemp(join(tmpdir(), "iac-ci-run-"));
    try {
      const outcome = await runCommands(payload.commands, {
        budgetMs,
        cwd: workdir,
        env: commandEnv(source, workdir, payload),
        tailBytes: WORKER_LIMITS.outputTailBytes,
      });
      const finishedAt = new Date();
      result = {
        order_id: orderId,
        status: outcome.status,
        source,
        reason: outcome.reason,
        started_at: startedAt.toISOString(),
        finished_at: finishedAt.toISOString(),
        duration_ms: finishedAt.getTime() - startedAt.getTime(),
        exit_code: outcome.exit_code,
        commands: outcome.commands,
      };
    } finally {
      await rm(workdir, { recursive: true, force: true }).catch(() => undefined);
    }
  } catch (err) {
    log("error", "run failed before completion", { orderId, ...errorFields(err) });
    result = failure(orderId, source, `worker error: ${err instanceof Error ? err.message : String(err)}`, startedAt);
  }
  log(result.status === ORDER_STATUS.succeeded ? "info" : "warn", "run finished", {
    orderId,
    status: result.status,
    reason: result.reason,
    exitCode: result.exit_code,
  });
  const delivery = await deliver(event, result, source);
  return { result, delivery };
}

function checkEvent(event: WorkerEvent): string | undefined {
  if (typeof event?.orderId !== "string" || !ORDER_ID_PATTERN.test(event.orderId)) return "orderId is not an order id";
  if (event.payloadKey !== payloadKeyOf(event.orderId)) return "payloadKey is not the order's payload key";
  if (typeof event.deadline !== "number" || !Number.isFinite(event.deadline)) return "deadline is not a number";
  try {
    const url = new URL(event.callbackUrl);
    if (url.protocol !== "https:" && url.protocol !== "http:") return "callbackUrl is not an http(s) URL";
  } catch {
    return "callbackUrl is not a URL";
  }
  return undefined;
}

async function readPayload(event: WorkerEvent) {
  const bucket = process.env[ENV.internalBucket];
  if (!bucket) throw new Error(`environment variable ${ENV.internalBucket} is not set`);
  const out = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: event.payloadKey }));
  return parseJobPayload((await out.Body?.transformToString("utf8")) ?? "", event.orderId);
}

/**
 * The commands' environment: the worker's, without the callback URL (a command must not forge
 * the result), plus the commit to build when the order came from a Git host (GIT_ENV).
 */
function commandEnv(source: Source, workdir: string, payload: JobPayload): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...gitEnvironment(payload.source), IAC_CI_WORKDIR: workdir };
  delete env[RUN_ENV.callbackUrl];
  // Lambda's HOME is not writable; give tools a home in the run's directory.
  if (source === "lambda") env.HOME = workdir;
  return env;
}

const failure = (orderId: string, source: Source, reason: string, startedAt?: Date): RunResult => ({
  order_id: orderId,
  status: ORDER_STATUS.failed,
  source,
  reason,
  started_at: startedAt?.toISOString(),
  finished_at: new Date().toISOString(),
  exit_code: null,
  commands: [],
});

/** PUTs the result to the callback URL, retrying network errors and 5xx answers. */
async function deliver(event: WorkerEvent, result: RunResult, source: Source): Promise<Delivery> {
  const body = JSON.stringify(result);
  let lastProblem = "";
  for (let attempt = 1; attempt <= WORKER_LIMITS.callbackAttempts; attempt++) {
    try {
      const res = await fetch(event.callbackUrl, { method: "PUT", headers: RESULT_PUT_HEADERS, body });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) {
        log("info", "result delivered", { orderId: event.orderId, status: result.status });
        return "stored";
      }
      if (res.status === 412) {
        log("warn", "a result was already stored (e.g. the watchdog's timed_out); this one is dropped", {
          orderId: event.orderId,
          status: result.status,
        });
        return "exists";
      }
      lastProblem = `HTTP ${res.status}`;
      if (res.status === 403 && source === "codebuild") return await deliverWithRole(event.orderId, body);
      if (res.status < 500) break;
    } catch (err) {
      lastProblem = err instanceof Error ? err.message : String(err);
    }
    if (attempt < WORKER_LIMITS.callbackAttempts) await new Promise((r) => setTimeout(r, 500 * 2 ** (attempt - 1)));
  }
  log("error", "result delivery failed; the watchdog will time the order out", {
    orderId: event.orderId,
    reason: lastProblem,
  });
  return "failed";
}

/**
 * CodeBuild fallback for a presigned URL that expired (the orchestrator's credentials were
 * temporary): write with the build's own role, first result still winning. Needs s3:PutObject on
 * tmp/callbacks/runs/ for the CodeBuild role.
 */
async function deliverWithRole(orderId: string, body: string): Promise<Delivery> {
  const bucket = process.env[ENV.internalBucket];
  try {
    await s3().send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: resultKey(orderId),
        Body: body,
        ContentType: RESULT_PUT_HEADERS["content-type"],
        IfNoneMatch: RESULT_PUT_HEADERS["if-none-match"],
      }),
    );
    log("info", "result delivered with the build role", { orderId });
    return "stored";
  } catch (err) {
    log("error", "result delivery failed; the watchdog will time the order out", { orderId, ...errorFields(err) });
    return "failed";
  }
}

/** CLI mode (CodeBuild): the order comes from RUN_ENV; exit 0 only for a delivered success. */
export async function cli(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const missing = Object.values(RUN_ENV).filter((name) => !env[name]);
  if (missing.length > 0) {
    log("error", "worker CLI: missing environment", { missing });
    return 2;
  }
  const event: WorkerEvent = {
    orderId: env[RUN_ENV.orderId] as string,
    payloadKey: env[RUN_ENV.payloadKey] as string,
    callbackUrl: env[RUN_ENV.callbackUrl] as string,
    deadline: Number(env[RUN_ENV.deadline]),
  };
  const { result, delivery } = await runOrder(event, "codebuild", Number.POSITIVE_INFINITY);
  return result.status === ORDER_STATUS.succeeded && delivery === "stored" ? 0 : 1;
}

if (require.main === module && process.argv.includes("--cli")) {
  cli().then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      log("error", "worker CLI crashed", errorFields(err));
      process.exitCode = 1;
    },
  );
}
