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

  test("policies name the prefix and account in every ARN; the plan policy cannot write", () => {
    const policies = Object.values(bootstrap.resource.aws_iam_role_policy).map((p) => ({
      name: p.name,
      doc: JSON.parse(p.policy),
    }));
    for (const { doc } of policies) {
      for (const statement of doc.Statement) {
        if (statement.Sid === "AccountWideReads") {
          expect(statement.Resource).toBe("*");
          continue;
        }
        for (const arn of statement.Resource as string[]) {
          expect(arn).toMatch(/iac-ci|apigateway/);
          expect(arn).not.toBe("*");
        }
      }
    }
    const plan = policies.find((p) => p.name === "plan")?.doc;
    const planActions: string[] = plan.Statement.flatMap((s: { Action: string[] }) => s.Action);
    // Only the lock items may be written by a plan.
    const writes = planActions.filter((a) => /:(Create|Delete|Update|Put|Tag|Untag|Add|Remove)/.test(a));
    expect(writes.sort()).toEqual(["dynamodb:DeleteItem", "dynamodb:PutItem"]);
  });
});
