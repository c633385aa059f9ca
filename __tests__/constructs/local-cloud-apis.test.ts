import { TerraformOutput, Testing } from "cdktf";
import { AwsStack } from "../../constructs/aws-stack";
import { LambdaFunction } from "../../constructs/function";
import { HttpApi } from "../../constructs/http-api";
import { RestApi } from "../../constructs/rest-api";
import { imageCode } from "../support/constructs";
import { toJson } from "../support/synth";

// Against the local cloud the provider skips requesting the account id, which leaves the
// account out of an API's execution_arn and builds AWS host names into invoke URLs: the API
// constructs scope permissions with the caller's account and output the local addresses there.
const stackOn = (endpoint?: string) =>
  new AwsStack(Testing.app(), "apis", {
    region: "us-east-1",
    tags: {},
    state: { kind: "local", path: "t.tfstate" },
    endpoint,
  });

function apis(stack: AwsStack) {
  const fn = (id: string) => new LambdaFunction(stack, id, { functionName: id.toLowerCase(), code: imageCode });
  const http = new HttpApi(stack, "Http", { apiName: "http" });
  http.addLambdaRoute({ method: "GET", path: "/items/{id}", fn: fn("Items") });
  const rest = new RestApi(stack, "Rest", {
    restApiName: "rest",
    openApi: {
      openapi: "3.0.1",
      info: { title: "t", version: "1", description: "d" },
      paths: { "/stores": { get: { operationId: "listStores" } } },
    },
    integrations: { listStores: fn("Stores") },
  });
  new TerraformOutput(stack, "http_url", { value: http.url });
  new TerraformOutput(stack, "rest_url", { value: rest.url });
  const json = toJson(stack);
  const sourceArns = Object.values(json.resource.aws_lambda_permission)
    .map((p) => p.source_arn as string)
    .sort();
  return { json, sourceArns };
}

describe("APIs on the local cloud", () => {
  test("on AWS: the provider's execution ARN and invoke URLs, no caller identity read", () => {
    const { json, sourceArns } = apis(stackOn());
    expect(sourceArns).toEqual([
      expect.stringMatching(/^\$\{aws_api_gateway_rest_api\.Rest_\w+\.execution_arn\}\/\*\/GET\/stores$/),
      expect.stringMatching(/^\$\{aws_apigatewayv2_api\.Http_\w+\.execution_arn\}\/\*\/GET\/items\/\*$/),
    ]);
    expect(json.output.http_url.value).toMatch(/^\$\{aws_apigatewayv2_stage\.Http_DefaultStage_\w+\.invoke_url\}$/);
    expect(json.output.rest_url.value).toMatch(/^\$\{aws_api_gateway_stage\.Rest_Stage_\w+\.invoke_url\}$/);
    expect(json.data?.aws_caller_identity?.LocalCloudCallerIdentity).toBeUndefined();
  });

  test("on the local cloud: permissions name the caller's account; URLs are the local addresses", () => {
    const { json, sourceArns } = apis(stackOn("http://127.0.0.1:4566"));
    const account = "${data.aws_caller_identity.LocalCloudCallerIdentity.account_id}";
    const region = "${data.aws_region.LocalCloudRegion.region}";
    expect(sourceArns).toEqual([
      expect.stringMatching(
        /^arn:aws:execute-api:\$\{data\.aws_region\.LocalCloudRegion\.region\}:\$\{data\.aws_caller_identity\.LocalCloudCallerIdentity\.account_id\}:\$\{aws_api_gateway_rest_api\.Rest_\w+\.id\}\/\*\/GET\/stores$/,
      ),
      expect.stringMatching(/:\$\{aws_apigatewayv2_api\.Http_\w+\.id\}\/\*\/GET\/items\/\*$/),
    ]);
    expect(sourceArns[1].startsWith(`arn:aws:execute-api:${region}:${account}:`)).toBe(true);
    expect(json.output.http_url.value).toMatch(
      /^http:\/\/\$\{aws_apigatewayv2_api\.Http_\w+\.id\}\.execute-api\.localhost:4566\/$/,
    );
    expect(json.output.rest_url.value).toMatch(
      /^http:\/\/\$\{aws_api_gateway_rest_api\.Rest_\w+\.id\}\.execute-api\.localhost:4566\/\$\{aws_api_gateway_stage\.Rest_Stage_\w+\.stage_name\}$/,
    );
  });
});
