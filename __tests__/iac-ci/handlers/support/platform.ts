// A private copy of the platform's data plane in the emulator for one test file: the three
// tables (key schemas as in the deploy stack), both buckets, the webhook secret parameter, the
// watchdog state machine and the CodeBuild project, each with a unique name so test files can
// run in parallel. The handlers find them through the same environment variables as in AWS.
import { randomBytes } from "node:crypto";
import { CodeBuildClient, CreateProjectCommand } from "@aws-sdk/client-codebuild";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateStateMachineCommand, SFNClient } from "@aws-sdk/client-sfn";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import {
  DEFAULT_GIT_COMMANDS,
  ENV,
  FUNCTION_ENV,
  ORDER_NAME_INDEX,
  TABLE_KEYS,
} from "../../../../lambdas/iac-ci/contract";

/** The settings of Git-host orders the handlers get (the stack variable's default). */
export const GIT_ORDER = { commands: [...DEFAULT_GIT_COMMANDS], runner: "lambda", timeout_seconds: 300 } as const;

import { emulatorClientConfig, pointSdkAtEmulator } from "../../../support/aws";
import { makeRole, zipOf } from "../../../support/localcloud";

export interface Platform {
  readonly ordersTable: string;
  readonly eventsTable: string;
  readonly locksTable: string;
  readonly internalBucket: string;
  readonly doneBucket: string;
  readonly secretParameter: string;
  readonly secret: string;
  readonly orchestratorFunction: string;
  readonly workerFunction: string;
  readonly runnerProject: string;
  readonly watchdogStateMachineArn: string;
}

/** A lower-case unique name (valid for buckets, tables, functions). */
export const uniqueName = (prefix: string): string =>
  `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;

/** Points the AWS SDK (of the handlers and of the test) at the emulator through the standard environment variables. */
export async function useEmulator(): Promise<void> {
  pointSdkAtEmulator();
}

export const clients = () => {
  const config = emulatorClientConfig();
  return {
    ddb: DynamoDBDocumentClient.from(new DynamoDBClient(config)),
    s3: new S3Client(config),
    sfn: new SFNClient(config),
    codebuild: new CodeBuildClient(config),
    ssm: new SSMClient(config),
  };
};

/** What creating the platform may take (tables, buckets, two functions, a state machine; a loaded machine is slow). */
export const PLATFORM_SETUP_MS = 60_000;

/** Creates the platform's resources and exports their names as the handlers' environment. */
export async function createPlatform(prefix: string): Promise<Platform> {
  await useEmulator();
  const c = clients();
  const raw = new DynamoDBClient(emulatorClientConfig());
  const p: Platform = {
    ordersTable: uniqueName(`${prefix}-orders`),
    eventsTable: uniqueName(`${prefix}-order-events`),
    locksTable: uniqueName(`${prefix}-locks`),
    internalBucket: uniqueName(`${prefix}-internal`),
    doneBucket: uniqueName(`${prefix}-done`),
    secretParameter: `/iac-ci/test/${uniqueName(prefix)}/webhook-secret`,
    secret: `whsec-${randomBytes(16).toString("hex")}`,
    orchestratorFunction: uniqueName(`${prefix}-orchestrator`),
    workerFunction: uniqueName(`${prefix}-worker`),
    runnerProject: uniqueName(`${prefix}-runner`),
    watchdogStateMachineArn: "",
  };

  // The orchestrator and worker the handlers invoke (asynchronously): functions on the local
  // cloud that accept any event and do nothing; the tests assert what the handlers send them.
  const role = await makeRole();
  const lambda = new LambdaClient(emulatorClientConfig());
  await Promise.all(
    [p.orchestratorFunction, p.workerFunction].map((FunctionName) =>
      lambda.send(
        new CreateFunctionCommand({
          FunctionName,
          Runtime: "nodejs22.x",
          Handler: "index.handler",
          Role: role,
          Code: { ZipFile: zipOf({ "index.js": "exports.handler = async () => null;\n" }) },
        }),
      ),
    ),
  );
  await Promise.all([
    raw.send(
      new CreateTableCommand({
        TableName: p.ordersTable,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: TABLE_KEYS.orders.partitionKey, AttributeType: "S" }],
        KeySchema: [{ AttributeName: TABLE_KEYS.orders.partitionKey, KeyType: "HASH" }],
      }),
    ),
    raw.send(
      new CreateTableCommand({
        TableName: p.eventsTable,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [
          { AttributeName: TABLE_KEYS.orderEvents.partitionKey, AttributeType: "S" },
          { AttributeName: TABLE_KEYS.orderEvents.sortKey, AttributeType: "S" },
          { AttributeName: ORDER_NAME_INDEX.partitionKey, AttributeType: "S" },
          { AttributeName: ORDER_NAME_INDEX.sortKey, AttributeType: "N" },
        ],
        KeySchema: [
          { AttributeName: TABLE_KEYS.orderEvents.partitionKey, KeyType: "HASH" },
          { AttributeName: TABLE_KEYS.orderEvents.sortKey, KeyType: "RANGE" },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: ORDER_NAME_INDEX.name,
            KeySchema: [
              { AttributeName: ORDER_NAME_INDEX.partitionKey, KeyType: "HASH" },
              { AttributeName: ORDER_NAME_INDEX.sortKey, KeyType: "RANGE" },
            ],
            Projection: { ProjectionType: "ALL" },
          },
        ],
      }),
    ),
    raw.send(
      new CreateTableCommand({
        TableName: p.locksTable,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: TABLE_KEYS.locks.partitionKey, AttributeType: "S" }],
        KeySchema: [{ AttributeName: TABLE_KEYS.locks.partitionKey, KeyType: "HASH" }],
      }),
    ),
    c.s3.send(new CreateBucketCommand({ Bucket: p.internalBucket })),
    c.s3.send(new CreateBucketCommand({ Bucket: p.doneBucket })),
    c.ssm.send(new PutParameterCommand({ Name: p.secretParameter, Value: p.secret, Type: "SecureString" })),
    c.codebuild.send(
      new CreateProjectCommand({
        name: p.runnerProject,
        source: { type: "NO_SOURCE", location: "none", buildspec: "version: 0.2" },
        artifacts: { type: "NO_ARTIFACTS" },
        environment: { type: "LINUX_CONTAINER", image: "iac-ci:test", computeType: "BUILD_GENERAL1_SMALL" },
        serviceRole: "arn:aws:iam::123456789012:role/iac-ci-test-runner",
      }),
    ),
  ]);
  const machine = await c.sfn.send(
    new CreateStateMachineCommand({
      name: uniqueName(`${prefix}-watchdog`),
      definition: JSON.stringify({ StartAt: "Done", States: { Done: { Type: "Succeed" } } }),
      roleArn: "arn:aws:iam::123456789012:role/iac-ci-test-watchdog",
    }),
  );
  const platform = { ...p, watchdogStateMachineArn: machine.stateMachineArn as string };

  process.env[ENV.ordersTable] = platform.ordersTable;
  process.env[ENV.orderEventsTable] = platform.eventsTable;
  process.env[ENV.locksTable] = platform.locksTable;
  process.env[ENV.internalBucket] = platform.internalBucket;
  process.env[ENV.doneBucket] = platform.doneBucket;
  process.env[FUNCTION_ENV.webhookSecretParameter] = platform.secretParameter;
  process.env[FUNCTION_ENV.orchestratorFunction] = platform.orchestratorFunction;
  process.env[FUNCTION_ENV.workerFunction] = platform.workerFunction;
  process.env[FUNCTION_ENV.runnerProject] = platform.runnerProject;
  process.env[FUNCTION_ENV.watchdogStateMachine] = platform.watchdogStateMachineArn;
  // What 02-deploy's git_order default gives process_webhook.
  process.env[FUNCTION_ENV.gitOrder] = JSON.stringify(GIT_ORDER);
  return platform;
}

// ---- reading back -------------------------------------------------------------------------------

export async function readOrder(p: Platform, orderId: string): Promise<Record<string, unknown> | undefined> {
  const out = await clients().ddb.send(
    new GetCommand({
      TableName: p.ordersTable,
      Key: { [TABLE_KEYS.orders.partitionKey]: orderId },
      ConsistentRead: true,
    }),
  );
  return out.Item;
}

export async function readEvents(p: Platform, orderId: string): Promise<Record<string, unknown>[]> {
  const out = await clients().ddb.send(
    new QueryCommand({
      TableName: p.eventsTable,
      KeyConditionExpression: "#pk = :pk",
      ExpressionAttributeNames: { "#pk": TABLE_KEYS.orderEvents.partitionKey },
      ExpressionAttributeValues: { ":pk": orderId },
    }),
  );
  return out.Items ?? [];
}

export async function readLockItem(p: Platform, orderName: string): Promise<Record<string, unknown> | undefined> {
  const out = await clients().ddb.send(
    new GetCommand({
      TableName: p.locksTable,
      Key: { [TABLE_KEYS.locks.partitionKey]: orderName },
      ConsistentRead: true,
    }),
  );
  return out.Item;
}

export async function countItems(table: string): Promise<number> {
  const out = await clients().ddb.send(new ScanCommand({ TableName: table, Select: "COUNT", ConsistentRead: true }));
  return out.Count ?? 0;
}

/** An object's text, or undefined when it does not exist. */
export async function readObject(bucket: string, key: string): Promise<string | undefined> {
  try {
    const out = await clients().s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await out.Body?.transformToString("utf8");
  } catch (err) {
    if ((err as { name?: string }).name === "NoSuchKey") return undefined;
    throw err;
  }
}

export async function objectEtag(bucket: string, key: string): Promise<string | undefined> {
  try {
    return (await clients().s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ETag;
  } catch (err) {
    if ((err as { name?: string }).name === "NotFound") return undefined;
    throw err;
  }
}

export { captureLogs } from "../../../support/logs";
