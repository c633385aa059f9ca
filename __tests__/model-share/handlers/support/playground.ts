// A private copy of the playground's DynamoDB table in the emulator for one test file, created
// from the key schema and index the stack synthesizes (not restated by hand), with a unique
// name so test files run in parallel. The handler finds it through the same environment
// variables as in AWS, and its requests are shaped as API Gateway's payload format 2.0.
import { randomBytes } from "node:crypto";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { ENV, ROUTES, type Route, type RouteName, routeKeyOf } from "../../../../lambdas/model-share/contract";
import { emulatorClientConfig, pointSdkAtEmulator } from "../../../support/aws";
import { type Json, resourcesOf, synthApp } from "../../../support/synth";

export const uniqueName = (prefix: string): string =>
  `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;

/** The synthesized playground table (aws_dynamodb_table of the model-share stack). */
export function synthesizedTable(): Json {
  const tables = resourcesOf(synthApp().json("model-share"), "aws_dynamodb_table");
  if (tables.length !== 1) throw new Error(`expected one table in model-share, found ${tables.length}`);
  return tables[0];
}

/** Points the AWS SDK (the handler's and the test's) at the emulator through the standard variables. */
export function useEmulator(): void {
  pointSdkAtEmulator();
}

/**
 * Creates a table with the synthesized key schema and indexes under `name` and sets the
 * function's environment (safe concurrency on, the given CORS origins).
 */
export async function createPlayground(prefix: string, cors = "https://app.example.org"): Promise<string> {
  useEmulator();
  const spec = synthesizedTable();
  const name = uniqueName(prefix);
  await new DynamoDBClient(emulatorClientConfig()).send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: spec.attribute.map((a: Json) => ({ AttributeName: a.name, AttributeType: a.type })),
      KeySchema: [
        { AttributeName: spec.hash_key, KeyType: "HASH" },
        ...(spec.range_key ? [{ AttributeName: spec.range_key, KeyType: "RANGE" as const }] : []),
      ],
      GlobalSecondaryIndexes: (spec.global_secondary_index ?? []).map((i: Json) => ({
        IndexName: i.name,
        KeySchema: [
          { AttributeName: i.hash_key, KeyType: "HASH" },
          ...(i.range_key ? [{ AttributeName: i.range_key, KeyType: "RANGE" as const }] : []),
        ],
        Projection: { ProjectionType: i.projection_type },
      })),
    }),
  );
  process.env[ENV.table] = name;
  process.env[ENV.safeConcurrency] = "true";
  process.env[ENV.corsAllowOrigins] = cors;
  return name;
}

/** Every item of the table, sorted by key: what "nothing was written" is compared on. */
export async function allItems(table: string): Promise<Record<string, unknown>[]> {
  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient(emulatorClientConfig()));
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await ddb.send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  const key = (i: Record<string, unknown>) => `${i.tableId}\u0000${i.username}`;
  return items.sort((a, b) => (key(a) < key(b) ? -1 : 1));
}

export interface RequestOptions {
  readonly path?: Record<string, string>;
  readonly query?: Record<string, string>;
  /** An object is sent as JSON; a string as is. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Override the HTTP method (OPTIONS preflights). */
  readonly method?: string;
}

/** An HTTP API (payload 2.0) event for one of the seven routes. */
export function requestEvent(route: RouteName | "unknown", options: RequestOptions = {}): APIGatewayProxyEventV2 {
  const r: Route = route === "unknown" ? { method: "GET", path: "/nowhere" } : ROUTES[route];
  const path = options.path ?? {};
  const rawPath = r.path.replace(/\{(\w+)\}/g, (_, p: string) => path[p] ?? "");
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === "string"
        ? options.body
        : JSON.stringify(options.body);
  return {
    version: "2.0",
    routeKey: route === "unknown" ? "GET /nowhere" : routeKeyOf(r),
    rawPath,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: { "content-type": "application/json", ...(options.headers ?? {}) },
    pathParameters: Object.keys(path).length ? path : undefined,
    queryStringParameters: options.query,
    body,
    isBase64Encoded: false,
    requestContext: {
      accountId: "123456789012",
      apiId: "api",
      domainName: "api.example.org",
      domainPrefix: "api",
      http: {
        method: options.method ?? r.method,
        path: rawPath,
        protocol: "HTTP/1.1",
        sourceIp: "127.0.0.1",
        userAgent: "jest",
      },
      requestId: randomBytes(8).toString("hex"),
      routeKey: route === "unknown" ? "GET /nowhere" : routeKeyOf(r),
      stage: "$default",
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
  } as APIGatewayProxyEventV2;
}

export { captureLogs as quietLogs } from "../../../support/logs";
