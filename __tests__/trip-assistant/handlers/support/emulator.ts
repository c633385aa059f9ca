// The trip assistant's data plane in the emulator for one test file: the SecureString parameter
// holding the API key, and (for the API's tests) an image function with a published version and
// a `live` alias, in the system's own region. The handlers reach them through the standard AWS
// SDK environment variables, as in Lambda.
import { randomBytes } from "node:crypto";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateAliasCommand, CreateFunctionCommand, LambdaClient, PublishVersionCommand } from "@aws-sdk/client-lambda";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { emulatorCredentials, emulatorEndpoint, pointSdkAtEmulator, useMotoLambdaStub } from "../../../support/aws";

/** The seed's region; also keeps moto's Lambda answer queue apart from other systems' tests (us-east-1). */
export const REGION = "us-east-2";

export const clientConfig = () => ({
  endpoint: emulatorEndpoint(),
  region: REGION,
  credentials: emulatorCredentials(),
});

export const uniqueName = (prefix: string): string =>
  `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;

/** Points the handlers' SDK clients at the emulator, and moto's Lambda at its no-Docker stub. */
export async function useEmulator(): Promise<void> {
  pointSdkAtEmulator(REGION);
  await useMotoLambdaStub();
}

/** A SecureString parameter holding `value`; returns its name. */
export async function putKey(value: string, name = `/trip-assistant-test/${uniqueName("key")}/openai-api-key`) {
  await new SSMClient(clientConfig()).send(
    new PutParameterCommand({ Name: name, Type: "SecureString", Value: value, Overwrite: true }),
  );
  return name;
}

/** An arm64 image function with version 1 and a `live` alias on it; returns the alias ARN. */
export async function createAgentWithAlias(functionName: string): Promise<string> {
  const lambda = new LambdaClient(clientConfig());
  const role = await new IAMClient(clientConfig()).send(
    new CreateRoleCommand({
      RoleName: functionName,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
    }),
  );
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: functionName,
      PackageType: "Image",
      Code: { ImageUri: `123456789012.dkr.ecr.${REGION}.amazonaws.com/trip-assistant-agent-test:v1` },
      Role: role.Role?.Arn,
      Architectures: ["arm64"],
      Timeout: 30,
      MemorySize: 512,
    }),
  );
  const version = await lambda.send(new PublishVersionCommand({ FunctionName: functionName }));
  const alias = await lambda.send(
    new CreateAliasCommand({ FunctionName: functionName, Name: "live", FunctionVersion: version.Version }),
  );
  return alias.AliasArn as string;
}

/**
 * The answers moto's Lambda stub gives the next invocations in this region (it runs no code):
 * the test puts there what the agent handler, run in-process, answered.
 */
export async function queueLambdaAnswers(...payloads: string[]): Promise<void> {
  const res = await fetch(`${emulatorEndpoint()}/moto-api/static/lambda-simple/response`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ results: payloads, region: REGION, account_id: "123456789012" }),
  });
  if (res.status !== 201) throw new Error(`moto lambda-simple queue: HTTP ${res.status}`);
}

export { captureLogs } from "../../../support/logs";
