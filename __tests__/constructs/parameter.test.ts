import { Role } from "../../constructs/iam";
import { SecureParameter } from "../../constructs/parameter";
import { newStack, statementsOf } from "../support/constructs";
import { resourcesOf, toJson } from "../support/synth";

describe("SecureParameter", () => {
  test("a SecureString at its own address; grantRead is ssm:GetParameter on exactly it, once however often granted", () => {
    const stack = newStack();
    const parameter = new SecureParameter(stack, "ApiKey", {
      parameterName: "/app/dev/api-key",
      description: "key",
      value: "${var.api_key}",
    });
    const role = new Role(stack, "R", { roleName: "r", assumedBy: { service: "lambda.amazonaws.com" } });
    const use = parameter.read("API_KEY_PARAMETER");
    expect(use.environment).toEqual({ API_KEY_PARAMETER: parameter.name });
    const grant = use.grant(role);
    parameter.grantRead(role);
    expect(grant.statements.map((s) => s.sid)).toEqual(["ReadApiKey"]);
    const json = toJson(stack);
    // The address is the id given, not nested: a parameter made before this class keeps its state.
    expect(Object.keys(json.resource.aws_ssm_parameter)).toEqual(["ApiKey"]);
    expect(resourcesOf(json, "aws_ssm_parameter")[0]).toMatchObject({ name: "/app/dev/api-key", type: "SecureString" });
    expect(statementsOf(json, "R_PolicyDocument")).toEqual([
      {
        sid: "ReadApiKey",
        effect: "Allow",
        actions: ["ssm:GetParameter"],
        resources: ["${aws_ssm_parameter.ApiKey.arn}"],
      },
    ]);
  });

  test("with a decrypt key, readers may decrypt only through SSM and only this parameter", () => {
    const stack = newStack();
    const parameter = new SecureParameter(stack, "ApiKey", {
      parameterName: "/app/dev/api-key",
      description: "key",
      value: "x",
      decrypt: { keyArn: "arn:aws:kms:us-east-2:123456789012:key/k", region: "us-east-2" },
    });
    const role = new Role(stack, "R", { roleName: "r", assumedBy: { service: "lambda.amazonaws.com" } });
    expect(parameter.grantRead(role).statements.map((s) => s.sid)).toEqual(["ReadApiKey", "DecryptApiKey"]);
    const decrypt = statementsOf(toJson(stack), "R_PolicyDocument").find(
      (s: { sid: string }) => s.sid === "DecryptApiKey",
    );
    expect(decrypt.condition).toEqual([
      { test: "StringEquals", variable: "kms:ViaService", values: ["ssm.us-east-2.amazonaws.com"] },
      {
        test: "StringEquals",
        variable: "kms:EncryptionContext:PARAMETER_ARN",
        values: ["${aws_ssm_parameter.ApiKey.arn}"],
      },
    ]);
  });

  test("a name that is not a path is refused, naming it", () => {
    expect(
      () => new SecureParameter(newStack(), "P", { parameterName: "api-key", description: "d", value: "v" }),
    ).toThrow(/test\/P: parameter name "api-key" must be a path starting with "\/"/);
  });
});
