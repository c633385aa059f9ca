import { GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { ddb } from "../../shared/clients/dynamodb";
import { requireEnv } from "../../shared/env";
import { isConditionalCheckFailed } from "../../shared/errors";
import {
  ENV,
  type EventType,
  ORDER_NAME_INDEX,
  ORDER_RETENTION_SECONDS,
  type OrderStatus,
  type Runner,
  TABLE_KEYS,
} from "../contract";
import type { GitSource } from "./github";

const ORDER_PK = TABLE_KEYS.orders.partitionKey;
const EVENT_PK = TABLE_KEYS.orderEvents.partitionKey;
const EVENT_SK = TABLE_KEYS.orderEvents.sortKey;
const TTL = TABLE_KEYS.ttlAttribute;
const BY_NAME = ORDER_NAME_INDEX.partitionKey;
const BY_TIME = ORDER_NAME_INDEX.sortKey;

/** An orders table item (partition key = order id). */
export type OrderItem = Readonly<Record<typeof ORDER_PK, string>> & Readonly<Record<typeof TTL, number>> & OrderFields;

export interface OrderFields {
  readonly order_id: string;
  readonly order_name: string;
  readonly status: OrderStatus;
  readonly runner: Runner;
  readonly timeout_seconds: number;
  readonly command_count: number;
  readonly delivery_id: string;
  readonly body_sha256: string;
  readonly payload_key: string;
  readonly received_at: string;
  /** Epoch seconds (with milliseconds) of receipt. */
  readonly epoch: number;
  readonly updated_at: string;
  readonly waiting_since?: string;
  readonly started_at?: string;
  /** Watchdog deadline of the run, epoch seconds. */
  readonly deadline?: number;
  /** Worker request id or CodeBuild build id. */
  readonly dispatch_ref?: string;
  readonly finished_at?: string;
  readonly exit_code?: number | null;
  readonly reason?: string;
  /** The commit it builds, when the order came from a Git host's delivery. */
  readonly source?: GitSource;
}

/** An order_events item: partition key = order id, sort key = `<ISO time>#<type>` (sorts by time). */
export type EventItem = Readonly<Record<typeof EVENT_PK | typeof EVENT_SK | typeof BY_NAME, string>> &
  /** BY_TIME: epoch seconds (with milliseconds), the sort key of ORDER_NAME_INDEX. */
  Readonly<Record<typeof TTL | typeof BY_TIME, number>> &
  EventFields;

export interface EventFields {
  readonly type: EventType;
  readonly at: string;
  readonly status?: OrderStatus;
  readonly message?: string;
  readonly [extra: string]: unknown;
}

/** Table names, each read only when used: a function is given only the tables it touches. */
export const tables = () => ({
  get orders() {
    return requireEnv(ENV.ordersTable);
  },
  get events() {
    return requireEnv(ENV.orderEventsTable);
  },
  get locks() {
    return requireEnv(ENV.locksTable);
  },
});

/** Epoch seconds with millisecond precision. */
export const epochOf = (date: Date): number => date.getTime() / 1000;
/** The TTL of an item created at `date`. */
export const ttlOf = (date: Date): number => Math.floor(date.getTime() / 1000) + ORDER_RETENTION_SECONDS;

export const eventSortKey = (at: Date, type: EventType): string => `${at.toISOString()}#${type}`;

export async function getOrder(orderId: string): Promise<OrderItem | undefined> {
  const out = await ddb().send(
    new GetCommand({
      TableName: tables().orders,
      Key: { [ORDER_PK]: orderId },
      ConsistentRead: true,
    }),
  );
  return out.Item as OrderItem | undefined;
}

/** An order event as stored (keys, the by-name and by-time index attributes, TTL). */
export function eventItem(
  order: Pick<OrderItem, "order_id" | "order_name">,
  type: EventType,
  at: Date,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    ...extra,
    [EVENT_PK]: order.order_id,
    [EVENT_SK]: eventSortKey(at, type),
    type,
    [BY_NAME]: order.order_name,
    [BY_TIME]: epochOf(at),
    [TTL]: ttlOf(at),
    at: at.toISOString(),
  };
}

/**
 * Writes an event. With `onlyIfAbsent` the write is conditional (used for events whose sort key
 * is deterministic, so a retry writes nothing new); returns false when it already existed.
 */
export async function putEvent(
  order: Pick<OrderItem, "order_id" | "order_name">,
  type: EventType,
  at: Date,
  extra: Record<string, unknown> = {},
  onlyIfAbsent = false,
): Promise<boolean> {
  const item = eventItem(order, type, at, extra);
  try {
    await ddb().send(
      new PutCommand({
        TableName: tables().events,
        Item: item,
        ...(onlyIfAbsent
          ? { ConditionExpression: "attribute_not_exists(#pk)", ExpressionAttributeNames: { "#pk": EVENT_PK } }
          : {}),
      }),
    );
    return true;
  } catch (err) {
    if (onlyIfAbsent && isConditionalCheckFailed(err)) return false;
    throw err;
  }
}

/** All events of an order, oldest first. */
export async function listEvents(orderId: string): Promise<EventItem[]> {
  const events: EventItem[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await ddb().send(
      new QueryCommand({
        TableName: tables().events,
        KeyConditionExpression: "#pk = :pk",
        ExpressionAttributeNames: { "#pk": EVENT_PK },
        ExpressionAttributeValues: { ":pk": orderId },
        ExclusiveStartKey: start,
      }),
    );
    events.push(...((out.Items ?? []) as EventItem[]));
    start = out.LastEvaluatedKey;
  } while (start);
  return events;
}
