// The trip assistant's data plane in the emulator for one test file: the SecureString parameter
// holding the API key, and (for the API's tests) an image function with a published version and
// a `live` alias, in the system's own region. The handlers reach them through the standard AWS
// SDK environment variables, as in Lambda.
import { randomBytes } from "node:crypto";
import { CreateAliasCommand, CreateFunctionCommand, LambdaClient, PublishVersionCommand } from "@aws-sdk/client-lambda";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { emulatorCredentials, emulatorEndpoint, pointSdkAtEmulator } from "../../../support/aws";
import { ACCOUNT, makeRole, zipOf } from "../../../support/localcloud";

/** The system's default region. */
export const REGION = "us-east-2";

export const clientConfig = () => ({
  endpoint: emulatorEndpoint(),
  region: REGION,
  credentials: emulatorCredentials(),
});

export const uniqueName = (prefix: string): string =>
  `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;

/** Points the handlers' SDK clients at the emulator. */
export async function useEmulator(): Promise<void> {
  pointSdkAtEmulator(REGION);
}

/** A SecureString parameter holding `value`; returns its name. */
export async function putKey(value: string, name = `/trip-assistant-test/${uniqueName("key")}/openai-api-key`) {
  await new SSMClient(clientConfig()).send(
    new PutParameterCommand({ Name: name, Type: "SecureString", Value: value, Overwrite: true }),
  );
  return name;
}

/**
 * The agent as the API sees it: a function on the local cloud with version 1 and a `live` alias
 * on it; returns the alias ARN. It answers whatever the test last stored with `setAgentAnswer`
 * (the test runs the real agent in-process and stores its reply), read from an SSM parameter
 * its role may read, so the API's invocation goes through the local cloud's runtime and IAM.
 */
export async function createAgentWithAlias(functionName: string): Promise<string> {
  const lambda = new LambdaClient(clientConfig());
  const parameter = `/trip-assistant-test/${functionName}/answer`;
  await new SSMClient(clientConfig()).send(
    new PutParameterCommand({ Name: parameter, Type: "String", Value: "null", Overwrite: true }),
  );
  const role = await makeRole([
    { Effect: "Allow", Action: "ssm:GetParameter", Resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${parameter}` },
  ]);
  const code = `
const { SSMClient, GetParameterCommand } = require("@aws-sdk/client-ssm");
const ssm = new SSMClient({});
exports.handler = async () => {
  const out = await ssm.send(new GetParameterCommand({ Name: process.env.ANSWER_PARAMETER }));
  return JSON.parse(out.Parameter.Value);
};`;
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: functionName,
      Runtime: "nodejs22.x",
      Handler: "index.handler",
      Code: { ZipFile: zipOf({ "index.js": code }) },
      Role: role,
      Architectures: ["arm64"],
      Timeout: 30,
      MemorySize: 512,
      Environment: { Variables: { ANSWER_PARAMETER: parameter } },
    }),
  );
  const version = await lambda.send(new PublishVersionCommand({ FunctionName: functionName }));
  const alias = await lambda.send(
    new CreateAliasCommand({ FunctionName: functionName, Name: "live", FunctionVersion: version.Version }),
  );
  return alias.AliasArn as string;
}

/** What the agent function answers from now on (JSON text). */
export async function setAgentAnswer(aliasArn: string, payload: string): Promise<void> {
  const functionName = aliasArn.split(":")[6];
  await new SSMClient(clientConfig()).send(
    new PutParameterCommand({
      Name: `/trip-assistant-test/${functionName}/answer`,
      Type: "String",
      Value: payload,
      Overwrite: true,
    }),
  );
}

export { captureLogs } from "../../../support/logs";
