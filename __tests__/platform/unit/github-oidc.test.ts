import { App } from "cdktf";
import { AwsStack } from "../../../constructs/aws-stack";
import { RESOURCE_SCOPES, scopesFor, UncoveredResourceTypeError } from "../../../constructs/deploy-permissions";
import { GithubOidc, githubRoleArn, policySize } from "../../../constructs/github-oidc";
import type { BootstrapStack } from "../../../stacks/platform/bootstrap-stack";
import { deployableSystems, resourceTypesOf, STACKS, systemOf } from "../../../stacks/registry";
import { synthApp, synthPlatform } from "../../support/synth";

type Statement = { sid: string; actions: string[]; resources: string[] };

describe("GitHub OIDC deploy identity in 00-bootstrap", () => {
  test("is absent unless a repository is configured", () => {
    expect(synthPlatform().bootstrap.resource.aws_iam_openid_connect_provider).toBeUndefined();
  });

  const env = { PLATFORM_GITHUB_REPOSITORY: "acme/iac-ci", PLATFORM_GITHUB_DEPLOY_ENVIRONMENTS: "dev,prod" };
  const { stacks, json } = synthApp(env);
  const bootstrap = json("00-bootstrap");
  const roles = Object.values(bootstrap.resource.aws_iam_role);
  const role = (name: string) => roles.find((r) => r.name === name);
  const systems = deployableSystems().map((s) => s.id);
  const docs = bootstrap.data.aws_iam_policy_document as Record<string, { statement: Statement[] }>;
  const statementsOf = (system: string, kind: "Plan" | "Deploy") =>
    Object.entries(docs).find(([key]) => key.startsWith(`GithubOidc_${system.replace(/-/g, "")}${kind}Role_`))?.[1]
      .statement ?? [];

  test("the provider trusts GitHub's issuer for audience sts.amazonaws.com", () => {
    const [provider] = Object.values(bootstrap.resource.aws_iam_openid_connect_provider);
    expect(provider).toMatchObject({
      url: "https://token.actions.githubusercontent.com",
      client_id_list: ["sts.amazonaws.com"],
    });
  });

  test("one deploy and one plan role per system, under /github/, and an output naming them", () => {
    const names = roles.map((r) => r.name).sort();
    expect(names).toEqual(systems.flatMap((s) => [`iac-ci-github-deploy-${s}`, `iac-ci-github-plan-${s}`]).sort());
    for (const r of roles) expect(r.path).toBe("/github/");
    expect(Object.keys(bootstrap.output.github_role_arns.value).sort()).toEqual([...systems].sort());
    expect(githubRoleArn("123456789012", "iac-ci", "deploy", "sfn-pipeline")).toBe(
      "arn:aws:iam::123456789012:role/github/iac-ci-github-deploy-sfn-pipeline",
    );
  });

  test("a deploy role trusts only the repository's deploy environments, with aud and sub pinned", () => {
    const trust = JSON.parse(role("iac-ci-github-deploy-sfn-pipeline")?.assume_role_policy);
    expect(trust.Statement).toHaveLength(1);
    expect(trust.Statement[0]).toMatchObject({
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
        "ForAnyValue:StringEquals": {
          "token.actions.githubusercontent.com:sub": [
            "repo:acme/iac-ci:environment:dev",
            "repo:acme/iac-ci:environment:prod",
          ],
        },
      },
    });
    expect(JSON.stringify(trust)).not.toContain("StringLike");
  });

  test("a plan role trusts pull requests and main only", () => {
    const trust = JSON.parse(role("iac-ci-github-plan-model-share")?.assume_role_policy);
    expect(trust.Statement[0].Condition["ForAnyValue:StringEquals"]["token.actions.githubusercontent.com:sub"]).toEqual(
      ["repo:acme/iac-ci:pull_request", "repo:acme/iac-ci:ref:refs/heads/main"],
    );
  });

  test.each(systems)("%s: its roles reach only its own prefix and state; the plan role cannot write", (system) => {
    const config = (stacks.get("00-bootstrap") as BootstrapStack).config;
    const { namePrefix, statePrefix } = systemOf(system).names(config);
    const own = (stacks.get("00-bootstrap") as BootstrapStack).github?.systems.get(system);
    expect(own).toBeDefined();
    const plan = statementsOf(system, "Plan");
    const deploy = statementsOf(system, "Deploy");
    expect(plan.length).toBeGreaterThan(3);
    // Named by AWS, not by us: API ids, key ids, a REST stage's execution log group.
    const unnamed = new Set(["Apis", "ApiAccount", "ApiExecutionLogs", "ManagedKeys", "CustomerKeys"]);
    for (const statement of [...plan, ...deploy]) {
      if (statement.resources.includes("*")) {
        // Only account-level calls, each scope saying why (the Role construct refuses otherwise).
        expect(["AccountWideReads", "RegistryLogin", "KeyCreation", "DefinitionChecks", "ParameterListing"]).toContain(
          statement.sid,
        );
        continue;
      }
      for (const arn of statement.resources) {
        if (unnamed.has(statement.sid)) continue;
        const scoped =
          arn.includes(`:${namePrefix}-`) ||
          arn.includes(`/${namePrefix}-`) ||
          arn.includes(`:::${namePrefix}-`) ||
          arn.includes(`/${namePrefix}/`) ||
          arn.includes(`/${statePrefix}/*`) ||
          arn.endsWith(":::iac-ci-tfstate") ||
          arn.endsWith("table/iac-ci-tf-locks");
        expect({ sid: statement.sid, arn, scoped }).toEqual({ sid: statement.sid, arn, scoped: true });
      }
    }
    // Its state keys only: no other system's.
    const state = deploy.find((s) => s.sid === "TerraformState")?.resources ?? [];
    expect(state).toEqual(["arn:aws:s3:::iac-ci-tfstate", `arn:aws:s3:::iac-ci-tfstate/${statePrefix}/*`]);
    // Only the lock items may be written by a plan.
    const writes = plan
      .flatMap((s) => s.actions)
      .filter((a) => /:(Create|Delete|Update|Put|Tag|Untag|Add|Remove|Publish|Pass|Schedule|Enable)/.test(a));
    expect(writes.sort()).toEqual(["dynamodb:DeleteItem", "dynamodb:PutItem"]);
    // IAM allows 10,240 characters of inline policy per role (whitespace not counted).
    expect(own?.deployPolicySize).toBeLessThan(10_240);
    console.log(`${system}: deploy policy ${own?.deployPolicySize} characters`);
  });

  test("each system's policy holds the scopes of its own resource types, not another's", () => {
    const sids = (system: string) => statementsOf(system, "Deploy").map((s) => s.sid);
    // The pipeline has no bucket, table, repository or queue; iac-ci has all four.
    expect(sids("sfn-pipeline")).not.toEqual(expect.arrayContaining(["Buckets"]));
    for (const sid of ["Tables", "Repositories", "Queues", "Buckets"]) expect(sids("sfn-pipeline")).not.toContain(sid);
    expect(sids("iac-ci")).toEqual(
      expect.arrayContaining(["Tables", "Repositories", "Queues", "Buckets", "BuildProjects"]),
    );
    expect(sids("model-share")).toContain("Layers");
    expect(sids("iac-ci")).not.toContain("Layers");
    expect(sids("sales-platform")).toEqual(expect.arrayContaining(["QuickSight", "EventRules", "ApiAccount"]));
    // Derived: the sfn-pipeline's scopes are exactly what its stacks' types map to.
    const types = STACKS.filter((s) => s.system === "sfn-pipeline").flatMap((s) =>
      resourceTypesOf(stacks.get(s.name) as AwsStack),
    );
    const expected = scopesFor("sfn-pipeline", types, { namePrefixes: ["x"], account: "1" }).map((s) => s.sid);
    expect(sids("sfn-pipeline")).toEqual(["TerraformState", "TerraformLocks", ...expected, "AccountWideReads"]);
  });

  test("the deploy role can delete what it creates (event invoke configs, alarms, versioned objects)", () => {
    const actions = (system: string) => statementsOf(system, "Deploy").flatMap((s) => s.actions);
    expect(actions("iac-ci")).toContain("lambda:DeleteFunctionEventInvokeConfig");
    expect(actions("sales-platform")).toEqual(expect.arrayContaining(["s3:DeleteObject*", "s3:ListBucketVersions"]));
    expect(RESOURCE_SCOPES.aws_cloudwatch_metric_alarm).toEqual(["Alarms"]);
  });

  test("a resource type no scope covers fails synth, naming it and the system", () => {
    expect(() =>
      scopesFor("demo", ["aws_lambda_function", "aws_elasticache_cluster"], { namePrefixes: ["d"], account: "1" }),
    ).toThrow(
      new UncoveredResourceTypeError(
        "demo's stacks use aws_elasticache_cluster, which no deploy-role scope covers: add the type and the permissions the provider needs for it to RESOURCE_SCOPES in constructs/deploy-permissions.ts (a service the library serves), or to the system's own `deployPermissions` (one only it uses)",
      ),
    );
  });

  test("a policy over IAM's 10,240 characters fails synth, naming the system", () => {
    const app = new App();
    const stack = new AwsStack(app, "probe", { region: "us-east-1", tags: {}, state: { kind: "local", path: "x" } });
    const github = new GithubOidc(stack, "GithubOidc", {
      repository: "acme/x",
      deployEnvironments: ["dev"],
      rolePrefix: "p",
      accountId: "123456789012",
      stateBucket: "b",
      lockTable: "t",
      region: "us-east-1",
    });
    const many = Array.from({ length: 120 }, (_, i) => `sys${i}-prefix-for-everything`);
    expect(() =>
      github.addSystem({
        system: "huge",
        namePrefixes: many,
        statePrefix: "huge",
        resourceTypes: Object.keys(RESOURCE_SCOPES),
      }),
    ).toThrow(/huge's deploy policy is \d+ characters, over IAM's 10240/);
    expect(policySize([{ sid: "A", actions: ["s3:GetObject"], resources: ["arn:aws:s3:::b/*"] }])).toBe(
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Sid: "A", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }],
      }).length,
    );
  });
});
