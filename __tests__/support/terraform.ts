import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { PLATFORM_SETTINGS } from "../../config";
import { type EmulatorCredentials, emulatorCredentials } from "./aws";

export const ROOT = path.resolve(__dirname, "../..");

/** The toolchain's environment (PATH with Terraform 1.8.5, TF_CLI_CONFIG_FILE, ...), as the scripts use it. */
function toolchainEnv(): Record<string, string> {
  const script = `source "${ROOT}/scripts/env.sh" && env -0`;
  const out = spawnSync("bash", ["-c", script], { encoding: "utf8" });
  if (out.status !== 0) throw new Error(`scripts/env.sh failed: ${out.stderr}`);
  return Object.fromEntries(
    out.stdout
      .split("\0")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

const baseEnv = toolchainEnv();

/**
 * Environment for Terraform/cdktf against the emulator, with the given config settings, acting
 * as the emulator's admin principal (`credentials`: emulatorCredentials(<its home>)).
 */
export function emulatorEnv(
  endpoint: string,
  settings: Record<string, string> = {},
  credentials: EmulatorCredentials = emulatorCredentials(),
): Record<string, string> {
  const env: Record<string, string> = {
    ...baseEnv,
    PLATFORM_AWS_ENDPOINT: endpoint,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_REGION: "us-east-1",
    TF_IN_AUTOMATION: "1",
    ...settings,
  };
  // Only the given settings configure the app: no shared setting leaks in from the caller's
  // shell, under its name or its former one (the endpoint is this emulator's).
  const shared: string[] = Object.values(PLATFORM_SETTINGS).flatMap((s) => [s.env, s.formerly.env]);
  for (const name of [
    ...shared.filter((n) => n !== "PLATFORM_AWS_ENDPOINT"),
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONFIG_FILE",
  ]) {
    if (!(name in settings)) delete env[name];
  }
  return env;
}

/** Environment for Terraform without any AWS endpoint or credentials (validation only). */
export function offlineEnv(): Record<string, string> {
  const env = { ...baseEnv };
  const shared: string[] = Object.values(PLATFORM_SETTINGS).flatMap((s) => [s.env, s.formerly.env]);
  for (const k of Object.keys(env))
    if (shared.includes(k) || k.startsWith("IAC_CI_") || k.startsWith("AWS_")) delete env[k];
  return env;
}

export interface RunResult {
  readonly status: number;
  readonly output: string;
  readonly seconds: number;
  readonly maxRssMb: number;
}

type RunOptions = { cwd?: string; env: Record<string, string>; timeoutMs?: number };

/**
 * Runs a command to completion under /usr/bin/time (wall time and peak RSS). Asynchronous, so
 * independent Terraform runs (two environments, say) can overlap instead of queueing.
 *
 * Against the emulator, a Terraform or cdktf command that fails on a state lock it took itself
 * (see ownOrphanedLock) has that lock released with `terraform force-unlock` and runs once more,
 * saying so: what an operator does after a crashed run, and nothing else is retried.
 */
export async function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const dir = options.env.PLATFORM_AWS_ENDPOINT ? lockedStackDir(command, args) : undefined;
  if (!dir) return runOnce(command, args, options);
  const startedAt = new Date();
  const others = inFlight.get(dir) ?? 0;
  inFlight.set(dir, others + 1);
  try {
    const result = await runOnce(command, args, options);
    const orphan = result.status !== 0 && others === 0 ? ownOrphanedLock(result.output, startedAt) : undefined;
    if (!orphan) return result;
    console.warn(
      `${path.basename(command)} ${args.join(" ")}: failed on its own state lock ${orphan} (taken after ` +
        `${startedAt.toISOString()} by this machine, no other run on ${path.relative(ROOT, dir)}); ` +
        "the emulator lost the lock write's answer and the SDK's retry of it conflicted with the write. " +
        "Releasing it with terraform force-unlock and running the command again.",
    );
    orphanedLocksReleased.push(orphan);
    const unlock = await runOnce(
      "terraform",
      [`-chdir=${dir}`, "force-unlock", "-force", orphan, "-no-color"],
      options,
    );
    if (unlock.status !== 0) return result;
    return await runOnce(command, args, options);
  } finally {
    inFlight.set(dir, (inFlight.get(dir) ?? 1) - 1);
  }
}

/** Lock IDs run() released after a lost lock acknowledgement, for the suites to report. */
export const orphanedLocksReleased: string[] = [];

/** Terraform/cdktf runs of this process in progress, per stack directory. */
const inFlight = new Map<string, number>();

/** The stack directory whose state a `terraform -chdir=<dir>` or `cdktf deploy|destroy <stack> --output <out>` locks. */
export function lockedStackDir(command: string, args: readonly string[]): string | undefined {
  if (path.basename(command) === "terraform") {
    const chdir = args.find((a) => a.startsWith("-chdir="));
    return chdir ? path.resolve(ROOT, chdir.slice("-chdir=".length)) : undefined;
  }
  if (path.basename(command) === "cdktf" && (args[0] === "deploy" || args[0] === "destroy")) {
    const out = args[args.indexOf("--output") + 1];
    return args.includes("--output") && out && args[1] ? path.resolve(ROOT, out, "stacks", args[1]) : undefined;
  }
  return undefined;
}

/**
 * The ID of the lock a failed command was refused, when that lock is the command's own: Terraform
 * reports "Error acquiring the state lock" with a lock created by this machine at or after the
 * command started. With no other run on the stack, only the command's own first lock write can
 * have made it; the write succeeded but its answer was lost, and the SDK's retry of the
 * conditional write then found the item. Anything else (a lock held by someone else, or older
 * than the command) is not.
 */
export function ownOrphanedLock(output: string, startedAt: Date, who = `${os.userInfo().username}@${os.hostname()}`) {
  const text = stripVTControlCharacters(output);
  if (!text.includes("Error acquiring the state lock")) return undefined;
  const id = text.match(/\bID:\s+([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/)?.[1];
  const holder = text.match(/\bWho:\s+(\S+)/)?.[1];
  const created = text.match(/\bCreated:\s+(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(\.\d+)? \+0000 UTC/);
  if (!id || holder !== who || !created) return undefined;
  const createdAt = new Date(`${created[1]}T${created[2]}${(created[3] ?? "").slice(0, 4)}Z`);
  return createdAt.getTime() >= startedAt.getTime() ? id : undefined;
}

function runOnce(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const timeFile = path.join(
    ROOT,
    "build",
    `time-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.txt`,
  );
  fs.mkdirSync(path.dirname(timeFile), { recursive: true });
  const started = Date.now();
  const child = spawn("/usr/bin/time", ["-f", "%M", "-o", timeFile, command, ...args], {
    cwd: options.cwd ?? ROOT,
    // IAC_CI_TF_DEBUG_DIR=<dir>: Terraform's core debug log (backend requests and their SDK
    // attempts) per run, to read a flaky run back (docs/emulator.md).
    env: process.env.IAC_CI_TF_DEBUG_DIR
      ? {
          ...options.env,
          TF_LOG_CORE: "DEBUG",
          TF_LOG_PATH: `${process.env.IAC_CI_TF_DEBUG_DIR}/${path.basename(timeFile)}`,
        }
      : options.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const chunks: Buffer[] = [];
  child.stdout.on("data", (d: Buffer) => chunks.push(d));
  child.stderr.on("data", (d: Buffer) => chunks.push(d));
  const timeoutMs = options.timeoutMs ?? 600_000;
  const timer = setTimeout(() => {
    chunks.push(Buffer.from(`\n[harness] ${command} killed after ${timeoutMs / 1000} s\n`));
    child.kill("SIGKILL");
  }, timeoutMs);
  return new Promise((resolve, reject) => {
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      let maxRssMb = 0;
      if (fs.existsSync(timeFile)) {
        const lines = fs.readFileSync(timeFile, "utf8").trim().split("\n");
        maxRssMb = Number(lines[lines.length - 1]) / 1024;
        fs.rmSync(timeFile);
      }
      resolve({
        status: code ?? -1,
        output: Buffer.concat(chunks).toString("utf8"),
        seconds: (Date.now() - started) / 1000,
        maxRssMb,
      });
    });
  });
}

/** Returns the result if it exited 0; otherwise fails naming `what`, with the output's tail. */
export function expectOk(result: RunResult, what: string): RunResult {
  if (result.status !== 0) throw new Error(failureMessage(`${what} exited ${result.status}`, result.output));
  return result;
}

/**
 * A failed command's message: Terraform's error blocks first (so even a short excerpt of a CI
 * log names the cause), then the output's tail. The whole output is kept under
 * build/test-results/failures/.
 */
export function failureMessage(headline: string, output: string): string {
  const lines = stripVTControlCharacters(output).split("\n");
  const errors: string[] = [];
  lines.forEach((line, i) => {
    if (/(^|\s)Error:/.test(line))
      errors.push(
        lines
          .slice(i, i + 8)
          .join("\n")
          .trim(),
      );
  });
  const dir = path.join(ROOT, "build", "test-results", "failures");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${headline.replace(/[^\w.-]+/g, "_").slice(0, 80)}-${Date.now()}.log`);
  fs.writeFileSync(file, output);
  const cause = errors.length ? errors.join("\n--\n").slice(0, 3000) : "(no Terraform error block in the output)";
  return `${headline}\ncause:\n${cause}\n\nfull output: ${path.relative(ROOT, file)}; its tail:\n${output.slice(-6000)}`;
}

/** Like run, but fails with the command's output when it exits non-zero. */
export async function runOk(
  command: string,
  args: readonly string[],
  options: Parameters<typeof run>[2],
): Promise<RunResult> {
  return expectOk(await run(command, args, options), `${command} ${args.join(" ")}`);
}

/** `terraform -chdir=<dir> ...` */
export function terraform(dir: string, args: readonly string[], env: Record<string, string>): Promise<RunResult> {
  return run("terraform", [`-chdir=${dir}`, ...args, "-no-color"], { env });
}

/** `cdktf <args>` from the project root. */
export function cdktf(args: readonly string[], env: Record<string, string>): Promise<RunResult> {
  return run(path.join(ROOT, "node_modules/.bin/cdktf"), args, { env });
}

/** Starts a long-running process (e.g. a Terraform holding the state lock); returns a handle. */
export function startProcess(command: string, args: readonly string[], env: Record<string, string>) {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => {
    output += d;
  });
  child.stderr.on("data", (d) => {
    output += d;
  });
  // A long-running Terraform counts as a run on its stack: run() never takes its lock for an orphan.
  const dir = lockedStackDir(command, args);
  if (dir) inFlight.set(dir, (inFlight.get(dir) ?? 0) + 1);
  const exited = new Promise<number>((resolve) =>
    child.on("exit", (code) => {
      if (dir) inFlight.set(dir, (inFlight.get(dir) ?? 1) - 1);
      resolve(code ?? -1);
    }),
  );
  return { child, exited, output: () => output };
}

/** Polls `check` until it returns a truthy value or the timeout passes. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
