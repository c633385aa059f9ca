/**
 * Runs an order's commands one after another with `/bin/sh -c`, within one time budget, stopping
 * at the first failure. Each command runs in its own process group so a timeout kills everything
 * it started. Only the tail of each output stream is kept.
 */
import { spawn } from "node:child_process";
import { ORDER_STATUS, type ResultStatus } from "../contract";
import type { CommandResult } from "./result";

/** Keeps the last `limit` bytes written to it and counts all of them. */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private held = 0;
  total = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    this.chunks.push(chunk);
    this.held += chunk.length;
    if (this.held > 2 * this.limit) this.compact();
  }

  private compact(): void {
    const all = Buffer.concat(this.chunks);
    const tail = all.subarray(Math.max(0, all.length - this.limit));
    this.chunks = [Buffer.from(tail)];
    this.held = tail.length;
  }

  /** The tail as text; a multi-byte character cut at the start is dropped. */
  text(): string {
    this.compact();
    const buf = this.chunks[0] ?? Buffer.alloc(0);
    let start = 0;
    // Skip UTF-8 continuation bytes left over from a character cut by the window.
    if (this.total > buf.length) while (start < buf.length && (buf[start] & 0xc0) === 0x80) start++;
    return buf.subarray(start).toString("utf8");
  }
}

export interface RunOptions {
  /** Milliseconds all commands together may take. */
  readonly budgetMs: number;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly tailBytes: number;
  /** Time between SIGTERM and SIGKILL of a timed-out command. @default 2000 */
  readonly killGraceMs?: number;
}

export interface RunOutcome {
  readonly status: ResultStatus;
  readonly reason?: string;
  readonly exit_code: number | null;
  readonly commands: CommandResult[];
}

export async function runCommands(commands: readonly string[], options: RunOptions): Promise<RunOutcome> {
  const groups: number[] = [];
  try {
    return await runAll(commands, options, groups);
  } finally {
    // Background processes a command left behind do not outlive the run.
    for (const pid of groups) killGroup(pid, "SIGKILL");
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

async function runAll(commands: readonly string[], options: RunOptions, groups: number[]): Promise<RunOutcome> {
  const endAt = Date.now() + options.budgetMs;
  const results: CommandResult[] = [];
  for (const [index, command] of commands.entries()) {
    const left = endAt - Date.now();
    if (left <= 0) {
      return {
        status: ORDER_STATUS.timedOut,
        reason: `time budget of ${Math.round(options.budgetMs / 1000)} s used up before command ${index}`,
        exit_code: results.at(-1)?.exit_code ?? null,
        commands: results,
      };
    }
    const result = await runOne(index, command, left, options, groups);
    results.push(result);
    if (result.timed_out) {
      return {
        status: ORDER_STATUS.timedOut,
        reason: `command ${index} exceeded the time budget of ${Math.round(options.budgetMs / 1000)} s`,
        exit_code: result.exit_code,
        commands: results,
      };
    }
    if (result.exit_code !== 0) {
      const how = result.exit_code === null ? `was killed by ${result.signal}` : `exited with ${result.exit_code}`;
      return {
        status: ORDER_STATUS.failed,
        reason: `command ${index} ${how}`,
        exit_code: result.exit_code,
        commands: results,
      };
    }
  }
  return { status: ORDER_STATUS.succeeded, exit_code: 0, commands: results };
}

function runOne(
  index: number,
  command: string,
  timeoutMs: number,
  options: RunOptions,
  groups: number[],
): Promise<CommandResult> {
  const started = Date.now();
  const stdout = new TailBuffer(options.tailBytes);
  const stderr = new TailBuffer(options.tailBytes);
  return new Promise((resolve) => {
    let timedOut = false;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const child = spawn("/bin/sh", ["-c", command], {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // own process group: a timeout kills the command's children too
    });
    if (child.pid !== undefined) groups.push(child.pid);
    const kill = (signal: NodeJS.Signals) => {
      if (child.pid !== undefined) killGroup(child.pid, signal);
    };
    const done = (exitCode: number | null, signal: string | null, spawnError?: Error) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      if (spawnError) stderr.push(Buffer.from(`failed to start /bin/sh: ${spawnError.message}\n`));
      resolve({
        index,
        command,
        exit_code: spawnError ? 127 : exitCode,
        signal,
        timed_out: timedOut,
        duration_ms: Date.now() - started,
        stdout_tail: stdout.text(),
        stderr_tail: stderr.text(),
        stdout_bytes: stdout.total,
        stderr_bytes: stderr.total,
      });
    };
    child.stdout?.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (err) => done(null, null, err));
    child.on("close", (code, signal) => done(code, signal));
    // A background process that keeps the pipes open must not hold the run: settle on exit
    // after a short wait for the remaining output.
    child.on("exit", (code, signal) => {
      timers.push(setTimeout(() => done(code, signal), 1000));
    });
    timers.push(
      setTimeout(() => {
        timedOut = true;
        kill("SIGTERM");
        timers.push(setTimeout(() => kill("SIGKILL"), options.killGraceMs ?? 2000));
      }, timeoutMs),
    );
  });
}
