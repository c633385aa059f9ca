// Alias, and what deploying through one needs from the other constructs: an image function
// whose image a pipeline moves (LambdaFunction code.updatedBy), an HTTP API whose `$default`
// route calls the alias (HttpApi.addDefaultRoute), a repository Lambda may pull from
// (Repository.allowLambdaPull).
import { Alias } from "../../constructs/alias";
import { LambdaFunction } from "../../constructs/function";
import { HttpApi } from "../../constructs/http-api";
import { Role } from "../../constructs/iam";
import { Repository } from "../../constructs/repository";
import { imageCode, newStack, statementsOf } from "../support/constructs";
import { type Json, toJson } from "../support/synth";

const publishedFn = (stack = newStack(), updatedBy?: "terraform" | "pipeline") => {
  const fn = new LambdaFunction(stack, "Fn", {
    functionName: "fn",
    code: { ...imageCode, updatedBy },
    publish: true,
    tracing: false,
    deadLetterQueue: false,
  });
  return { stack, fn };
};
const only = (json: ReturnType<typeof toJson>, type: string): Json => {
  const all = Object.values(json.resource[type] ?? {});
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0];
};

describe("Alias", () => {
  test("GIVEN a publishing function WHEN aliased THEN `live` points at its latest published version, moved by Terraform", () => {
    const { stack, fn } = publishedFn();
    new Alias(stack, "Live", { fn });
    const alias = only(toJson(stack), "aws_lambda_alias");
    expect(alias).toEqual({
      name: "live",
      function_name: expect.stringMatching(/^\$\{aws_lambda_function\.Fn_\w+\.function_name\}$/),
      function_version: expect.stringMatching(/^\$\{aws_lambda_function\.Fn_\w+\.version\}$/),
    });
    expect(alias.lifecycle).toBeUndefined();
  });

  test("GIVEN a pipeline owns the alias THEN Terraform creates it and ignores its version and routing afterwards", () => {
    const { stack, fn } = publishedFn();
    new Alias(stack, "Live", { fn, versionManagedBy: "pipeline", description: "moved by CD" });
    expect(only(toJson(stack), "aws_lambda_alias")).toMatchObject({
      description: "moved by CD",
      lifecycle: { ignore_changes: ["function_version", "routing_config"] },
    });
  });

  test("refuses a function that publishes no versions (unless a version is given) and invalid names", () => {
    const stack = newStack();
    const unpublished = new LambdaFunction(stack, "Plain", { functionName: "plain", code: imageCode });
    expect(() => new Alias(stack, "A", { fn: unpublished })).toThrow(
      /test\/A: function test\/Plain does not publish versions: give it publish: true, or give functionVersion/,
    );
    expect(() => new Alias(stack, "B", { fn: unpublished, functionVersion: "3" })).not.toThrow();
    const { fn } = publishedFn();
    for (const bad of ["123", "has space", "x".repeat(129), ""]) {
      expect(() => new Alias(fn.node.scope as never, `Bad${bad.length}`, { fn, aliasName: bad })).toThrow(
        /must be 1-128 of letters, digits, - and _, and not only digits/,
      );
    }
  });

  test("a grant and a Use name the alias ARN only: callers can invoke no other version", () => {
    const { stack, fn } = publishedFn();
    const alias = new Alias(stack, "Live", { fn });
    const caller = new LambdaFunction(stack, "Caller", {
      functionName: "caller",
      code: imageCode,
      tracing: false,
      deadLetterQueue: false,
      uses: [alias.invoke("TARGET")],
    });
    const json = toJson(stack);
    const invoke = statementsOf(json, "Caller_Role").filter((s: Json) => s.actions.includes("lambda:InvokeFunction"));
    expect(invoke).toEqual([
      {
        sid: "InvokeLive",
        effect: "Allow",
        actions: ["lambda:InvokeFunction"],
        resources: [expect.stringMatching(/^\$\{aws_lambda_alias\.Live_\w+\.arn\}$/)],
      },
    ]);
    expect(caller.environment).toEqual({ TARGET: alias.arn });
    const callerJson = Object.values<Json>(json.resource.aws_lambda_function).find((f) => f.function_name === "caller");
    expect(callerJson.environment.variables).toEqual({
      TARGET: expect.stringMatching(/^\$\{aws_lambda_alias\.Live_\w+\.arn\}$/),
    });
    const role = new Role(stack, "Other", { roleName: "other", assumedBy: { service: "lambda.amazonaws.com" } });
    alias.grantInvoke(role);
    expect(role.policyStatements.map((s) => s.resources)).toEqual([[alias.arn]]);
  });

  test("a service permission is for the alias (its qualifier) and one source ARN", () => {
    const { stack, fn } = publishedFn();
    const alias = new Alias(stack, "Live", { fn });
    alias.allowInvokeFrom("AllowEvents", { principal: "events.amazonaws.com", sourceArn: "arn:aws:events:x" });
    expect(only(toJson(stack), "aws_lambda_permission")).toEqual({
      statement_id: "AllowEvents",
      action: "lambda:InvokeFunction",
      function_name: expect.stringMatching(/aws_lambda_function\.Fn_\w+\.function_name/),
      qualifier: expect.stringMatching(/^\$\{aws_lambda_alias\.Live_\w+\.name\}$/),
      principal: "events.amazonaws.com",
      source_arn: "arn:aws:events:x",
    });
  });
});

describe("LambdaFunction image moved by a pipeline", () => {
  test("code.updatedBy pipeline ignores image_uri after creation; by default Terraform owns the image", () => {
    const moved = publishedFn(newStack(), "pipeline");
    expect(only(toJson(moved.stack), "aws_lambda_function")).toMatchObject({
      package_type: "Image",
      image_uri: imageCode.imageUri,
      publish: true,
      lifecycle: { ignore_changes: ["image_uri"] },
    });
    const owned = publishedFn(newStack());
    expect(only(toJson(owned.stack), "aws_lambda_function").lifecycle).toBeUndefined();
    expect(owned.fn.version).toMatch(/^\$\{TfToken/);
  });
});

describe("HttpApi.addDefaultRoute", () => {
  test("the catch-all $default route proxies to the alias, which API Gateway may invoke for that route only", () => {
    const { stack, fn } = publishedFn();
    const alias = new Alias(stack, "Live", { fn });
    const api = new HttpApi(stack, "Api", { apiName: "api" });
    api.addDefaultRoute({ target: alias, authorization: "NONE" });
    const json = toJson(stack);
    const integration = only(json, "aws_apigatewayv2_integration");
    expect(integration).toMatchObject({
      integration_type: "AWS_PROXY",
      integration_method: "POST",
      payload_format_version: "2.0",
      integration_uri: expect.stringMatching(/^\$\{aws_lambda_alias\.Live_\w+\.invoke_arn\}$/),
    });
    const [integrationKey] = Object.keys(json.resource.aws_apigatewayv2_integration);
    expect(only(json, "aws_apigatewayv2_route")).toMatchObject({
      route_key: "$default",
      authorization_type: "NONE",
      target: `integrations/\${aws_apigatewayv2_integration.${integrationKey}.id}`,
    });
    expect(only(json, "aws_lambda_permission")).toMatchObject({
      statement_id: "AllowApiGatewayApiDefault",
      principal: "apigateway.amazonaws.com",
      qualifier: expect.stringMatching(/aws_lambda_alias\.Live_\w+\.name/),
      source_arn: expect.stringMatching(/^\$\{aws_apigatewayv2_api\.Api_\w+\.execution_arn\}\/\*\/\$default$/),
    });
  });

  test("defaults to AWS_IAM, takes a plain function too, and refuses a second $default route", () => {
    const { stack, fn } = publishedFn();
    const api = new HttpApi(stack, "Api", { apiName: "api" });
    api.addDefaultRoute({ target: fn });
    const json = toJson(stack);
    expect(only(json, "aws_apigatewayv2_route").authorization_type).toBe("AWS_IAM");
    expect(only(json, "aws_apigatewayv2_integration").integration_uri).toMatch(
      /aws_lambda_function\.Fn_\w+\.invoke_arn/,
    );
    expect(only(json, "aws_lambda_permission").qualifier).toBeUndefined();
    expect(() => api.addDefaultRoute({ target: fn })).toThrow(/test\/Api: the \$default route exists already/);
  });
});

describe("Repository.allowLambdaPull", () => {
  test("lets the Lambda service pull for exactly the named functions (and their versions)", () => {
    const stack = newStack();
    const repo = new Repository(stack, "Repo", { repositoryName: "app" });
    const arn = "arn:aws:lambda:us-east-2:123456789012:function:app-dev";
    repo.allowLambdaPull([arn]);
    const policy = only(toJson(stack), "aws_ecr_repository_policy");
    expect(policy.repository).toMatch(/aws_ecr_repository\.Repo_\w+\.name/);
    expect(JSON.parse(policy.policy).Statement).toEqual([
      {
        Sid: "LambdaPull",
        Effect: "Allow",
        Principal: { Service: "lambda.amazonaws.com" },
        Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        Condition: { StringLike: { "aws:SourceArn": [arn, `${arn}:*`] } },
      },
    ]);
    expect(() => repo.allowLambdaPull([arn])).toThrow(/allowLambdaPull was called already/);
    expect(() => new Repository(stack, "Other", { repositoryName: "other" }).allowLambdaPull([])).toThrow(
      /name at least one function ARN/,
    );
  });
});
