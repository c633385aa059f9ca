import { loadConfig } from "../../../config";
import { systemPrefixes } from "../../../stacks/registry";
import { synthPlatform } from "../../support/synth";

describe("GitHub OIDC deploy identity in 00-bootstrap", () => {
  test("is absent unless a repository is configured", () => {
    expect(synthPlatform().bootstrap.resource.aws_iam_openid_connect_provider).toBeUndefined();
  });

  const { bootstrap } = synthPlatform({
    IAC_CI_GITHUB_REPOSITORY: "acme/iac-ci",
    IAC_CI_GITHUB_DEPLOY_ENVIRONMENTS: "dev,prod",
  });
  const roles = Object.values(bootstrap.resource.aws_iam_role);
  const role = (name: string) => roles.find((r) => r.name === name);

  test("the provider trusts GitHub's issuer for audience sts.amazonaws.com", () => {
    const [provider] = Object.values(bootstrap.resource.aws_iam_openid_connect_provider);
    expect(provider).toMatchObject({
      url: "https://token.actions.githubusercontent.com",
      client_id_list: ["sts.amazonaws.com"],
    });
  });

  test("the deploy role trusts only the repository's deploy environments, with aud and sub pinned", () => {
    const trust = JSON.parse(role("iac-ci-github-deploy")?.assume_role_policy);
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

  test("the plan role trusts pull requests and main only", () => {
    const trust = JSON.parse(role("iac-ci-github-plan")?.assume_role_policy);
    expect(trust.Statement[0].Condition["ForAnyValue:StringEquals"]["token.actions.githubusercontent.com:sub"]).toEqual(
      ["repo:acme/iac-ci:pull_request", "repo:acme/iac-ci:ref:refs/heads/main"],
    );
  });

  test("policies name a system's prefix in every ARN; the plan policy cannot write", () => {
    // The policies are policy documents (one mechanism with every other role): read their statements.
    const docs = bootstrap.data.aws_iam_policy_document as Record<string, { statement: Statement[] }>;
    type Statement = { sid: string; actions: string[]; resources: string[] };
    const statementsOf = (role: string) =>
      Object.entries(docs).find(([key]) => key.startsWith(`GithubOidc_${role}_PolicyDocument`))?.[1].statement ?? [];
    const prefixes = systemPrefixes(loadConfig({ env: {} }));
    const allowed = [...prefixes.map((p) => p.namePrefix), ...prefixes.map((p) => p.statePrefix), "iac-ci-tf"];
    expect(allowed).toEqual(expect.arrayContaining(["iac-ci", "fastapi-test", "sfn-pipeline"]));
    const plan = statementsOf("PlanRole");
    const deploy = statementsOf("DeployRole");
    expect(plan.length).toBeGreaterThan(5);
    for (const statement of [...plan, ...deploy]) {
      if (statement.sid === "AccountWideReads") {
        expect(statement.resources).toEqual(["*"]);
        continue;
      }
      for (const arn of statement.resources) {
        // A system's name or state prefix (from the registry), the state store, the account's
        // APIs (API Gateway ARNs carry no name), or the account's keys (AWS-managed aws/ssm).
        const unnamed = statement.sid === "HttpApis" || statement.sid === "ManagedKeys";
        expect(unnamed || allowed.some((prefix) => arn.includes(prefix))).toBe(true);
        expect(arn).not.toBe("*");
      }
    }
    // Every system is covered: its functions and its state keys.
    const functions = deploy.find((s) => s.sid === "Functions")?.resources ?? [];
    expect(functions.join(" ")).toMatch(/function:iac-ci-\*/);
    expect(functions.join(" ")).toMatch(/function:fastapi-test-\*/);
    const state = deploy.find((s) => s.sid === "TerraformState")?.resources ?? [];
    // The store itself, and exactly each system's state keys.
    expect(state).toEqual([
      "arn:aws:s3:::iac-ci-tfstate",
      ...prefixes.map((p) => `arn:aws:s3:::iac-ci-tfstate/${p.statePrefix}/*`),
    ]);
    expect(state).toEqual(
      expect.arrayContaining(["arn:aws:s3:::iac-ci-tfstate/iac-ci/*", "arn:aws:s3:::iac-ci-tfstate/sfn-pipeline/*"]),
    );
    // IAM allows 10,240 characters of inline policy per role (whitespace not counted), with the
    // account id token as the 12 digits it becomes.
    for (const statements of [plan, deploy]) {
      const size = JSON.stringify({
        Version: "2012-10-17",
        Statement: statements.map((s) => ({ Sid: s.sid, Effect: "Allow", Action: s.actions, Resource: s.resources })),
      }).replaceAll("${data.aws_caller_identity.current.account_id}", "123456789012").length;
      console.log(`GitHub role policy: ${size} characters`);
      expect(size).toBeLessThan(10_240);
    }
    const planActions = plan.flatMap((s) => s.actions);
    // Only the lock items may be written by a plan.
    const writes = planActions.filter((a) => /:(Create|Delete|Update|Put|Tag|Untag|Add|Remove)/.test(a));
    expect(writes.sort()).toEqual(["dynamodb:DeleteItem", "dynamodb:PutItem"]);
  });
});
