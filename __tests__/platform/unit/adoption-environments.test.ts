import { Testing } from "cdktf";
import { ENVIRONMENTS } from "../../../config";
import { buildPlatform } from "../../../stacks";
import { synthPlatform } from "../../support/synth";

describe("adopting IAM roles that already exist", () => {
  test("listed roles get import blocks with their names; others do not", () => {
    const { deploy } = synthPlatform({ IAC_CI_ADOPT_ROLES: "iac-ci-dev-worker-role, iac-ci-dev-watchdog-role" });
    expect(deploy.import).toEqual(
      expect.arrayContaining([
        { to: expect.stringMatching(/^aws_iam_role\.worker_Role_\w+$/), id: "iac-ci-dev-worker-role" },
        { to: expect.stringMatching(/^aws_iam_role\.Watchdog_Role_\w+$/), id: "iac-ci-dev-watchdog-role" },
      ]),
    );
    expect(deploy.import).toHaveLength(2);
  });

  test("without the setting there is no import block", () => {
    expect(synthPlatform().deploy.import).toEqual([]);
  });

  test("a role name no stack defines fails synth and lists the roles that exist", () => {
    expect(() => buildPlatform(Testing.app(), { IAC_CI_ADOPT_ROLES: "iac-ci-dev-wroker-role" })).toThrow(
      /IAC_CI_ADOPT_ROLES names roles that no stack defines: iac-ci-dev-wroker-role\. Roles the stacks define: .*iac-ci-dev-worker-role/,
    );
  });
});

describe("environments", () => {
  const all = ENVIRONMENTS.map((environment) => ({ environment, ...synthPlatform({ IAC_CI_ENV: environment }) }));

  test("no two environments share a state key", () => {
    const keys = all.flatMap((e) => [e.ecr.terraform.backend.s3.key, e.deploy.terraform.backend.s3.key]);
    expect(new Set(keys).size).toBe(keys.length);
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
