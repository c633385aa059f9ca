// Small fixtures on a running local cloud: a role with a given policy, a zip function from inline
// sources. Used by the local cloud's own tests (__tests__/platform/handlers/localcloud-*.test.ts).
import { randomBytes } from "node:crypto";
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import {
  CreateFunctionCommand,
  type CreateFunctionCommandInput,
  InvokeCommand,
  type InvokeCommandOutput,
  LambdaClient,
} from "@aws-sdk/client-lambda";
import { deterministicZip } from "../../constructs/bundle";
import { emulatorClientConfig } from "./aws";

export const ACCOUNT = "123456789012";
export const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString("hex")}`;

export interface PolicyStatement {
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** A role a service may assume, with one inline policy (none when `statements` is empty). */
export async function makeRole(statements: PolicyStatement[] = [], service = "lambda.amazonaws.com"): Promise<string> {
  const iam = new IAMClient(emulatorClientConfig());
  const name = uniqueName("lc-role");
  const role = await iam.send(
    new CreateRoleCommand({
      RoleName: name,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
      }),
    }),
  );
  if (statements.length > 0) {
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: name,
        PolicyName: "inline",
        PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
      }),
    );
  }
  const arn = role.Role?.Arn;
  if (!arn) throw new Error("CreateRole answered no ARN");
  return arn;
}

export type Sources = Record<string, string>;

export function zipOf(sources: Sources): Buffer {
  return deterministicZip(Object.entries(sources).map(([name, text]) => ({ name, data: Buffer.from(text) })));
}

/** Creates a zip function (nodejs22.x unless given) from inline sources; returns its name. */
export async function makeFunction(
  sources: Sources,
  handler: string,
  options: Partial<CreateFunctionCommandInput> & { role?: string } = {},
): Promise<string> {
  const lambda = new LambdaClient(emulatorClientConfig());
  const name = options.FunctionName ?? uniqueName("lc-fn");
  const { role, ...rest } = options;
  await lambda.send(
    new CreateFunctionCommand({
      Runtime: "nodejs22.x",
      Timeout: 5,
      ...rest,
      FunctionName: name,
      Role: role ?? (await makeRole()),
      Handler: handler,
      Code: { ZipFile: zipOf(sources) },
    }),
  );
  return name;
}

export interface Invoked {
  status: number | undefined;
  functionError: string | undefined;
  executedVersion: string | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: a handler's JSON result, shaped by each test
  body: any;
  raw: InvokeCommandOutput;
}

/** Invokes a function (RequestResponse unless given) and parses its JSON answer. */
export async function invoke(
  name: string,
  event: unknown = {},
  extra: { Qualifier?: string; InvocationType?: "RequestResponse" | "Event" | "DryRun"; LogType?: "Tail" } = {},
  client = new LambdaClient(emulatorClientConfig()),
): Promise<Invoked> {
  const raw = await client.send(
    new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(event)), ...extra }),
  );
  const text = raw.Payload ? Buffer.from(raw.Payload).toString("utf8") : "";
  return {
    status: raw.StatusCode,
    functionError: raw.FunctionError,
    executedVersion: raw.ExecutedVersion,
    body: text ? JSON.parse(text) : undefined,
    raw,
  };
}

/** Polls `probe` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  what = "condition",
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * A local cloud URL in the Host form (`http://<id>.execute-api.localhost:<port>/...`, what the
 * stacks output; curl resolves `*.localhost`) in the path form Node's resolver can reach
 * (`http://127.0.0.1:<port>/_apigw/<id>/...`, `/_lambda-url/<id>/...` for function URLs).
 */
export function pathFormOf(url: string): string {
  const parsed = new URL(url);
  const match = /^([^.]+)\.(execute-api|lambda-url)\.localhost$/.exec(parsed.hostname);
  if (!match) throw new Error(`${url} is not a local cloud Host-form URL`);
  const prefix = match[2] === "execute-api" ? "_apigw" : "_lambda-url";
  return `${parsed.protocol}//127.0.0.1:${parsed.port}/${prefix}/${match[1]}${parsed.pathname}${parsed.search}`;
}
