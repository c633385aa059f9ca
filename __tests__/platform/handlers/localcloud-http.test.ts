import { createHash, createHmac } from "node:crypto";
import http from "node:http";
import {
  APIGatewayClient,
  CreateDeploymentCommand,
  CreateStageCommand as CreateRestStageCommand,
  ImportRestApiCommand,
} from "@aws-sdk/client-api-gateway";
import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
} from "@aws-sdk/client-apigatewayv2";
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from "@aws-sdk/client-iam";
import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateFunctionUrlConfigCommand,
  LambdaClient,
  PublishVersionCommand,
} from "@aws-sdk/client-lambda";
import { CreateStateMachineCommand, DescribeExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { SignatureV4 } from "@smithy/signature-v4";
import type { Checksum, SourceData } from "@smithy/types";
import { emulatorClientConfig, emulatorEndpoint } from "../../support/aws";
import { ACCOUNT, makeFunction, makeRole, type PolicyStatement, uniqueName } from "../../support/localcloud";

// The local cloud's HTTP data plane (scripts/localcloud/http_gateway*.py): HTTP APIs, REST APIs
// and function URLs answer HTTP on the emulator's port, with the events, answer mapping,
// routing, IAM authorization and resource-policy checks API Gateway and Lambda apply.
const config = emulatorClientConfig();
const lambda = new LambdaClient(config);
const v2 = new ApiGatewayV2Client(config);
const rest = new APIGatewayClient(config);
const iam = new IAMClient(config);
const sfn = new SFNClient(config);
const REGION = "us-east-1";
jest.setTimeout(90_000);

// Answers by the query's `mode`; otherwise the event itself, as a 201 with headers and cookies.
const ECHO = `
exports.handler = async (event) => {
  const q = event.queryStringParameters || {};
  if (q.mode === "raw") return { hello: "world" };
  if (q.mode === "text") return "plain words";
  if (q.mode === "fail") throw new Error("boom");
  if (q.mode === "binary")
    return { statusCode: 200, headers: { "content-type": "application/octet-stream" }, isBase64Encoded: true,
             body: Buffer.from([0, 1, 2, 255]).toString("base64") };
  return { statusCode: 201, headers: { "content-type": "application/json", "x-echo": "yes" },
           cookies: ["a=1", "b=2"], body: JSON.stringify(event) };
};`;

/** SHA-256 and HMAC-SHA-256 for @smithy/signature-v4, from node:crypto. */
class Sha256 implements Checksum {
  private hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh() {
    return this.secret === undefined ? createHash("sha256") : createHmac("sha256", toBuffer(this.secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === "string") return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  raw: Buffer;
  // biome-ignore lint/suspicious/noExplicitAny: the echoed event, shaped by each test
  json: () => any;
}

interface Call {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Sign with SigV4 for this service with these keys. */
  sign?: { service: string; accessKeyId: string; secretAccessKey: string };
  /** Send this Host header (the Host form: `{id}.execute-api.localhost:{port}`). */
  host?: string;
}

/** One HTTP request to the emulator's port (node:http: any Host header may be sent). */
async function call(pathAndQuery: string, options: Call = {}): Promise<Reply> {
  const endpoint = new URL(emulatorEndpoint());
  const url = new URL(pathAndQuery, endpoint);
  const method = options.method ?? "GET";
  let headers: Record<string, string> = { host: options.host ?? endpoint.host, ...(options.headers ?? {}) };
  if (options.sign) {
    const signer = new SignatureV4({
      service: options.sign.service,
      region: REGION,
      credentials: { accessKeyId: options.sign.accessKeyId, secretAccessKey: options.sign.secretAccessKey },
      sha256: Sha256,
    });
    const query: Record<string, string> = {};
    url.searchParams.forEach((value, key) => {
      query[key] = value;
    });
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: headers.host.split(":")[0],
      port: Number(url.port),
      path: url.pathname,
      query,
      headers,
      body: options.body,
    });
    headers = signed.headers as Record<string, string>;
  }
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: endpoint.hostname,
        port: endpoint.port,
        method,
        path: url.pathname + url.search,
        headers,
        setHost: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const raw = Buffer.concat(chunks);
          const text = raw.toString("utf8");
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text,
            raw,
            json: () => JSON.parse(text),
          });
        });
      },
    );
    request.on("error", reject);
    if (options.body !== undefined) request.write(options.body);
    request.end();
  });
}

function arnOf(name: string): string {
  return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
}

function invokePath(name: string): string {
  return `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${arnOf(name)}/invocations`;
}

async function allowApiGateway(name: string, sourceArn: string, Qualifier?: string): Promise<void> {
  await lambda.send(
    new AddPermissionCommand({
      FunctionName: name,
      Qualifier,
      StatementId: uniqueName("apigw"),
      Action: "lambda:InvokeFunction",
      Principal: "apigateway.amazonaws.com",
      SourceArn: sourceArn,
    }),
  );
}

// Answers the ARN it was invoked by (an alias-qualified one when invoked through an alias).
const WHO = `exports.handler = async (event, context) => ({ statusCode: 200, body: JSON.stringify({ arn: context.invokedFunctionArn }) });`;

/** A function with version 1 behind the aliases `live` and `beta`; returns its name. */
async function makeAliasedFunction(): Promise<string> {
  const name = await makeFunction({ "index.js": WHO }, "index.handler");
  const version = (await lambda.send(new PublishVersionCommand({ FunctionName: name }))).Version;
  for (const alias of ["live", "beta"]) {
    await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: alias, FunctionVersion: version }));
  }
  return name;
}

/** An IAM user with one inline policy (none when empty) and an access key. */
async function makeUser(statements: PolicyStatement[]) {
  const name = uniqueName("lc-caller");
  await iam.send(new CreateUserCommand({ UserName: name }));
  if (statements.length > 0) {
    await iam.send(
      new PutUserPolicyCommand({
        UserName: name,
        PolicyName: "inline",
        PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
      }),
    );
  }
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey;
  if (!key?.AccessKeyId || !key.SecretAccessKey) throw new Error("CreateAccessKey answered no key");
  return {
    arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
    accessKeyId: key.AccessKeyId,
    secretAccessKey: key.SecretAccessKey,
  };
}

describe("HTTP APIs answer HTTP", () => {
  let apiId: string;
  let echo: string;
  let unpermitted: string;
  let machineArn: string;
  let aliased: string;
  const apiPath = (path: string) => `/_apigw/${apiId}${path}`;

  beforeAll(async () => {
    echo = await makeFunction({ "index.js": ECHO }, "index.handler");
    unpermitted = await makeFunction({ "index.js": ECHO }, "index.handler");
    aliased = await makeAliasedFunction();
    const api = await v2.send(
      new CreateApiCommand({
        Name: uniqueName("lc-http"),
        ProtocolType: "HTTP",
        CorsConfiguration: {
          AllowOrigins: ["https://app.example.com"],
          AllowMethods: ["GET", "POST"],
          AllowHeaders: ["content-type"],
          ExposeHeaders: ["x-echo"],
          MaxAge: 300,
        },
      }),
    );
    apiId = api.ApiId ?? "";
    const integration = async (extra: Record<string, unknown>) =>
      (await v2.send(new CreateIntegrationCommand({ ApiId: apiId, IntegrationType: "AWS_PROXY", ...extra })))
        .IntegrationId;
    const v20 = await integration({ IntegrationUri: invokePath(echo), PayloadFormatVersion: "2.0" });
    const v10 = await integration({ IntegrationUri: arnOf(echo), PayloadFormatVersion: "1.0" });
    const none = await integration({ IntegrationUri: arnOf(unpermitted), PayloadFormatVersion: "2.0" });
    const live = await integration({ IntegrationUri: invokePath(`${aliased}:live`), PayloadFormatVersion: "2.0" });
    const beta = await integration({ IntegrationUri: invokePath(`${aliased}:beta`), PayloadFormatVersion: "2.0" });
    const machineRole = await makeRole([], "states.amazonaws.com");
    machineArn =
      (
        await sfn.send(
          new CreateStateMachineCommand({
            name: uniqueName("lc-http-sm"),
            roleArn: machineRole,
            definition: JSON.stringify({ StartAt: "Done", States: { Done: { Type: "Pass", End: true } } }),
          }),
        )
      ).stateMachineArn ?? "";
    const startRole = await makeRole(
      [{ Effect: "Allow", Action: "states:StartExecution", Resource: machineArn }],
      "apigateway.amazonaws.com",
    );
    const start = await integration({
      IntegrationSubtype: "StepFunctions-StartExecution",
      CredentialsArn: startRole,
      RequestParameters: { StateMachineArn: machineArn, Input: "$request.body", Name: "$request.header.x-run-name" },
      PayloadFormatVersion: "1.0",
    });
    const routes: [string, string | undefined, "NONE" | "AWS_IAM"][] = [
      ["GET /orders/{id}", v20, "NONE"],
      ["GET /orders/special", v20, "NONE"],
      ["ANY /{proxy+}", v20, "NONE"],
      ["$default", v20, "NONE"],
      ["POST /webhook", v10, "NONE"],
      ["GET /unpermitted", none, "NONE"],
      ["GET /live", live, "NONE"],
      ["GET /beta", beta, "NONE"],
      ["POST /secure", v20, "AWS_IAM"],
      ["POST /start", start, "NONE"],
    ];
    for (const [RouteKey, id, AuthorizationType] of routes) {
      await v2.send(
        new CreateRouteCommand({ ApiId: apiId, RouteKey, Target: `integrations/${id}`, AuthorizationType }),
      );
    }
    await v2.send(new CreateStageCommand({ ApiId: apiId, StageName: "$default" }));
    await v2.send(new CreateStageCommand({ ApiId: apiId, StageName: "dev", StageVariables: { env: "dev" } }));
    await allowApiGateway(echo, `arn:aws:execute-api:${REGION}:${ACCOUNT}:${apiId}/*/*`);
    // The unpermitted function may be invoked by another API only: its route answers 500.
    await allowApiGateway(unpermitted, `arn:aws:execute-api:${REGION}:${ACCOUNT}:otherapi/*/*`);
    // The alias live may be invoked; beta has no permission of its own (the function's does not cover it).
    await allowApiGateway(aliased, `arn:aws:execute-api:${REGION}:${ACCOUNT}:${apiId}/*/GET/live`, "live");
    await allowApiGateway(aliased, `arn:aws:execute-api:${REGION}:${ACCOUNT}:${apiId}/*/*`);
  });

  test("payload 2.0: the event as AWS documents it, and the function's answer mapped", async () => {
    const reply = await call(apiPath("/orders/42?tag=a&tag=b&empty="), {
      headers: { "X-Custom": "One", Cookie: "c1=v1; c2=v2", "User-Agent": "lc-test" },
    });
    expect(reply.status).toBe(201);
    expect(reply.headers["x-echo"]).toBe("yes");
    expect(reply.headers["set-cookie"]).toEqual(["a=1", "b=2"]);
    expect(reply.headers["apigw-requestid"]).toBeTruthy();
    const event = reply.json();
    expect(event).toMatchObject({
      version: "2.0",
      routeKey: "GET /orders/{id}",
      rawPath: "/orders/42",
      rawQueryString: "tag=a&tag=b&empty=",
      cookies: ["c1=v1", "c2=v2"],
      queryStringParameters: { tag: "a,b", empty: "" },
      pathParameters: { id: "42" },
      isBase64Encoded: false,
    });
    expect(event.headers["x-custom"]).toBe("One");
    expect(event.headers.cookie).toBeUndefined();
    expect(event.body).toBeUndefined();
    expect(event.stageVariables).toBeUndefined();
    const context = event.requestContext;
    expect(context).toMatchObject({
      accountId: ACCOUNT,
      apiId,
      domainPrefix: apiId,
      http: { method: "GET", path: "/orders/42", protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "lc-test" },
      routeKey: "GET /orders/{id}",
      stage: "$default",
      requestId: reply.headers["apigw-requestid"],
    });
    expect(context.domainName).toBe(`${apiId}.execute-api.localhost:${new URL(emulatorEndpoint()).port}`);
    expect(context.time).toMatch(/^\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(Math.abs(context.timeEpoch - Date.now())).toBeLessThan(60_000);
    expect(context.authorizer).toBeUndefined();
  });

  test("route selection: the most specific route wins, {proxy+} is greedy, $default takes the rest", async () => {
    expect((await call(apiPath("/orders/special"))).json().routeKey).toBe("GET /orders/special");
    const greedy = (await call(apiPath("/a/b/c"), { method: "DELETE" })).json();
    expect(greedy).toMatchObject({ routeKey: "ANY /{proxy+}", pathParameters: { proxy: "a/b/c" } });
    expect(greedy.requestContext.http.method).toBe("DELETE");
    expect((await call(apiPath("/"))).json().routeKey).toBe("$default");
  });

  test("a named stage is the first path segment, with its stage variables", async () => {
    const event = (await call(apiPath("/dev/orders/7"))).json();
    expect(event).toMatchObject({
      routeKey: "GET /orders/{id}",
      rawPath: "/dev/orders/7",
      pathParameters: { id: "7" },
      stageVariables: { env: "dev" },
    });
    expect(event.requestContext.stage).toBe("dev");
  });

  test("the Host form {apiId}.execute-api.localhost is the API's ApiEndpoint", async () => {
    const port = new URL(emulatorEndpoint()).port;
    const endpoint = new URL(
      (await v2.send(new CreateApiCommand({ Name: uniqueName("lc-ep"), ProtocolType: "HTTP" }))).ApiEndpoint ?? "",
    );
    expect(endpoint.hostname).toMatch(/^[a-z0-9]+\.execute-api\.localhost$/);
    expect(endpoint.port).toBe(port);
    const reply = await call("/orders/9", { host: `${apiId}.execute-api.localhost:${port}` });
    expect(reply.status).toBe(201);
    expect(reply.json().requestContext.domainName).toBe(`${apiId}.execute-api.localhost:${port}`);
  });

  test("answers without statusCode are 200 JSON; base64 answers are decoded; bodies arrive base64 unless text", async () => {
    const raw = await call(apiPath("/orders/1?mode=raw"));
    expect([raw.status, raw.headers["content-type"], raw.json()]).toEqual([
      200,
      "application/json",
      { hello: "world" },
    ]);
    expect((await call(apiPath("/orders/1?mode=text"))).text).toBe("plain words");
    const binary = await call(apiPath("/orders/1?mode=binary"));
    expect([...binary.raw]).toEqual([0, 1, 2, 255]);
    const json = (
      await call(apiPath("/things"), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"a":1}',
      })
    ).json();
    expect([json.body, json.isBase64Encoded]).toEqual(['{"a":1}', false]);
    const form = (
      await call(apiPath("/things"), {
        method: "POST",
        headers: { "content-type": "application/octet-stream" },
        body: "a=1",
      })
    ).json();
    expect([Buffer.from(form.body, "base64").toString(), form.isBase64Encoded]).toEqual(["a=1", true]);
  });

  test("payload 1.0: the REST-style event, multi-value parts, and the 1.0 answer", async () => {
    const reply = await call(apiPath("/webhook?x=1&x=2"), {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "hi",
    });
    expect(reply.status).toBe(201);
    const event = reply.json();
    expect(event).toMatchObject({
      version: "1.0",
      resource: "/webhook",
      path: "/webhook",
      httpMethod: "POST",
      queryStringParameters: { x: "2" },
      multiValueQueryStringParameters: { x: ["1", "2"] },
      body: "hi",
      isBase64Encoded: false,
      pathParameters: null,
    });
    expect(event.multiValueHeaders["content-type"]).toEqual(["text/plain"]);
    expect(event.requestContext).toMatchObject({
      httpMethod: "POST",
      stage: "$default",
      identity: { sourceIp: "127.0.0.1" },
    });
  });

  test("a function error and a function API Gateway may not invoke both answer 500", async () => {
    const failed = await call(apiPath("/orders/1?mode=fail"));
    expect([failed.status, failed.json()]).toEqual([500, { message: "Internal Server Error" }]);
    const refused = await call(apiPath("/unpermitted"));
    expect([refused.status, refused.json()]).toEqual([500, { message: "Internal Server Error" }]);
    expect((await call(apiPath("/nothing/here"), { method: "PATCH" })).status).toBe(201); // {proxy+} still serves
  });

  test("an alias-qualified invoke ARN runs that alias, and needs a permission on that alias", async () => {
    const live = await call(apiPath("/live"));
    expect([live.status, live.json()]).toEqual([200, { arn: `${arnOf(aliased)}:live` }]);
    const beta = await call(apiPath("/beta"));
    expect([beta.status, beta.json()]).toEqual([500, { message: "Internal Server Error" }]);
  });

  test("CORS: API Gateway answers preflights and sets the configured headers", async () => {
    const preflight = await call(apiPath("/orders/1"), {
      method: "OPTIONS",
      headers: { Origin: "https://app.example.com", "Access-Control-Request-Method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({
      "access-control-allow-origin": "https://app.example.com",
      "access-control-allow-methods": "GET,POST",
      "access-control-allow-headers": "content-type",
      "access-control-max-age": "300",
    });
    const other = await call(apiPath("/orders/1"), {
      method: "OPTIONS",
      headers: { Origin: "https://evil.example.com", "Access-Control-Request-Method": "POST" },
    });
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
    const actual = await call(apiPath("/orders/1"), { headers: { Origin: "https://app.example.com" } });
    expect(actual.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(actual.headers["access-control-expose-headers"]).toBe("x-echo");
  });

  test("AWS_IAM route: unsigned 403, a bad signature 403, a caller without execute-api:Invoke 403, an allowed caller 200", async () => {
    const unsigned = await call(apiPath("/secure"), { method: "POST", body: "{}" });
    expect([unsigned.status, unsigned.json()]).toEqual([403, { message: "Forbidden" }]);
    const allowed = await makeUser([
      {
        Effect: "Allow",
        Action: "execute-api:Invoke",
        Resource: `arn:aws:execute-api:${REGION}:${ACCOUNT}:${apiId}/*/POST/secure`,
      },
    ]);
    const denied = await makeUser([
      {
        Effect: "Allow",
        Action: "execute-api:Invoke",
        Resource: `arn:aws:execute-api:${REGION}:${ACCOUNT}:${apiId}/*/GET/*`,
      },
    ]);
    const body = '{"order":1}';
    const headers = { "content-type": "application/json" };
    const ok = await call(apiPath("/secure"), {
      method: "POST",
      headers,
      body,
      sign: { service: "execute-api", ...allowed },
    });
    expect(ok.status).toBe(201);
    expect(ok.json().requestContext.authorizer.iam).toMatchObject({
      accessKey: allowed.accessKeyId,
      accountId: ACCOUNT,
      userArn: allowed.arn,
    });
    expect(ok.json().body).toBe(body);
    const forbidden = await call(apiPath("/secure"), {
      method: "POST",
      headers,
      body,
      sign: { service: "execute-api", ...denied },
    });
    expect(forbidden.status).toBe(403);
    expect(forbidden.json().message).toContain("is not authorized to perform: execute-api:Invoke");
    const forged = await call(apiPath("/secure"), {
      method: "POST",
      headers,
      body,
      sign: {
        service: "execute-api",
        accessKeyId: allowed.accessKeyId,
        secretAccessKey: `x${allowed.secretAccessKey}`,
      },
    });
    expect(forged.status).toBe(403);
    expect(forged.json().message).toContain("signature we calculated does not match");
    const wrongService = await call(apiPath("/secure"), {
      method: "POST",
      headers,
      body,
      sign: { service: "lambda", ...allowed },
    });
    expect(wrongService.status).toBe(403);
  });

  test("StepFunctions-StartExecution: the body becomes the execution's input, the answer is StartExecution's", async () => {
    const runName = uniqueName("run");
    const reply = await call(apiPath("/start"), {
      method: "POST",
      headers: { "content-type": "application/json", "x-run-name": runName },
      body: '{"hello":"world"}',
    });
    expect(reply.status).toBe(200);
    const { executionArn, startDate } = reply.json();
    expect(executionArn).toBe(`${machineArn.replace(":stateMachine:", ":execution:")}:${runName}`);
    expect(typeof startDate).toBe("number");
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(execution.input).toBe('{"hello":"world"}');
  });
});

describe("REST APIs answer HTTP", () => {
  let restId: string;
  let echo: string;
  const ORIGIN = "https://shop.example.com";

  beforeAll(async () => {
    echo = await makeFunction({ "index.js": ECHO }, "index.handler");
    const integration = {
      type: "aws_proxy",
      httpMethod: "POST",
      uri: invokePath(echo),
      passthroughBehavior: "when_no_match",
    };
    const document = {
      openapi: "3.0.1",
      info: { title: uniqueName("lc-rest"), version: "1", description: "local cloud REST test" },
      paths: {
        "/stores/{storeId}": { get: { operationId: "getStore", "x-amazon-apigateway-integration": integration } },
        "/private": {
          get: { operationId: "getPrivate", security: [{ sigv4: [] }], "x-amazon-apigateway-integration": integration },
        },
        "/{proxy+}": {
          "x-amazon-apigateway-any-method": { "x-amazon-apigateway-integration": integration },
          options: {
            responses: { "200": { description: "CORS preflight answer" } },
            "x-amazon-apigateway-integration": {
              type: "mock",
              requestTemplates: { "application/json": '{"statusCode": 200}' },
              responses: {
                default: {
                  statusCode: "200",
                  responseParameters: {
                    "method.response.header.Access-Control-Allow-Origin": `'${ORIGIN}'`,
                    "method.response.header.Access-Control-Allow-Methods": "'GET,OPTIONS'",
                  },
                },
              },
            },
          },
        },
      },
      components: {
        securitySchemes: {
          sigv4: { type: "apiKey", name: "Authorization", in: "header", "x-amazon-apigateway-authtype": "awsSigv4" },
        },
      },
      "x-amazon-apigateway-gateway-responses": {
        DEFAULT_4XX: { responseParameters: { "gatewayresponse.header.Access-Control-Allow-Origin": `'${ORIGIN}'` } },
      },
    };
    restId = (await rest.send(new ImportRestApiCommand({ body: Buffer.from(JSON.stringify(document)) }))).id ?? "";
    const deployment = await rest.send(new CreateDeploymentCommand({ restApiId: restId }));
    await rest.send(
      new CreateRestStageCommand({
        restApiId: restId,
        stageName: "prod",
        deploymentId: deployment.id,
        variables: { env: "prod" },
      }),
    );
    await allowApiGateway(echo, `arn:aws:execute-api:${REGION}:${ACCOUNT}:${restId}/*`);
  });

  test("AWS_PROXY: the 1.0 proxy event with the resource template, path parameters and stage", async () => {
    const reply = await call(`/_apigw/${restId}/prod/stores/s-1?city=Oslo&city=Rome`, { headers: { "X-Custom": "1" } });
    expect(reply.status).toBe(201);
    expect(reply.headers["x-amzn-requestid"]).toBeTruthy();
    const event = reply.json();
    expect(event).toMatchObject({
      resource: "/stores/{storeId}",
      path: "/stores/s-1",
      httpMethod: "GET",
      pathParameters: { storeId: "s-1" },
      queryStringParameters: { city: "Rome" },
      multiValueQueryStringParameters: { city: ["Oslo", "Rome"] },
      stageVariables: { env: "prod" },
      body: null,
      isBase64Encoded: false,
    });
    expect(event.version).toBeUndefined();
    expect(event.headers["X-Custom"]).toBe("1");
    expect(event.multiValueHeaders["X-Custom"]).toEqual(["1"]);
    expect(event.requestContext).toMatchObject({
      resourcePath: "/stores/{storeId}",
      httpMethod: "GET",
      stage: "prod",
      path: "/prod/stores/s-1",
      accountId: ACCOUNT,
      apiId: restId,
      identity: { sourceIp: "127.0.0.1", userArn: null },
    });
    expect(event.requestContext.requestId).toBe(reply.headers["x-amzn-requestid"]);
  });

  test("{proxy+} with x-amazon-apigateway-any-method takes what no resource matches", async () => {
    const event = (await call(`/_apigw/${restId}/prod/a/b`, { method: "PUT", body: "x" })).json();
    expect(event).toMatchObject({
      resource: "/{proxy+}",
      pathParameters: { proxy: "a/b" },
      httpMethod: "PUT",
      body: "x",
    });
  });

  test("a MOCK OPTIONS method answers the preflight from its integration response", async () => {
    const reply = await call(`/_apigw/${restId}/prod/anything`, { method: "OPTIONS", headers: { Origin: ORIGIN } });
    expect(reply.status).toBe(200);
    expect(reply.headers["access-control-allow-origin"]).toBe(ORIGIN);
    expect(reply.headers["access-control-allow-methods"]).toBe("GET,OPTIONS");
  });

  test("no resource, no method, no stage: 403, with the gateway responses' CORS header", async () => {
    const missing = await call(`/_apigw/${restId}/prod/`);
    expect([missing.status, missing.json()]).toEqual([403, { message: "Missing Authentication Token" }]);
    expect(missing.headers["access-control-allow-origin"]).toBe(ORIGIN);
    const wrongMethod = await call(`/_apigw/${restId}/prod/stores/s-1`, { method: "DELETE" });
    expect(wrongMethod.json()).toEqual({ message: "Missing Authentication Token" });
    expect((await call(`/_apigw/${restId}/staging/stores/s-1`)).status).toBe(403);
  });

  test("a function error is a 502 with REST's message", async () => {
    const failed = await call(`/_apigw/${restId}/prod/stores/s-1?mode=fail`);
    expect([failed.status, failed.json()]).toEqual([502, { message: "Internal server error" }]);
  });

  test("an AWS_IAM method (security sigv4 in the body): unsigned 403 Missing Authentication Token, signed 200", async () => {
    const unsigned = await call(`/_apigw/${restId}/prod/private`);
    expect([unsigned.status, unsigned.json()]).toEqual([403, { message: "Missing Authentication Token" }]);
    const caller = await makeUser([
      {
        Effect: "Allow",
        Action: "execute-api:Invoke",
        Resource: `arn:aws:execute-api:${REGION}:${ACCOUNT}:${restId}/prod/GET/private`,
      },
    ]);
    const signed = await call(`/_apigw/${restId}/prod/private`, { sign: { service: "execute-api", ...caller } });
    expect(signed.status).toBe(201);
    expect(signed.json().requestContext.identity).toMatchObject({
      userArn: caller.arn,
      accessKey: caller.accessKeyId,
      accountId: ACCOUNT,
    });
  });
});

describe("function URLs answer HTTP", () => {
  test("AuthType NONE: the resource policy must allow lambda:InvokeFunctionUrl to *, then the 2.0 event", async () => {
    const name = await makeFunction({ "index.js": ECHO }, "index.handler");
    const url =
      (await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: "NONE" }))).FunctionUrl ??
      "";
    const port = new URL(emulatorEndpoint()).port;
    expect(url).toMatch(new RegExp(`^http://[a-z0-9]+\\.lambda-url\\.localhost:${port}/$`));
    const urlId = new URL(url).hostname.split(".")[0];
    const before = await call(`/_lambda-url/${urlId}/hook`);
    expect([before.status, before.json()]).toEqual([403, { Message: "Forbidden" }]);
    await lambda.send(
      new AddPermissionCommand({
        FunctionName: name,
        StatementId: "FunctionURLAllowPublicAccess",
        Action: "lambda:InvokeFunctionUrl",
        Principal: "*",
        FunctionUrlAuthType: "NONE",
      }),
    );
    const reply = await call(`/_lambda-url/${urlId}/hook?x=1`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"a":1}',
    });
    expect(reply.status).toBe(201);
    expect(reply.headers["set-cookie"]).toEqual(["a=1", "b=2"]);
    const event = reply.json();
    expect(event).toMatchObject({
      version: "2.0",
      routeKey: "$default",
      rawPath: "/hook",
      rawQueryString: "x=1",
      body: '{"a":1}',
      isBase64Encoded: false,
      requestContext: {
        accountId: "anonymous",
        apiId: urlId,
        domainPrefix: urlId,
        routeKey: "$default",
        stage: "$default",
      },
    });
    expect(event.requestContext.http).toMatchObject({ method: "POST", path: "/hook" });
    const hostForm = await call("/via-host", { host: `${urlId}.lambda-url.localhost:${port}` });
    expect(hostForm.json().requestContext.domainName).toBe(`${urlId}.lambda-url.localhost:${port}`);
    const failed = await call(`/_lambda-url/${urlId}/?mode=fail`);
    expect(failed.status).toBe(502);
  });

  test("a URL with a Qualifier invokes that alias", async () => {
    const name = await makeAliasedFunction();
    const url = (
      await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: name, Qualifier: "live", AuthType: "NONE" }))
    ).FunctionUrl;
    await lambda.send(
      new AddPermissionCommand({
        FunctionName: name,
        Qualifier: "live",
        StatementId: "FunctionURLAllowPublicAccess",
        Action: "lambda:InvokeFunctionUrl",
        Principal: "*",
        FunctionUrlAuthType: "NONE",
      }),
    );
    const reply = await call(`/_lambda-url/${new URL(url ?? "").hostname.split(".")[0]}/`);
    expect([reply.status, reply.json()]).toEqual([200, { arn: `${arnOf(name)}:live` }]);
  });

  test("AuthType AWS_IAM: unsigned 403, signed by a caller without lambda:InvokeFunctionUrl 403, allowed 200", async () => {
    const name = await makeFunction({ "index.js": ECHO }, "index.handler");
    const url =
      (await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: "AWS_IAM" })))
        .FunctionUrl ?? "";
    const urlId = new URL(url).hostname.split(".")[0];
    const unsigned = await call(`/_lambda-url/${urlId}/`);
    expect([unsigned.status, unsigned.json()]).toEqual([403, { Message: "Forbidden" }]);
    const stranger = await makeUser([]);
    expect((await call(`/_lambda-url/${urlId}/`, { sign: { service: "lambda", ...stranger } })).status).toBe(403);
    const caller = await makeUser([{ Effect: "Allow", Action: "lambda:InvokeFunctionUrl", Resource: arnOf(name) }]);
    const signed = await call(`/_lambda-url/${urlId}/x`, { sign: { service: "lambda", ...caller } });
    expect(signed.status).toBe(201);
    expect(signed.json().requestContext.authorizer.iam).toMatchObject({ userArn: caller.arn, accountId: ACCOUNT });
    expect(signed.json().requestContext.accountId).toBe(ACCOUNT);
  });
});
