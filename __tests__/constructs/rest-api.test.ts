import { TerraformOutput } from "cdktf";
import { LambdaFunction } from "../../constructs/function";
import { type OpenApiDocument, RestApi } from "../../constructs/rest-api";
import { imageCode, newStack, statementsOf } from "../support/constructs";
import { toJson } from "../support/synth";

const doc = (paths: OpenApiDocument["paths"], description = "An API"): OpenApiDocument => ({
  openapi: "3.0.1",
  info: { title: "t", version: "1", description },
  paths,
});

describe("RestApi", () => {
  test("integrations must match the operations by operationId, and the body needs a description", () => {
    const stack = newStack();
    const fn = new LambdaFunction(stack, "Fn", { functionName: "fn", code: imageCode });
    const paths = { "/items": { get: { operationId: "listItems" }, post: { operationId: "addItem" } } };
    expect(
      () =>
        new RestApi(stack, "A", { restApiName: "a", openApi: doc(paths), integrations: { listItems: fn, other: fn } }),
    ).toThrow(/test\/A: integrations must match the operations; no function for addItem; no operation other/);
    expect(() => new RestApi(stack, "B", { restApiName: "b", openApi: doc(paths, " "), integrations: {} })).toThrow(
      /info.description is required/,
    );
    expect(
      () =>
        new RestApi(stack, "C", {
          restApiName: "c",
          openApi: doc({ "/x": { get: { operationId: "x" }, put: { operationId: "x" } } }),
          integrations: { x: fn },
        }),
    ).toThrow(/operationId x is used twice/);
  });

  test("each operation proxies to its function, which may be invoked for that route only; SigV4 by default", () => {
    const stack = newStack();
    const list = new LambdaFunction(stack, "List", { functionName: "list", code: imageCode });
    const get = new LambdaFunction(stack, "Get", { functionName: "get", code: imageCode });
    new RestApi(stack, "Api", {
      restApiName: "api",
      openApi: doc({
        "/items": { get: { operationId: "listItems" } },
        "/items/{id}": { get: { operationId: "getItem" } },
      }),
      integrations: { listItems: list, getItem: get },
    });
    const json = toJson(stack);
    const api = Object.values(json.resource.aws_api_gateway_rest_api)[0];
    const body = JSON.parse(api.body);
    expect(body.paths["/items"].get).toMatchObject({
      operationId: "listItems",
      security: [{ sigv4: [] }],
      "x-amazon-apigateway-integration": {
        type: "aws_proxy",
        httpMethod: "POST",
        uri: expect.stringMatching(/^\$\{aws_lambda_function\.List_\w+\.invoke_arn\}$/),
      },
    });
    expect(body.components.securitySchemes.sigv4["x-amazon-apigateway-authtype"]).toBe("awsSigv4");
    const permissions = Object.values(json.resource.aws_lambda_permission).map((p) => [
      p.function_name.replace(/^\$\{aws_lambda_function\.([A-Za-z]+)_.*$/, "$1"),
      p.source_arn.replace(/^\$\{[^}]+\}/, "<api>"),
    ]);
    expect(permissions.sort()).toEqual([
      ["Get", "<api>/*/GET/items/*"],
      ["List", "<api>/*/GET/items"],
    ]);
    expect(json.resource.aws_api_gateway_account).toBeUndefined();
  });

  test("the stage logs (access JSON, execution ERROR) for a finite time; redeploys when the body changes; CORS preflight", () => {
    const stack = newStack();
    const fn = new LambdaFunction(stack, "Fn", { functionName: "fn", code: imageCode });
    new RestApi(stack, "Api", {
      restApiName: "api",
      openApi: doc({ "/items": { get: { operationId: "listItems" } } }),
      integrations: { listItems: fn },
      authorization: "NONE",
      cors: { allowOrigin: "https://app.example.com" },
      logRetentionDays: 14,
      accountLogsRoleName: "apigw-logs",
    });
    const json = toJson(stack);
    const [apiKey, api] = Object.entries(json.resource.aws_api_gateway_rest_api)[0];
    const body = JSON.parse(api.body);
    expect(body.paths["/items"].get.security).toBeUndefined();
    expect(
      body.paths["/items"].options["x-amazon-apigateway-integration"].responses.default.responseParameters,
    ).toMatchObject({
      "method.response.header.Access-Control-Allow-Origin": "'https://app.example.com'",
      "method.response.header.Access-Control-Allow-Methods": "'GET,OPTIONS'",
    });
    expect(Object.values(json.resource.aws_api_gateway_deployment)[0].triggers).toEqual({
      redeployment: `\${sha1(aws_api_gateway_rest_api.${apiKey}.body)}`,
    });
    const groups = Object.values(json.resource.aws_cloudwatch_log_group)
      .filter((g) => !g.name.startsWith("/aws/lambda/"))
      .map((g) => [g.name, g.retention_in_days]);
    expect(groups).toEqual([
      ["/aws/apigateway/api/prod", 14],
      [`API-Gateway-Execution-Logs_\${aws_api_gateway_rest_api.${apiKey}.id}/prod`, 14],
    ]);
    const stage = Object.values(json.resource.aws_api_gateway_stage)[0];
    expect(stage).toMatchObject({ stage_name: "prod", xray_tracing_enabled: true });
    expect(stage.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_api_gateway_account\./)]));
    const account = statementsOf(json, "Api_AccountLogsRole");
    expect(account.map((s) => s.resources)).toEqual([
      [
        expect.stringMatching(
          /^arn:\$\{data\.aws_partition\.\w+\.partition\}:logs:\$\{data\.aws_region\.\w+\.region\}:\$\{data\.aws_caller_identity\.\w+\.account_id\}:log-group:\*$/,
        ),
      ],
      ["*"],
    ]);
  });
  test("url: the provider's AWS invoke URL, or the stage's local cloud address when deployed there", () => {
    const stack = newStack();
    const fn = (id: string) => new LambdaFunction(stack, id, { functionName: id.toLowerCase(), code: imageCode });
    const openApi = doc({ "/items": { get: { operationId: "listItems" } } });
    const aws = new RestApi(stack, "Aws", { restApiName: "aws", openApi, integrations: { listItems: fn("F1") } });
    const local = new RestApi(stack, "Local", {
      restApiName: "local",
      openApi,
      integrations: { listItems: fn("F2") },
      stageName: "v1",
      localCloudEndpoint: "http://127.0.0.1:4566",
    });
    new TerraformOutput(stack, "aws_url", { value: aws.url });
    new TerraformOutput(stack, "local_url", { value: local.url });
    const outputs = toJson(stack).output;
    expect(outputs.aws_url.value).toMatch(/^\$\{aws_api_gateway_stage\.Aws_Stage_\w+\.invoke_url\}$/);
    expect(outputs.local_url.value).toMatch(
      /^http:\/\/\$\{aws_api_gateway_rest_api\.Local_\w+\.id\}\.execute-api\.localhost:4566\/\$\{aws_api_gateway_stage\.Local_Stage_\w+\.stage_name\}$/,
    );
    expect(
      () =>
        new RestApi(stack, "Bad", {
          restApiName: "bad",
          openApi,
          integrations: { listItems: fn("F3") },
          localCloudEndpoint: "127.0.0.1 port 5000",
        }),
    ).toThrow(/test\/Bad: local cloud endpoint "127.0.0.1 port 5000" is not a URL/);
  });
});
