// What the descriptors tell the shared scripts, read through `node scripts/stacks.js` as the
// deploy workflows and `npm start` read it: each stack's CI hook, each system's local deploy-time
// variables and images.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { STACKS, SYSTEMS } from "../../../stacks/registry";

const root = path.resolve(__dirname, "../../..");
const stacksJs = (args: string[], env: Record<string, string> = {}) => {
  const result = spawnSync(process.execPath, ["scripts/stacks.js", ...args], {
    cwd: root,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
};

test("every stack's CI hook is an executable script in its system's folder, and ci-hook prints exactly those", () => {
  const hooks = STACKS.filter((s) => s.ciBeforeDeploy).map((s) => [s.name, s.ciBeforeDeploy as string]);
  expect(hooks).toEqual([
    ["02-deploy", "stacks/iac-ci/ci/before-02-deploy.sh"],
    ["trip-assistant", "stacks/trip-assistant/ci/before-trip-assistant.sh"],
  ]);
  for (const [stack, hook] of hooks) {
    const system = STACKS.find((s) => s.name === stack)?.system;
    expect(hook.startsWith(`stacks/${system}/`)).toBe(true);
    expect(fs.statSync(path.join(root, hook)).mode & 0o111).not.toBe(0);
  }
  const printed = STACKS.map((s) => stacksJs(["ci-hook", "--stack", s.name]));
  expect(printed.map((p) => p.status)).toEqual(STACKS.map(() => 0));
  expect(printed.map((p) => p.stdout.trim())).toEqual(STACKS.map((s) => s.ciBeforeDeploy ?? ""));
  const unknown = stacksJs(["ci-hook", "--stack", "03-nothing"]);
  expect([unknown.status, unknown.stderr]).toEqual([
    2,
    expect.stringContaining('unknown stack "03-nothing"; stacks: 00-bootstrap'),
  ]);
});

test("local-vars: each system's local deploy-time variables, only where unset, with what was decided on stderr", () => {
  const endpoint = "http://127.0.0.1:4599";
  const all = stacksJs(["local-vars", "--endpoint", endpoint]);
  expect(all.status).toBe(0);
  expect(all.stdout.trim().split("\n")).toEqual([
    "TF_VAR_s3_bucket_name=sales-local",
    "TF_VAR_alert_email=ops@example.com",
    `TF_VAR_openai_base_url=${endpoint}/_localcloud/openai/v1`,
  ]);
  expect(all.stderr).toContain("trip-assistant: OpenAI is played by the local cloud's loopback");
  // A user's own values win, and a real key means real OpenAI.
  const own = stacksJs(["local-vars", "--endpoint", endpoint, "sales-platform", "trip-assistant"], {
    TF_VAR_s3_bucket_name: "mine",
    TF_VAR_openai_api_key: "sk-real",
  });
  expect(own.stdout.trim().split("\n")).toEqual(["TF_VAR_alert_email=ops@example.com"]);
  expect(own.stderr).toContain("s3_bucket_name=mine alert_email=ops@example.com");
  expect(stacksJs(["local-vars", "--endpoint", endpoint, "model-share"]).stdout).toBe("");
  expect(stacksJs(["local-vars"]).stderr).toContain("local-vars needs --endpoint URL");
});

test("local images are declared for stacks of their own system, with their Dockerfiles in that system's folder", () => {
  const declared = SYSTEMS.flatMap((s) =>
    Object.entries(s.local?.images ?? {}).flatMap(([stack, images]) => images.map((i) => [s.id, stack, i.dockerfile])),
  );
  expect(declared).toEqual([
    ["iac-ci", "01-ecr", "lambdas/iac-ci/Dockerfile"],
    ["trip-assistant", "trip-assistant-ecr", "lambdas/trip-assistant/Dockerfile"],
    ["trip-assistant", "trip-assistant-ecr", "lambdas/trip-assistant/Dockerfile"],
  ]);
  for (const [, , dockerfile] of declared) expect(fs.existsSync(path.join(root, dockerfile))).toBe(true);
  // A stack without images pushes nothing and needs no outputs.
  expect(stacksJs(["local-images", "--stack", "model-share"]).status).toBe(0);
});
