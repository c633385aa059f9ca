/** The single table's reads and writes (key shapes from the contract). */
import { GetCommand, PutCommand, QueryCommand, type QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import { ddb } from "../../shared/clients/dynamodb";
import { type AnalysisPart, keys, TABLE_KEYS } from "../contract";
import type { StoreDayMetrics } from "./metrics";
import { tableName } from "./settings";

type Item = Record<string, unknown>;

async function queryAll(input: QueryCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await ddb().send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...((out.Items ?? []) as Item[]));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/** `item` without the named attributes. */
function omit(item: Item, names: readonly string[]): Item {
  return Object.fromEntries(Object.entries(item).filter(([k]) => !names.includes(k)));
}

/** The metrics part of a store-day item (keys and bookkeeping stripped). */
function storeDay(item: Item): StoreDayMetrics {
  return omit(item, ["PK", "SK", "GSI1PK", "GSI1SK", "updatedAt"]) as unknown as StoreDayMetrics;
}

/** Writes (or replaces: a re-upload corrects the day) a store's day. */
export async function putStoreDay(m: StoreDayMetrics, now = new Date()): Promise<void> {
  await ddb().send(
    new PutCommand({
      TableName: tableName(),
      Item: {
        ...keys.storeDay(m.storeId, m.date),
        ...keys.storeDayIndex(m.storeId, m.date),
        ...m,
        updatedAt: now.toISOString(),
      },
    }),
  );
}

/** Every store-day of `date` (GSI1), ordered by store id. */
export async function storeDaysOf(date: string): Promise<StoreDayMetrics[]> {
  const items = await queryAll({
    TableName: tableName(),
    IndexName: TABLE_KEYS.gsi1.name,
    KeyConditionExpression: "#pk = :pk",
    ExpressionAttributeNames: { "#pk": TABLE_KEYS.gsi1.partitionKey },
    ExpressionAttributeValues: { ":pk": keys.dateIndexPartition(date) },
  });
  return items.map(storeDay).sort((a, b) => a.storeId.localeCompare(b.storeId));
}

/** The store ids that reported for `date` (keys only). */
export async function storesReported(date: string): Promise<string[]> {
  const items = await queryAll({
    TableName: tableName(),
    IndexName: TABLE_KEYS.gsi1.name,
    KeyConditionExpression: "#pk = :pk",
    ExpressionAttributeNames: { "#pk": TABLE_KEYS.gsi1.partitionKey, "#store": "storeId" },
    ExpressionAttributeValues: { ":pk": keys.dateIndexPartition(date) },
    ProjectionExpression: "#store",
  });
  return items.map((i) => String(i.storeId)).sort();
}

/** A store's days from `from` to `to` (both included), oldest first. */
export async function storeHistory(storeId: string, from: string, to: string): Promise<StoreDayMetrics[]> {
  const items = await queryAll({
    TableName: tableName(),
    KeyConditionExpression: "#pk = :pk AND #sk BETWEEN :from AND :to",
    ExpressionAttributeNames: { "#pk": TABLE_KEYS.partitionKey, "#sk": TABLE_KEYS.sortKey },
    ExpressionAttributeValues: {
      ":pk": keys.storePartition(storeId),
      ":from": keys.dateSort(from),
      ":to": keys.dateSort(to),
    },
  });
  return items.map(storeDay);
}

/** The company's days from `from` to `to`, oldest first. */
export async function companyHistory(from: string, to: string): Promise<Item[]> {
  const items = await queryAll({
    TableName: tableName(),
    KeyConditionExpression: "#pk = :pk AND #sk BETWEEN :from AND :to",
    ExpressionAttributeNames: { "#pk": TABLE_KEYS.partitionKey, "#sk": TABLE_KEYS.sortKey },
    ExpressionAttributeValues: { ":pk": keys.companyPartition, ":from": keys.dateSort(from), ":to": keys.dateSort(to) },
  });
  return items.map((i) => omit(i, ["PK", "SK"]));
}

export async function putCompanyDay(date: string, data: Record<string, unknown>): Promise<void> {
  await ddb().send(new PutCommand({ TableName: tableName(), Item: { ...keys.companyDay(date), ...data } }));
}

/** Stores one part of a day's analysis under `data`. */
export async function putAnalysis(date: string, part: AnalysisPart, data: unknown, now = new Date()): Promise<void> {
  await ddb().send(
    new PutCommand({
      TableName: tableName(),
      Item: { ...keys.analysis(date, part), date, part, data, updatedAt: now.toISOString() },
    }),
  );
}

/** Every stored part of a day's analysis, by part. */
export async function analysisOf(date: string): Promise<Partial<Record<AnalysisPart, unknown>>> {
  const items = await queryAll({
    TableName: tableName(),
    KeyConditionExpression: "#pk = :pk",
    ExpressionAttributeNames: { "#pk": TABLE_KEYS.partitionKey },
    ExpressionAttributeValues: { ":pk": keys.analysisPartition(date) },
  });
  return Object.fromEntries(items.map((i) => [String(i.SK), i.SK === "RUN" ? omit(i, ["PK", "SK"]) : i.data]));
}

export async function getStoreDay(storeId: string, date: string): Promise<StoreDayMetrics | undefined> {
  const out = await ddb().send(new GetCommand({ TableName: tableName(), Key: keys.storeDay(storeId, date) }));
  return out.Item ? storeDay(out.Item) : undefined;
}
