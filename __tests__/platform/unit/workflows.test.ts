// The GitHub workflows take their systems and stack order from the registry (node scripts/stacks.js)
// and their AWS roles from `stacks.js role-arn` (trip-assistant-deploy.yml: its own variable).
// Parses every workflow; runs no workflow and needs no network.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BOOTSTRAP_STACK, deployableSystems, STACKS, stacksOf } from "../../../stacks/registry";

const yaml = require("js-yaml") as { load(text: string): unknown };

const root = path.resolve(__dirname, "../../..");
const dir = path.join(root, ".github", "workflows");
/** The workflow whose system is its own (it deploys trip-assistant's images and aliases). */
const TRIP = "trip-assistant-deploy.yml";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, Json>;
  env?: Record<string, Json>;
}
interface Job {
  uses?: string;
  with?: Record<string, Json>;
  needs?: string | string[];
  environment?: Json;
  env?: Record<string, Json>;
  outputs?: Record<string, string>;
  strategy?: { matrix?: Record<string, Json> };
  steps?: Step[];
}
interface Workflow {
  on: Record<string, Json>;
  env?: Record<string, Json>;
  jobs: Record<string, Job>;
}

const files = fs
  .readdirSync(dir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const text = (file: string) => fs.readFileSync(path.join(dir, file), "utf8");
const workflows = new Map(files.map((f) => [f, yaml.load(text(f)) as Workflow]));
const workflow = (file: string): Workflow => {
  const w = workflows.get(file);
  if (!w) throw new Error(`no workflow ${file}`);
  return w;
};

const systems = deployableSystems().map((s) => s.id);
const stacks = STACKS.map((s) => s.name);
const tripOwn = new Set(["trip-assistant", ...stacksOf("trip-assistant").map((s) => s.name)]);
/** Registry names hard-coded in `value` (whole words: a name is not part of a longer name). */
function namesIn(value: string, exempt: ReadonlySet<string> = new Set()): string[] {
  return [...systems, ...stacks].filter(
    (name) => !exempt.has(name) && new RegExp(`(^|[^A-Za-z0-9_-])${name}($|[^A-Za-z0-9_-])`).test(value),
  );
}
function strings(value: Json | undefined): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}
const runs = (job: Job) => (job.steps ?? []).flatMap((s) => (s.run ? [s.run] : []));
/** The word list of every shell `for VAR in LIST` (up to `; do`, `do` or the line's end). */
function forLists(script: string): string[] {
  return forLoops(script).map((l) => l.list);
}
function forLoops(script: string): { variable: string; list: string }[] {
  return [...script.matchAll(/\bfor\s+(\w+)\s+in\s+(.+?)(?:;\s*do\b|\s+do\b|$)/gm)].map((m) => ({
    variable: m[1],
    list: m[2],
  }));
}

test("the workflows are parsed (at least the five named ones)", () => {
  for (const f of ["pull-request.yml", "deploy.yml", "deploy-environment.yml", "destroy.yml", TRIP]) {
    expect(files).toContain(f);
  }
  for (const [file, w] of workflows) {
    expect({ file, jobs: Object.keys(w.jobs ?? {}).length > 0 }).toEqual({ file, jobs: true });
  }
});

describe.each(files)("%s", (file) => {
  const w = workflow(file);
  const exempt = file === TRIP ? tripOwn : new Set<string>();
  const jobs = Object.entries(w.jobs);

  test("no system or stack name is hard-coded in a matrix, a loop or anywhere else", () => {
    const found: string[] = [];
    for (const [id, job] of jobs) {
      for (const [key, value] of Object.entries(job.strategy?.matrix ?? {})) {
        for (const s of strings(value)) {
          for (const name of namesIn(s, exempt)) found.push(`${id}: matrix.${key} names ${name}`);
        }
      }
      for (const script of runs(job)) {
        for (const list of forLists(script)) {
          for (const name of namesIn(list, exempt)) found.push(`${id}: loop over "${list}" names ${name}`);
        }
      }
      // Anywhere else (step names, scripts, inputs): 00-bootstrap may be named, as excluded.
      for (const s of strings(job as unknown as Json)) {
        for (const name of namesIn(s, new Set([...exempt, BOOTSTRAP_STACK]))) found.push(`${id}: names ${name}`);
      }
    }
    expect(found).toEqual([]);
  });

  test("every matrix of systems or stacks is fed by node scripts/stacks.js", () => {
    for (const [id, job] of jobs) {
      for (const [key, value] of Object.entries(job.strategy?.matrix ?? {})) {
        if (Array.isArray(value)) continue; // e.g. environment: [dev, stage, prod] (checked above)
        const source = String(value)
          .match(/^\$\{\{\s*fromJSON\((.+)\)\s*\}\}$/)?.[1]
          ?.trim();
        expect({ id, key, source }).toEqual({ id, key, source: expect.any(String) });
        expect({ id, key, producedBy: producerOf(file, job, source ?? "") }).toEqual({
          id,
          key,
          producedBy: expect.stringContaining("node scripts/stacks.js"),
        });
      }
    }
  });

  test("every loop over stacks or systems reads the registry's order", () => {
    let loops = 0;
    for (const [id, job] of jobs) {
      for (const script of runs(job)) {
        for (const { variable, list } of forLoops(script)) {
          if (!list.includes("scripts/stacks.js") && !/^(stack|system)s?$/.test(variable)) continue;
          loops++;
          if (list.includes("scripts/stacks.js")) {
            // A system's stacks, never the whole order (which starts with 00-bootstrap).
            if (/stacks\.js (order|destroy-order)/.test(list)) {
              expect({ id, list, system: /--system/.test(list) }).toEqual({ id, list, system: true });
            }
            // destroy.yml walks the reverse order, every other workflow the deploy order.
            const order = file === "destroy.yml" ? "destroy-order" : "order";
            if (variable === "stack")
              expect({ id, list }).toEqual({ id, list: expect.stringContaining(`stacks.js ${order} `) });
            continue;
          }
          // Otherwise a list computed from the registry's JSON (e.g. jq over SYSTEMS).
          expect({ id, list }).toEqual({ id, list: expect.stringMatching(/^"?\$/) });
        }
      }
    }
    if (file !== TRIP) expect(loops).toBeGreaterThan(0);
  });

  test("every role-to-assume comes from `stacks.js role-arn` (trip-assistant-deploy.yml: its variable)", () => {
    let configured = 0;
    for (const [id, job] of jobs) {
      const steps = job.steps ?? [];
      steps.forEach((step, at) => {
        if (!step.uses?.startsWith("aws-actions/configure-aws-credentials@")) return;
        configured++;
        const role = String(step.with?.["role-to-assume"] ?? "");
        if (file === TRIP) {
          expect(role).toBe("${{ vars.TRIP_ASSISTANT_DEPLOY_ROLE_ARN }}");
          return;
        }
        const [, stepId, output] = role.match(/^\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}$/) ?? [];
        expect({ id, role, fromStep: Boolean(stepId) }).toEqual({ id, role, fromStep: true });
        const producer = steps.findIndex((s) => s.id === stepId);
        expect({ id, producerBefore: producer >= 0 && producer < at }).toEqual({ id, producerBefore: true });
        const script = steps[producer].run ?? "";
        const kind = job.environment ? "deploy" : "plan";
        // Jobs in a GitHub environment deploy (the deploy roles trust only environment tokens).
        expect(script).toMatch(
          new RegExp(
            `node scripts/stacks\\.js role-arn --system "\\$SYSTEM" --kind ${kind} --account "\\$AWS_ACCOUNT_ID"`,
          ),
        );
        expect(script).toContain(`echo "${output}=$(node scripts/stacks.js role-arn`);
        expect(script).toContain('>> "$GITHUB_OUTPUT"');
        // SYSTEM is the matrix's system; the account is the repository variable.
        const env = { ...w.env, ...job.env, ...step.env };
        expect(String(env.SYSTEM)).toMatch(/^\$\{\{ matrix\.(system|target\.system) \}\}$/);
        expect(env.AWS_ACCOUNT_ID).toBe("${{ vars.AWS_ACCOUNT_ID }}");
      });
    }
    if (["pull-request.yml", "deploy-environment.yml", "destroy.yml"].includes(file)) {
      expect(configured).toBeGreaterThan(0);
    }
  });

  test("names neither the retired single roles nor 00-bootstrap as something to apply", () => {
    expect(text(file)).not.toMatch(/AWS_DEPLOY_ROLE_ARN|AWS_PLAN_ROLE_ARN/);
    expect(text(file)).not.toMatch(/(deploy|apply|destroy)\s+["']?00-bootstrap/);
  });
});

/**
 * The script of the step that produces `source` (`needs.J.outputs.O` or, in a reusable workflow,
 * `inputs.I`, traced to every caller's value), or "" when no step does.
 */
function producerOf(file: string, job: Job, source: string): string {
  const need = source.match(/^needs\.([\w-]+)\.outputs\.([\w-]+)$/);
  if (need) {
    const w = workflow(file);
    const producer = w.jobs[need[1]];
    expect(producer).toBeDefined();
    const out = producer.outputs?.[need[2]]?.match(/steps\.([\w-]+)\.outputs\.([\w-]+)/);
    const step = (producer.steps ?? []).find((s) => s.id === out?.[1]);
    return step?.run?.includes(`${out?.[2]}=`) ? step.run : "";
  }
  const input = source.match(/^inputs\.([\w-]+)$/);
  if (input) {
    const callers = [...workflows].flatMap(([caller, w]) =>
      Object.values(w.jobs)
        .filter((j) => j.uses === `./.github/workflows/${file}`)
        .map((j) => ({ caller, job: j })),
    );
    expect(callers.length).toBeGreaterThan(0);
    const scripts = callers.map(({ caller, job: j }) => {
      const value = String(j.with?.[input[1]] ?? "").match(/^\$\{\{\s*(.+?)\s*\}\}$/)?.[1] ?? "";
      return producerOf(caller, j, value);
    });
    return scripts.every((s) => s.includes("node scripts/stacks.js")) ? scripts.join("\n") : "";
  }
  void job;
  return "";
}

describe("the registry steps, run as the workflows run them", () => {
  const runStep = (file: string, jobId: string, stepId: string, env: Record<string, string> = {}) => {
    const step = (workflow(file).jobs[jobId].steps ?? []).find((s) => s.id === stepId);
    if (!step?.run) throw new Error(`${file}: no step ${jobId}.${stepId}`);
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "workflow-step-")), "output");
    fs.writeFileSync(out, "");
    const result = spawnSync("bash", ["-c", step.run], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, ...env, GITHUB_OUTPUT: out },
    });
    return {
      ...result,
      outputs: Object.fromEntries(
        fs
          .readFileSync(out, "utf8")
          .trim()
          .split("\n")
          .map((l) => l.split(/=(.*)/s).slice(0, 2)),
      ),
    };
  };
  const everyStack = systems.flatMap((system) => stacksOf(system).map((s) => ({ system, stack: s.name })));

  test("pull-request.yml's and drift.yml's matrix is every system's stacks in order, without 00-bootstrap", () => {
    for (const [file, job] of [
      ["pull-request.yml", "check"],
      ["drift.yml", "targets"],
    ]) {
      if (!workflows.has(file)) continue;
      const r = runStep(file, job, "registry");
      expect(r.stderr).toBe("");
      expect(JSON.parse(r.outputs.targets)).toEqual(everyStack);
    }
  }, 60_000);

  test("deploy.yml takes every system on a push; a dispatched system is checked against the registry", () => {
    const push = runStep("deploy.yml", "resolve", "systems", { GITHUB_EVENT_NAME: "push" });
    expect(JSON.parse(push.outputs.systems)).toEqual(systems);
    const one = runStep("deploy.yml", "resolve", "systems", {
      GITHUB_EVENT_NAME: "workflow_dispatch",
      SYSTEM: "model-share",
    });
    expect(JSON.parse(one.outputs.systems)).toEqual(["model-share"]);
    const bad = runStep("deploy.yml", "resolve", "systems", { GITHUB_EVENT_NAME: "workflow_dispatch", SYSTEM: "nope" });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('unknown system "nope"');
  }, 60_000);

  test("the role steps compute each system's ARN from AWS_ACCOUNT_ID", () => {
    const r = runStep("deploy-environment.yml", "deploy", "role", {
      SYSTEM: "sfn-pipeline",
      AWS_ACCOUNT_ID: "123456789012",
    });
    expect(r.status).toBe(0);
    expect(r.outputs.arn).toMatch(/^arn:aws:iam::123456789012:role\/github\/[\w-]+-github-deploy-sfn-pipeline$/);
    const missing = runStep("pull-request.yml", "plan", "role", { SYSTEM: "sfn-pipeline", AWS_ACCOUNT_ID: "" });
    expect(missing.status).not.toBe(0);
    expect(missing.stdout).toContain("AWS_ACCOUNT_ID");
  }, 60_000);
});
