import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
} from "@aws-sdk/client-lambda";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { CreateStateMachineCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { CreateTopicCommand, PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { GetParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { deterministicZip } from "../../../constructs/bundle";
import { emulatorClientConfig, emulatorCredentials } from "../../support/aws";

// IAM enforcement in the local cloud (scripts/localcloud/iam_enforcement.py): every request is
// SigV4-verified and authorized against its principal's policies, as AWS does. The admin acts as
// the localcloud-admin user the emulator created at start; a role's session comes from STS.

jest.setTimeout(60_000);

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const id = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
const admin = emulatorClientConfig();
const tableName = (suffix: string) => `iam-${id}-${suffix}`;
const tableArn = (suffix: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${tableName(suffix)}`;
const key = { id: { S: "1" } };

/** A request handler that keeps the last raw answer (status, headers, body), to check the wire shape. */
class Recorder extends NodeHttpHandler {
  last?: { status: number; headers: Record<string, string>; body: string };
  // biome-ignore lint/suspicious/noExplicitAny: the handler's own signature
  override async handle(request: any, options?: any) {
    const { response } = await super.handle(request, options);
    const chunks: Buffer[] = [];
    for await (const chunk of response.body as Readable) chunks.push(Buffer.from(chunk));
    const body = Buffer.concat(chunks);
    this.last = { status: response.statusCode, headers: response.headers, body: body.toString("utf8") };
    response.body = Readable.from([body]);
    return { response };
  }
}

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
const asRole = (credentials: Credentials, requestHandler?: NodeHttpHandler) => ({
  ...admin,
  credentials,
  maxAttempts: 1,
  ...(requestHandler ? { requestHandler } : {}),
});

async function refusal(promise: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  let answer: unknown;
  try {
    answer = await promise;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  // What was answered, and with which request id: find it in build/test-results/handlers-moto.log.
  throw new Error(`the request was not refused; it was answered ${JSON.stringify(answer).slice(0, 400)}`);
}

const dynamo = new DynamoDBClient(admin);
const iam = new IAMClient(admin);
let role: Credentials;
let roleArn: string;
let functionArn: string;
let machineArn: string;
let topicArn: string;

async function createRole(name: string, trust: object, policy?: object): Promise<string> {
  const created = await iam.send(
    new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) }),
  );
  if (policy) {
    await iam.send(
      new PutRolePolicyCommand({ RoleName: name, PolicyName: "only-this", PolicyDocument: JSON.stringify(policy) }),
    );
  }
  return created.Role?.Arn as string;
}

beforeAll(async () => {
  for (const suffix of ["a", "b", "ab"]) {
    await dynamo.send(
      new CreateTableCommand({
        TableName: tableName(suffix),
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    await dynamo.send(new PutItemCommand({ TableName: tableName(suffix), Item: { ...key, n: { N: "0" } } }));
  }
  const trustAccount = {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "sts:AssumeRole" }],
  };
  roleArn = await createRole(`iam-${id}-reader`, trustAccount, {
    Version: "2012-10-17",
    Statement: [
      { Sid: "MixedCaseAction", Effect: "Allow", Action: "DynamoDB:getitem", Resource: tableArn("a") },
      {
        Sid: "FailingConditionDoesNotDeny",
        Effect: "Deny",
        Action: "dynamodb:GetItem",
        Resource: "*",
        Condition: { StringEquals: { "aws:PrincipalTag/team": "nobody" } },
      },
      { Sid: "OneCharacter", Effect: "Allow", Action: "dynamodb:Describe?able", Resource: `${tableArn("")}?` },
      { Sid: "AllButA", Effect: "Allow", Action: "dynamodb:Scan", NotResource: tableArn("a") },
      {
        Sid: "OtherRegionOnly",
        Effect: "Allow",
        Action: "dynamodb:Query",
        Resource: "*",
        Condition: { StringEquals: { "aws:RequestedRegion": "eu-west-1" } },
      },
      { Sid: "UpdateAny", Effect: "Allow", Action: "dynamodb:UpdateItem", Resource: "*" },
      { Sid: "ButNotB", Effect: "Deny", Action: "dynamodb:UpdateItem", Resource: tableArn("b") },
    ],
  });
  const assumed = await new STSClient(admin).send(
    new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "tester" }),
  );
  role = {
    accessKeyId: assumed.Credentials?.AccessKeyId as string,
    secretAccessKey: assumed.Credentials?.SecretAccessKey as string,
    sessionToken: assumed.Credentials?.SessionToken as string,
  };

  const lambdaRole = await createRole(`iam-${id}-fn`, {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
  });
  const zip = deterministicZip([{ name: "index.js", data: Buffer.from("exports.handler = async () => 'hi';\n") }]);
  const fn = await new LambdaClient(admin).send(
    new CreateFunctionCommand({
      FunctionName: `iam-${id}-fn`,
      Runtime: "nodejs22.x",
      Handler: "index.handler",
      Role: lambdaRole,
      Code: { ZipFile: zip },
    }),
  );
  functionArn = fn.FunctionArn as string;
  const machine = await new SFNClient(admin).send(
    new CreateStateMachineCommand({
      name: `iam-${id}-sm`,
      roleArn: lambdaRole,
      definition: JSON.stringify({ StartAt: "Done", States: { Done: { Type: "Succeed" } } }),
    }),
  );
  machineArn = machine.stateMachineArn as string;
  topicArn = (await new SNSClient(admin).send(new CreateTopicCommand({ Name: `iam-${id}-topic` }))).TopicArn as string;
  await new SSMClient(admin).send(
    new PutParameterCommand({ Name: `/iam-${id}/secret`, Value: "v", Type: "String", Overwrite: true }),
  );
});

describe("authentication", () => {
  test("the admin is the localcloud-admin user of the emulator's home credentials", async () => {
    const me = await new STSClient(admin).send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/localcloud-admin`);
    expect(admin.credentials.accessKeyId).toMatch(/^AKIA[A-Z0-9]{16}$/);
    expect(emulatorCredentials().accessKeyId).toBe(admin.credentials.accessKeyId);
  });

  test("an unknown access key is refused, by each service in its own words", async () => {
    const unknown = {
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    };
    expect(await refusal(new STSClient(asRole(unknown)).send(new GetCallerIdentityCommand({})))).toMatchObject({
      name: "InvalidClientTokenId",
      status: 403,
    });
    expect(await refusal(new S3Client(asRole(unknown)).send(new ListBucketsCommand({})))).toMatchObject({
      name: "InvalidAccessKeyId",
      status: 403,
    });
    expect(await refusal(new DynamoDBClient(asRole(unknown)).send(new ListTablesCommand({})))).toMatchObject({
      name: "UnrecognizedClientException",
      status: 400,
    });
  });

  test("a wrong secret or session token fails; nothing unsigned gets in", async () => {
    // The last character changed (to one it is not: the secret is random per emulator start).
    const secret = admin.credentials.secretAccessKey;
    const wrong = {
      ...admin.credentials,
      secretAccessKey: `${secret.slice(0, -1)}${secret.endsWith("x") ? "y" : "x"}`,
    };
    expect(await refusal(new DynamoDBClient(asRole(wrong)).send(new ListTablesCommand({})))).toMatchObject({
      name: "InvalidSignatureException",
    });
    expect(await refusal(new S3Client(asRole(wrong)).send(new ListBucketsCommand({})))).toMatchObject({
      name: "SignatureDoesNotMatch",
      status: 403,
    });
    const badToken = { ...role, sessionToken: `${role.sessionToken}x` };
    expect(await refusal(new DynamoDBClient(asRole(badToken)).send(new ListTablesCommand({})))).toMatchObject({
      name: "UnrecognizedClientException",
    });
    const unsigned = await fetch(admin.endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.ListTables" },
      body: "{}",
    });
    expect(unsigned.status).toBe(400);
    expect(await unsigned.json()).toMatchObject({ __type: "MissingAuthenticationTokenException" });
  });

  test("signed GETs verify: S3 listing with special characters in the prefix, GetObject, Lambda GetFunction", async () => {
    const s3 = new S3Client(admin);
    const bucket = `iam-${id}-get`;
    const objectKey = "dir one/a b+c=d&é.txt";
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: objectKey, Body: "hello" }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "dir one/a b+c=" }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual([objectKey]);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: objectKey }));
    expect(await got.Body?.transformToString()).toBe("hello");
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toContain(bucket);
    const lambda = new LambdaClient(admin);
    expect((await lambda.send(new GetFunctionCommand({ FunctionName: functionArn }))).Configuration?.FunctionArn).toBe(
      functionArn,
    );
    expect((await lambda.send(new ListFunctionsCommand({ MaxItems: 50 }))).Functions?.length).toBeGreaterThan(0);
  });

  test("a presigned S3 PUT and GET work; a tampered or re-pointed presigned URL does not", async () => {
    const s3 = new S3Client(admin);
    const bucket = `iam-${id}-presigned`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const objectKey = "up loads/report+1.json";
    const put = await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: objectKey }), { expiresIn: 60 });
    expect((await fetch(put, { method: "PUT", body: '{"ok":true}' })).status).toBe(200);
    const get = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: objectKey }), { expiresIn: 60 });
    const answer = await fetch(get);
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe('{"ok":true}');

    const signature = new URL(get).searchParams.get("X-Amz-Signature") as string;
    const flipped = `${signature.slice(0, -1)}${signature.endsWith("0") ? "1" : "0"}`;
    const tampered = await fetch(get.replace(signature, flipped));
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain("<Code>SignatureDoesNotMatch</Code>");
    const elsewhere = await fetch(get.replace(encodeURIComponent("report+1"), "report-2"));
    expect(elsewhere.status).toBe(403);
  });
});

describe("authorization of a role's session (its inline policy, nothing else)", () => {
  test("GetItem on table A is allowed by an action written DynamoDB:getitem; a Deny whose condition fails does not deny", async () => {
    const reader = new DynamoDBClient(asRole(role));
    expect((await reader.send(new GetItemCommand({ TableName: tableName("a"), Key: key }))).Item?.id?.S).toBe("1");
    const me = await new STSClient(asRole(role)).send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/iam-${id}-reader/tester`);
  });

  test("PutItem on A is refused in DynamoDB's JSON shape, naming the action and the table", async () => {
    const recorder = new Recorder();
    const reader = new DynamoDBClient(asRole(role, recorder));
    const refused = await refusal(reader.send(new PutItemCommand({ TableName: tableName("a"), Item: key })));
    const message =
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/iam-${id}-reader/tester is not authorized to perform: ` +
      `dynamodb:PutItem on resource: ${tableArn("a")} because no identity-based policy allows the dynamodb:PutItem action`;
    expect(refused).toEqual({ name: "AccessDeniedException", message, status: 400 });
    expect(recorder.last?.headers["x-amzn-errortype"]).toBe("AccessDeniedException");
    expect(JSON.parse(recorder.last?.body ?? "{}")).toEqual({ __type: "AccessDeniedException", message });
  });

  test("GetItem on table B is refused: the Allow names table A only", async () => {
    const refused = await refusal(
      new DynamoDBClient(asRole(role)).send(new GetItemCommand({ TableName: tableName("b"), Key: key })),
    );
    expect(refused.name).toBe("AccessDeniedException");
    expect(refused.message).toContain(`dynamodb:GetItem on resource: ${tableArn("b")}`);
  });

  test("? matches exactly one character (table a and b, not ab)", async () => {
    const reader = new DynamoDBClient(asRole(role));
    for (const suffix of ["a", "b"]) {
      const table = await reader.send(new DescribeTableCommand({ TableName: tableName(suffix) }));
      expect(table.Table?.TableName).toBe(tableName(suffix));
    }
    expect(await refusal(reader.send(new DescribeTableCommand({ TableName: tableName("ab") })))).toMatchObject({
      name: "AccessDeniedException",
    });
  });

  test("an Allow with NotResource allows everything but the listed table", async () => {
    const reader = new DynamoDBClient(asRole(role));
    expect((await reader.send(new ScanCommand({ TableName: tableName("b") }))).Count).toBe(1);
    expect(await refusal(reader.send(new ScanCommand({ TableName: tableName("a") })))).toMatchObject({
      name: "AccessDeniedException",
    });
  });

  test("an Allow whose StringEquals condition fails allows nothing", async () => {
    const refused = await refusal(
      new DynamoDBClient(asRole(role)).send(
        new QueryCommand({
          TableName: tableName("a"),
          KeyConditionExpression: "id = :id",
          ExpressionAttributeValues: { ":id": { S: "1" } },
        }),
      ),
    );
    expect(refused).toMatchObject({ name: "AccessDeniedException" });
    expect(refused.message).toContain("because no identity-based policy allows the dynamodb:Query action");
  });

  test("an explicit Deny wins over the Allow, also for one table of a transaction", async () => {
    const writer = new DynamoDBClient(asRole(role));
    const update = (suffix: string) => ({
      TableName: tableName(suffix),
      Key: key,
      UpdateExpression: "SET n = n + :one",
      ExpressionAttributeValues: { ":one": { N: "1" } },
    });
    await writer.send(new UpdateItemCommand(update("a")));
    const denied = await refusal(writer.send(new UpdateItemCommand(update("b"))));
    expect(denied.message).toContain(
      `dynamodb:UpdateItem on resource: ${tableArn("b")} with an explicit deny in an identity-based policy`,
    );
    const transaction = await refusal(
      writer.send(new TransactWriteItemsCommand({ TransactItems: [{ Update: update("a") }, { Update: update("b") }] })),
    );
    expect(transaction.message).toContain(`dynamodb:UpdateItem on resource: ${tableArn("b")}`);
    const a = await dynamo.send(new GetItemCommand({ TableName: tableName("a"), Key: key }));
    expect(a.Item?.n?.N).toBe("1");
  });

  test("other services name the resource AWS checks: Lambda (403 JSON), Step Functions, SSM, SNS", async () => {
    const recorder = new Recorder();
    const invoke = await refusal(
      new LambdaClient(asRole(role, recorder)).send(
        new InvokeCommand({ FunctionName: functionArn, Qualifier: "$LATEST" }),
      ),
    );
    expect(invoke).toMatchObject({ name: "AccessDeniedException", status: 403 });
    expect(invoke.message).toContain(`lambda:InvokeFunction on resource: ${functionArn}:$LATEST`);
    expect(recorder.last?.headers["x-amzn-errortype"]).toBe("AccessDeniedException");

    const start = await refusal(
      new SFNClient(asRole(role)).send(new StartExecutionCommand({ stateMachineArn: machineArn })),
    );
    expect(start.message).toContain(`states:StartExecution on resource: ${machineArn}`);
    const parameter = await refusal(
      new SSMClient(asRole(role)).send(new GetParameterCommand({ Name: `/iam-${id}/secret` })),
    );
    expect(parameter.message).toContain(
      `ssm:GetParameter on resource: arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/iam-${id}/secret`,
    );
    const publish = await refusal(
      new SNSClient(asRole(role)).send(new PublishCommand({ TopicArn: topicArn, Message: "m" })),
    );
    expect(publish).toMatchObject({ name: "AuthorizationErrorException", status: 403 });
    expect(publish.message).toContain(`sns:Publish on resource: ${topicArn}`);
  });

  test("AssumeRole needs the role's trust: the admin cannot assume a role only Lambda may assume", async () => {
    const serviceRole = await createRole(`iam-${id}-svc`, {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
    const refused = await refusal(
      new STSClient(admin).send(new AssumeRoleCommand({ RoleArn: serviceRole, RoleSessionName: "nope" })),
    );
    expect(refused).toMatchObject({ name: "AccessDenied", status: 403 });
    expect(refused.message).toContain(`sts:AssumeRole on resource: ${serviceRole}`);
  });
});
