// A private copy of the sales platform's data plane in the emulator for one test file: the
// single table (keys and GSI1 as the stack declares them), the bucket, the daily reports topic
// with an HTTP subscriber of the test's own (SNS delivers to it as to any HTTPS endpoint, so the
// test reads what was published) and a daily-analysis state machine
// (moto records executions; it runs no Lambda tasks). Names are unique per test file, and the
// handlers find everything through the same environment variables as in AWS.
import { randomBytes } from "node:crypto";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { CreateStateMachineCommand, ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DEFAULT_PREFIXES, ENV, QUICKSIGHT_PREFIX, TABLE_KEYS } from "../../../lambdas/sales-platform/contract";
import { storeIds } from "../../../lambdas/sales-platform/sample/generate";
import { emulatorClientConfig, pointSdkAtEmulator } from "../../support/aws";
import { type SnsSubscriber, startSnsSubscriber } from "./loopback";

export interface SalesPlatform {
  readonly bucket: string;
  readonly table: string;
  readonly reportsTopicArn: string;
  /** Receives what SNS delivers to the reports topic's HTTP subscription. */
  readonly reports: SnsSubscriber;
  readonly dailyAnalysisArn: string;
  readonly stores: readonly string[];
}

export const uniqueName = (prefix: string): string =>
  `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;

export const clients = () => {
  const config = emulatorClientConfig();
  return {
    ddb: DynamoDBDocumentClient.from(new DynamoDBClient(config)),
    s3: new S3Client(config),
    sfn: new SFNClient(config),
    sns: new SNSClient(config),
  };
};

/** Points the AWS SDK of the handlers at the emulator through the standard variables. */
export function useEmulator(): void {
  pointSdkAtEmulator();
}

export async function createSalesPlatform(prefix: string, storeCount = 11): Promise<SalesPlatform> {
  useEmulator();
  const c = clients();
  const raw = new DynamoDBClient(emulatorClientConfig());
  const bucket = uniqueName(`${prefix}-data`);
  const table = uniqueName(`${prefix}-sales`);
  const { gsi1 } = TABLE_KEYS;
  await Promise.all([
    raw.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey, gsi1.partitionKey, gsi1.sortKey].map(
          (AttributeName) => ({ AttributeName, AttributeType: "S" }),
        ),
        KeySchema: [
          { AttributeName: TABLE_KEYS.partitionKey, KeyType: "HASH" },
          { AttributeName: TABLE_KEYS.sortKey, KeyType: "RANGE" },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: gsi1.name,
            KeySchema: [
              { AttributeName: gsi1.partitionKey, KeyType: "HASH" },
              { AttributeName: gsi1.sortKey, KeyType: "RANGE" },
            ],
            Projection: { ProjectionType: "ALL" },
          },
        ],
      }),
    ),
    c.s3.send(new CreateBucketCommand({ Bucket: bucket })),
  ]);
  const topic = await c.sns.send(new CreateTopicCommand({ Name: uniqueName(`${prefix}-reports`) }));
  const reports = await startSnsSubscriber();
  await c.sns.send(new SubscribeCommand({ TopicArn: topic.TopicArn, Protocol: "http", Endpoint: reports.url }));
  const machine = await c.sfn.send(
    new CreateStateMachineCommand({
      name: uniqueName(`${prefix}-daily-analysis`),
      definition: JSON.stringify({ StartAt: "Done", States: { Done: { Type: "Succeed" } } }),
      roleArn: "arn:aws:iam::123456789012:role/sales-test-daily-analysis",
    }),
  );
  const p: SalesPlatform = {
    bucket,
    table,
    reportsTopicArn: topic.TopicArn as string,
    reports,
    dailyAnalysisArn: machine.stateMachineArn as string,
    stores: storeIds(storeCount),
  };
  Object.assign(process.env, {
    [ENV.logLevel]: "ERROR",
    [ENV.bucket]: p.bucket,
    [ENV.table]: p.table,
    [ENV.uploadPrefix]: DEFAULT_PREFIXES.upload,
    [ENV.processedPrefix]: DEFAULT_PREFIXES.processed,
    [ENV.rejectedPrefix]: DEFAULT_PREFIXES.rejected,
    [ENV.quicksightPrefix]: QUICKSIGHT_PREFIX,
    [ENV.expectedStores]: p.stores.join(","),
    [ENV.bedrockModelId]: "amazon.nova-lite-v1:0",
    [ENV.dailyAnalysisArn]: p.dailyAnalysisArn,
    [ENV.reportsTopicArn]: p.reportsTopicArn,
    [ENV.timezone]: "America/New_York",
    [ENV.allowedOrigin]: "http://localhost:3000",
  });
  return p;
}

// ---- reading back -----------------------------------------------------------------------------

export async function putObject(bucket: string, key: string, body: string | Buffer): Promise<void> {
  await clients().s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

export async function readBytes(bucket: string, key: string): Promise<Buffer | undefined> {
  try {
    const out = await clients().s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await (out.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())));
  } catch (err) {
    if ((err as { name?: string }).name === "NoSuchKey") return undefined;
    throw err;
  }
}

export async function listKeys(bucket: string, prefix: string): Promise<string[]> {
  const out = await clients().s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key as string).sort();
}

export async function executions(p: SalesPlatform): Promise<{ name: string; input?: string }[]> {
  const out = await clients().sfn.send(new ListExecutionsCommand({ stateMachineArn: p.dailyAnalysisArn }));
  return (out.executions ?? []).map((e) => ({ name: e.name as string }));
}

/** An API Gateway REST (v1) proxy event. */
export function apiEvent(
  method: string,
  path: string,
  options: { query?: Record<string, string>; body?: unknown } = {},
): import("aws-lambda").APIGatewayProxyEvent {
  return {
    httpMethod: method,
    path,
    resource: path,
    headers: { "content-type": "application/json" },
    multiValueHeaders: {},
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: options.body === undefined ? null : JSON.stringify(options.body),
    isBase64Encoded: false,
    requestContext: {} as import("aws-lambda").APIGatewayProxyEvent["requestContext"],
  };
}
