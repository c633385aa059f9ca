import fs from "node:fs";
import path from "node:path";
import { Testing } from "cdktf";
import { ENVIRONMENTS } from "../../../config";
import { buildApp, roleInventory, roleTable, SYSTEMS } from "../../../stacks/registry";
import { synthApp, synthPlatform } from "../../support/synth";

const ROOT = path.resolve(__dirname, "../../..");

describe("adopting IAM roles that already exist", () => {
  test("listed roles get import blocks with their names; others do not", () => {
    const { deploy } = synthPlatform({ PLATFORM_ADOPT_ROLES: "iac-ci-dev-worker-role, iac-ci-dev-watchdog-role" });
    expect(deploy.import).toEqual(
      expect.arrayContaining([
        { to: expect.stringMatching(/^aws_iam_role\.worker_Role_\w+$/), id: "iac-ci-dev-worker-role" },
        { to: expect.stringMatching(/^aws_iam_role\.Watchdog_Role_\w+$/), id: "iac-ci-dev-watchdog-role" },
      ]),
    );
    expect(deploy.import).toHaveLength(2);
  });

  test("without the setting there is no import block in any stack", () => {
    const { stacks, json } = synthApp();
    for (const name of stacks.keys()) expect(json(name).import).toEqual([]);
  });

  test("every role of every stack can be adopted, the GitHub OIDC roles and the step-function pipeline's roles included", () => {
    const roles = [
      "iac-ci-github-deploy-sfn-pipeline",
      "iac-ci-github-plan-iac-ci",
      "fastapi-test-lambda-role-dev",
      "fastapi-test-sfn-role-dev",
      "fastapi-test-api-role-dev",
      "iac-ci-dev-runner-codebuild-role",
    ];
    const { json } = synthApp({ PLATFORM_GITHUB_REPOSITORY: "acme/iac-ci", PLATFORM_ADOPT_ROLES: roles.join(",") });
    const imported = ["00-bootstrap", "02-deploy", "sfn-pipeline"].flatMap((s) => json(s).import.map((i) => i.id));
    expect(imported.sort()).toEqual([...roles].sort());
    expect(json("00-bootstrap").import).toEqual(
      expect.arrayContaining([
        {
          to: expect.stringMatching(/^aws_iam_role\.GithubOidc_sfnpipelineDeployRole_\w+$/),
          id: "iac-ci-github-deploy-sfn-pipeline",
        },
      ]),
    );
  });

  test("every role name of every stack is within IAM's 64 characters, also with the longest settings", () => {
    const { stacks, json } = synthApp({
      IAC_CI_PREFIX: "abcdefghij-klmnopqrs",
      SFN_PIPELINE_PROJECT_NAME: "abcdefghij-klmnopqrstuvw",
      PLATFORM_ENV: "stage",
      PLATFORM_GITHUB_REPOSITORY: "acme/iac-ci",
    });
    const names = [...stacks.keys()].flatMap((s) =>
      Object.values<{ name: string }>(json(s).resource.aws_iam_role ?? {}).map((r) => r.name),
    );
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) expect(name.length).toBeLessThanOrEqual(64);
  });

  test("the runbook's role table is what the stacks define (every system's roles, generated)", () => {
    const { stacks, json } = synthApp({ PLATFORM_GITHUB_REPOSITORY: "acme/platform" });
    const runbook = fs.readFileSync(path.join(ROOT, "docs", "import-runbook.md"), "utf8");
    const block = /<!-- roles:begin -->\n([\s\S]*?)\n<!-- roles:end -->/.exec(runbook)?.[1];
    // On a mismatch: PLATFORM_GITHUB_REPOSITORY=acme/platform node scripts/stacks.js roles --markdown
    expect(block).toBe(roleTable(stacks));
    // The table is complete: every aws_iam_role of every stack, each system present.
    const defined = [...stacks.keys()].flatMap((s) =>
      Object.values<{ name: string }>(json(s).resource.aws_iam_role ?? {}).map((r) => r.name),
    );
    const inventory = roleInventory(stacks);
    expect(inventory.map((r) => r.role).sort()).toEqual(defined.sort());
    expect(new Set(inventory.map((r) => r.system))).toEqual(new Set(SYSTEMS.map((s) => s.id)));
  });

  test("a role name no stack defines fails synth and lists the roles that exist", () => {
    expect(() => buildApp(Testing.app(), { PLATFORM_ADOPT_ROLES: "iac-ci-dev-wroker-role" })).toThrow(
      /PLATFORM_ADOPT_ROLES names roles that no stack defines: iac-ci-dev-wroker-role\. Roles the stacks define: .*iac-ci-dev-worker-role/,
    );
  });
});

describe("environments", () => {
  const all = ENVIRONMENTS.map((environment) => ({ environment, ...synthPlatform({ PLATFORM_ENV: environment }) }));

  test("no two environments or stacks share a state key; keys carry system, environment and stack", () => {
    const keys = ENVIRONMENTS.flatMap((environment) => {
      const { stacks, json } = synthApp({ PLATFORM_ENV: environment });
      return [...stacks.keys()]
        .filter((s) => s !== "00-bootstrap")
        .map((s) => json(s).terraform.backend.s3.key as string);
    });
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(
      expect.arrayContaining([
        "iac-ci/dev/01-ecr.tfstate",
        "iac-ci/prod/02-deploy.tfstate",
        "sfn-pipeline/stage/sfn-pipeline.tfstate",
      ]),
    );
  });

  test("no two environments share a physical name", () => {
    const namesOf = (raw: string) => {
      const json = JSON.parse(raw);
      const names: string[] = [];
      for (const resources of Object.values<Record<string, Record<string, unknown>>>(json.resource ?? {})) {
        for (const body of Object.values(resources)) {
          for (const field of ["name", "bucket", "function_name"]) {
            const value = body[field];
            if (typeof value === "string" && !value.startsWith("${aws_")) names.push(value);
          }
        }
      }
      return names;
    };
    const seen = new Map<string, string>();
    for (const e of all) {
      for (const name of [...namesOf(e.ecr.raw), ...namesOf(e.deploy.raw)]) {
        if (name === "$default" || name === "least-privilege") continue; // scoped to their parent
        expect(seen.get(name)).toBeUndefined();
        seen.set(name, e.environment);
      }
    }
    expect(seen.size).toBeGreaterThan(30);
  });
});
