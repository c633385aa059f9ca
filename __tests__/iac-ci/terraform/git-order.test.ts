// 02-deploy's `git_order` variable, evaluated by real Terraform: its default and its
// validations, and that what Terraform hands process_webhook (jsonencode) is what the handler
// accepts.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DEFAULT_GIT_COMMANDS, FUNCTION_ENV } from "../../../lambdas/iac-ci/contract";
import { parseGitOrderSettings } from "../../../lambdas/iac-ci/lib/github";
import { synthPlatform } from "../../support/synth";
import { offlineEnv, run, runOk } from "../../support/terraform";

const env = offlineEnv();
let dir: string;

beforeAll(async () => {
  const variable = synthPlatform().deploy.variable.git_order;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "git-order-"));
  // The variable exactly as synthesized, and the value process_webhook's environment gets.
  fs.writeFileSync(
    path.join(dir, "main.tf.json"),
    JSON.stringify({ variable: { git_order: variable }, output: { env: { value: "${jsonencode(var.git_order)}" } } }),
  );
  await runOk("terraform", [`-chdir=${dir}`, "init", "-input=false", "-no-color"], { env });
}, 120_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Applies the config with `-var git_order=<hcl>` (none: the default); the output or the error. */
async function evaluate(hcl?: string): Promise<{ ok: true; value: string } | { ok: false; error: string }> {
  const vars = hcl === undefined ? [] : ["-var", `git_order=${hcl}`];
  const state = path.join(dir, `${Math.random().toString(36).slice(2)}.tfstate`);
  const apply = await run(
    "terraform",
    [`-chdir=${dir}`, "apply", "-auto-approve", "-input=false", "-no-color", `-state=${state}`, ...vars],
    { env },
  );
  if (apply.status !== 0) return { ok: false, error: apply.output.replace(/\s+/g, " ") };
  const out = await runOk("terraform", [`-chdir=${dir}`, "output", "-raw", `-state=${state}`, "env"], { env });
  return { ok: true, value: out.output.trim() };
}

describe("02-deploy: the git_order variable", () => {
  test("by default a Git-host order runs the reporting command on the lambda runner for 300 s", async () => {
    const result = await evaluate();
    if (!result.ok) throw new Error(result.error);
    expect(JSON.parse(result.value)).toEqual({
      commands: [...DEFAULT_GIT_COMMANDS],
      runner: "lambda",
      timeout_seconds: 300,
    });
    expect(parseGitOrderSettings(FUNCTION_ENV.gitOrder, result.value)).toEqual({
      commands: [...DEFAULT_GIT_COMMANDS],
      runner: "lambda",
      timeout_seconds: 300,
    });
  }, 60_000);

  test("a user's build on CodeBuild passes and reaches the handler as given", async () => {
    const result = await evaluate(
      '{ commands = ["git init -q . && git fetch -q --depth 1 \\"$IAC_CI_GIT_CLONE_URL\\" \\"$IAC_CI_GIT_SHA\\"", "terraform plan"], runner = "codebuild", timeout_seconds = 3600 }',
    );
    if (!result.ok) throw new Error(result.error);
    expect(parseGitOrderSettings(FUNCTION_ENV.gitOrder, result.value)).toEqual({
      commands: ['git init -q . && git fetch -q --depth 1 "$IAC_CI_GIT_CLONE_URL" "$IAC_CI_GIT_SHA"', "terraform plan"],
      runner: "codebuild",
      timeout_seconds: 3600,
    });
  }, 60_000);

  test.each([
    ["no commands", "{ commands = [] }", "git_order.commands must hold 1-100 non-empty commands"],
    ["a blank command", '{ commands = ["  "] }', "git_order.commands must hold 1-100 non-empty commands"],
    [
      "an unknown runner",
      '{ commands = ["make"], runner = "ec2" }',
      "git_order.runner must be one of lambda, codebuild",
    ],
    [
      "a lambda run longer than the worker can",
      '{ commands = ["make"], timeout_seconds = 541 }',
      "git_order.timeout_seconds must be whole seconds, 1-540 for runner lambda",
    ],
    [
      "a CodeBuild run shorter than its minimum",
      '{ commands = ["make"], runner = "codebuild", timeout_seconds = 30 }',
      "60-28800 for codebuild",
    ],
    [
      "a fraction of a second",
      '{ commands = ["make"], timeout_seconds = 1.5 }',
      "git_order.timeout_seconds must be whole seconds",
    ],
    [
      "more than the function's environment holds",
      `{ commands = ["${"x".repeat(2000)}", "${"y".repeat(2000)}"] }`,
      "git_order must encode to at most 3072 bytes",
    ],
  ])(
    "%s is refused before anything is planned",
    async (_case, hcl, message) => {
      const result = await evaluate(hcl);
      expect(result).toEqual({ ok: false, error: expect.stringContaining(message) });
    },
    60_000,
  );
});
