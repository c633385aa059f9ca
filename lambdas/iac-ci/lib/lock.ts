/**
 * The per-target lock: one item per order_name in orchestrator_locks, holding the order id that
 * runs and a lease (the TTL attribute, epoch seconds). A lease past its time counts as free even
 * before DynamoDB's TTL sweep deletes the item.
 */
import { DeleteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { ddb } from "../../shared/clients/dynamodb";
import { isConditionalCheckFailed } from "../../shared/errors";
import { TABLE_KEYS } from "../contract";
import { tables } from "./orders";

export interface LockItem {
  readonly order_id: string;
  readonly acquired_at: string;
  readonly lease_until: number;
}

const PK = TABLE_KEYS.locks.partitionKey;
const TTL = TABLE_KEYS.ttlAttribute;

/**
 * Takes the lock of `orderName` for `orderId` until `leaseUntil` (epoch seconds). Re-entrant for
 * the holder. Returns false when another order holds an unexpired lease.
 */
export async function acquireLock(orderName: string, orderId: string, leaseUntil: number, now: Date): Promise<boolean> {
  try {
    await ddb().send(
      new PutCommand({
        TableName: tables().locks,
        Item: {
          [PK]: orderName,
          order_id: orderId,
          acquired_at: now.toISOString(),
          lease_until: leaseUntil,
          [TTL]: leaseUntil,
        },
        ConditionExpression: "attribute_not_exists(#pk) OR order_id = :me OR #ttl < :now",
        ExpressionAttributeNames: { "#pk": PK, "#ttl": TTL },
        ExpressionAttributeValues: { ":me": orderId, ":now": Math.floor(now.getTime() / 1000) },
      }),
    );
    return true;
  } catch (err) {
    if (isConditionalCheckFailed(err)) return false;
    throw err;
  }
}

/** Releases the lock only if `orderId` still holds it; returns whether it did. */
export async function releaseLock(orderName: string, orderId: string): Promise<boolean> {
  try {
    await ddb().send(
      new DeleteCommand({
        TableName: tables().locks,
        Key: { [PK]: orderName },
        ConditionExpression: "order_id = :me",
        ExpressionAttributeValues: { ":me": orderId },
      }),
    );
    return true;
  } catch (err) {
    if (isConditionalCheckFailed(err)) return false;
    throw err;
  }
}

/** The current lock item of a target, if any (expired or not). */
export async function readLock(orderName: string): Promise<LockItem | undefined> {
  const out = await ddb().send(
    new GetCommand({ TableName: tables().locks, Key: { [PK]: orderName }, ConsistentRead: true }),
  );
  return out.Item as LockItem | undefined;
}
