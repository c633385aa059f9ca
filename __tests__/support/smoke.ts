// A system's smoke test: the flows a user would try by hand on the deployed system, through its
// public entry points only (HTTP, S3 uploads, SDK calls a user makes), against a local cloud that
// `npm start` (scripts/deploy-local.sh) deployed to. Each system's steps live in
// __tests__/<system>/e2e/smoke.ts; `npm start` and `npm run smoke` run them (scripts/smoke.js),
// and the system's end-to-end suite runs them as tests beside its failure paths.
import fs from "node:fs";
import path from "node:path";
import { type EmulatorCredentials, emulatorCredentials } from "./aws";

export interface SmokeContext {
  readonly system: string;
  /** The local cloud's home (`.emulator/<name>`): endpoint, credentials, outputs-<stack>.json. */
  readonly home: string;
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** The local cloud's admin principal (profile `local` in the home's credentials file). */
  readonly credentials: EmulatorCredentials;
  /** AWS SDK v3 client settings for the local cloud, as its admin, in `region` (us-east-1 unless given). */
  clientConfig(region?: string): {
    endpoint: string;
    region: string;
    forcePathStyle: true;
    credentials: EmulatorCredentials;
  };
  /** One output of a deployed stack; throws naming the stack, the key and the file when absent. */
  output(stack: string, key: string): string;
  /** The `aws` command line a user pastes for this local cloud (credential files, profile, endpoint). */
  readonly awsCli: string;
  /** curl options that sign a request for API Gateway in `region` with the admin key (read from the home). */
  curlSigned(region: string): string;
}

/** One step: throws (saying what it saw) on failure; may return a one-line detail for the report. */
export interface SmokeStep<S> {
  readonly name: string;
  run(ctx: SmokeContext, state: S): Promise<string | undefined>;
}

export interface SystemSmoke<S = Record<string, unknown>> {
  readonly system: string;
  /** Fresh state for one run (what a step leaves for a later one: ids, keys, URLs). */
  init(): S;
  /** In order: a later step may rely on an earlier one. */
  readonly steps: readonly SmokeStep<S>[];
  /** Lines a user can paste to try the deployed system by hand. */
  tryIt(ctx: SmokeContext): string[];
}

/** Identity, for type inference of a system's state. */
export function defineSmoke<S>(smoke: SystemSmoke<S>): SystemSmoke<S> {
  return smoke;
}

/** The context of the local cloud in `home` (what `npm start` wrote there). */
export function smokeContext(system: string, home: string): SmokeContext {
  const endpointFile = path.join(home, "endpoint");
  if (!fs.existsSync(endpointFile))
    throw new Error(`${endpointFile} is missing: no local cloud runs from ${home} (run npm start first)`);
  const endpoint = fs.readFileSync(endpointFile, "utf8").trim();
  const credentials = emulatorCredentials(home);
  const outputs = new Map<string, Record<string, unknown>>();
  const relHome = path.relative(process.cwd(), home) || ".";
  return {
    system,
    home,
    endpoint,
    credentials,
    clientConfig: (region = "us-east-1") => ({ endpoint, region, forcePathStyle: true as const, credentials }),
    output(stack, key) {
      let values = outputs.get(stack);
      if (!values) {
        const file = path.join(home, `outputs-${stack}.json`);
        if (!fs.existsSync(file)) throw new Error(`${file} is missing: ${stack} is not deployed to this local cloud`);
        values = (JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, Record<string, unknown>>)[stack] ?? {};
        outputs.set(stack, values);
      }
      const value = values[key];
      if (value === undefined || value === null || value === "")
        throw new Error(`${stack} has no output ${key} (${path.join(home, `outputs-${stack}.json`)})`);
      return typeof value === "string" ? value : JSON.stringify(value);
    },
    curlSigned: (region) => {
      const key = (name: string) => `$(awk -F' = ' '/^${name}/{print $2}' ${relHome}/credentials)`;
      return `--aws-sigv4 "aws:amz:${region}:execute-api" --user "${key("aws_access_key_id")}:${key("aws_secret_access_key")}"`;
    },
    awsCli: `AWS_SHARED_CREDENTIALS_FILE=${relHome}/credentials AWS_CONFIG_FILE=${relHome}/config aws --profile local --endpoint-url ${endpoint}`,
  };
}

export interface StepResult {
  readonly name: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly detail?: string;
  readonly error?: string;
}

/**
 * Runs the steps in order and stops at the first failure (later steps rely on earlier ones);
 * `report` sees each result as it lands.
 */
export async function runSmoke<S>(
  smoke: SystemSmoke<S>,
  ctx: SmokeContext,
  report: (result: StepResult) => void = () => undefined,
): Promise<StepResult[]> {
  const state = smoke.init();
  const results: StepResult[] = [];
  for (const step of smoke.steps) {
    const started = Date.now();
    let result: StepResult;
    try {
      const detail = await step.run(ctx, state);
      result = { name: step.name, ok: true, ms: Date.now() - started, ...(detail ? { detail } : {}) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      result = { name: step.name, ok: false, ms: Date.now() - started, error: message };
    }
    results.push(result);
    report(result);
    if (!result.ok) break;
  }
  return results;
}

/** Throws `message` (with what was seen) unless `condition` holds: the smoke steps' assertion. */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** Polls `probe` until it returns a value (not undefined) or `timeoutMs` passes, naming `what`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
