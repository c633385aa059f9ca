/**
 * The playground's DynamoDB access: one item per playground table (sort key TABLE_META_KEY) and
 * one per user. Every write says what it expects, so the handler can answer 404/409 from the
 * condition that failed instead of reading first and racing.
 */
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { ddb } from "../shared/clients/dynamodb";
import { cancellationCodes, isConditionalCheckFailed } from "../shared/errors";
import { BY_USER_INDEX, TABLE_KEYS, TABLE_META_KEY, type TableView, type UserView } from "./contract";

export type TableItem = TableView & { readonly username: typeof TABLE_META_KEY };
export type UserItem = UserView;
export type PageKey = Record<string, string>;
export interface Page<T> {
  readonly items: T[];
  readonly last?: PageKey;
}

/** Why a conditional write did not happen. */
export type WriteRefusal = "table_missing" | "table_archived" | "version_conflict";

const metaKey = (tableId: string) => ({ [TABLE_KEYS.partitionKey]: tableId, [TABLE_KEYS.sortKey]: TABLE_META_KEY });
const userKey = (tableId: string, username: string) => ({
  [TABLE_KEYS.partitionKey]: tableId,
  [TABLE_KEYS.sortKey]: username,
});
/** Attempts of a transaction cancelled only by contention with another transaction. */
const TRANSACTION_ATTEMPTS = 5;
/** The table's metadata item exists and is not archived. */
const WRITABLE_TABLE = "attribute_exists(#pk) AND isArchived = :false";

export class Store {
  constructor(private readonly tableName: string) {}

  async getTable(tableId: string): Promise<TableItem | undefined> {
    const out = await ddb().send(
      new GetCommand({ TableName: this.tableName, Key: metaKey(tableId), ConsistentRead: true }),
    );
    return out.Item as TableItem | undefined;
  }

  async getUser(tableId: string, username: string): Promise<UserItem | undefined> {
    const out = await ddb().send(
      new GetCommand({ TableName: this.tableName, Key: userKey(tableId, username), ConsistentRead: true }),
    );
    return out.Item as UserItem | undefined;
  }

  /** Creates the table's metadata item; false when a table of that id exists already. */
  async createTable(table: TableView): Promise<boolean> {
    try {
      await ddb().send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...table, ...metaKey(table.tableId) },
          ConditionExpression: "attribute_not_exists(#pk)",
          ExpressionAttributeNames: { "#pk": TABLE_KEYS.partitionKey },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  /** Playground tables by id (the byUser index, metadata key); `archived` filters. */
  async listTables(limit: number, start: PageKey | undefined, archived?: boolean): Promise<Page<TableItem>> {
    const out = await ddb().send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: BY_USER_INDEX.name,
        KeyConditionExpression: "#u = :meta",
        ...(archived === undefined ? {} : { FilterExpression: "isArchived = :archived" }),
        ExpressionAttributeNames: { "#u": BY_USER_INDEX.partitionKey },
        ExpressionAttributeValues: {
          ":meta": TABLE_META_KEY,
          ...(archived === undefined ? {} : { ":archived": archived }),
        },
        Limit: limit,
        ExclusiveStartKey: start,
      }),
    );
    return { items: (out.Items ?? []) as TableItem[], last: out.LastEvaluatedKey as PageKey | undefined };
  }

  /** Users of a table by username (every sort key after the metadata key). */
  async listUsers(tableId: string, limit: number, start: PageKey | undefined): Promise<Page<UserItem>> {
    const out = await ddb().send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "#pk = :t AND #sk > :meta",
        ExpressionAttributeNames: { "#pk": TABLE_KEYS.partitionKey, "#sk": TABLE_KEYS.sortKey },
        ExpressionAttributeValues: { ":t": tableId, ":meta": TABLE_META_KEY },
        Limit: limit,
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }),
    );
    return { items: (out.Items ?? []) as UserItem[], last: out.LastEvaluatedKey as PageKey | undefined };
  }

  /**
   * Sets table fields and a new version. `expectVersion`: the write happens only if the stored
   * version is this one (safe concurrency); otherwise only if the table exists.
   */
  async updateTable(
    tableId: string,
    changes: { displayName?: string; isArchived?: boolean },
    now: string,
    expectVersion?: number,
  ): Promise<TableItem | WriteRefusal> {
    const sets = ["updatedAt = :now"];
    const values: Record<string, unknown> = { ":now": now, ":one": 1 };
    if (changes.displayName !== undefined) {
      sets.push("displayName = :displayName");
      values[":displayName"] = changes.displayName;
    }
    if (changes.isArchived !== undefined) {
      sets.push("isArchived = :isArchived");
      values[":isArchived"] = changes.isArchived;
    }
    let condition = "attribute_exists(#pk)";
    if (expectVersion !== undefined) {
      condition += " AND version = :expected";
      values[":expected"] = expectVersion;
    }
    try {
      const out = await ddb().send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: metaKey(tableId),
          UpdateExpression: `SET ${sets.join(", ")} ADD version :one`,
          ConditionExpression: condition,
          ExpressionAttributeNames: { "#pk": TABLE_KEYS.partitionKey },
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
        }),
      );
      return out.Attributes as TableItem;
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      return (await this.getTable(tableId)) ? "version_conflict" : "table_missing";
    }
  }

  /**
   * Safe concurrency: writes the user only if its stored version is `baseVersion` (0: it must
   * not exist), in one transaction with the table check (exists, not archived) and, for a new
   * user, the table's userCount increment. Nothing is written unless all of it holds.
   */
  async putUserConditional(user: UserItem, baseVersion: number): Promise<UserItem | WriteRefusal> {
    const names = { "#pk": TABLE_KEYS.partitionKey };
    const isNew = baseVersion === 0;
    const tableCheck = {
      TableName: this.tableName,
      Key: metaKey(user.tableId),
      ConditionExpression: WRITABLE_TABLE,
      ExpressionAttributeNames: names,
    };
    const items: TransactWriteCommandInput["TransactItems"] = [
      isNew
        ? {
            Update: {
              ...tableCheck,
              UpdateExpression: "ADD userCount :one",
              ExpressionAttributeValues: { ":false": false, ":one": 1 },
            },
          }
        : { ConditionCheck: { ...tableCheck, ExpressionAttributeValues: { ":false": false } } },
      {
        Put: {
          TableName: this.tableName,
          Item: { ...user },
          ...(isNew
            ? { ConditionExpression: "attribute_not_exists(#pk)", ExpressionAttributeNames: names }
            : { ConditionExpression: "version = :base", ExpressionAttributeValues: { ":base": baseVersion } }),
        },
      },
    ];
    for (let attempt = 1; ; attempt++) {
      try {
        await ddb().send(new TransactWriteCommand({ TransactItems: items }));
        return user;
      } catch (err) {
        const codes = cancellationCodes(err);
        if (codes.length === 0) throw err;
        if (codes[0] === "ConditionalCheckFailed") {
          const table = await this.getTable(user.tableId);
          if (!table) return "table_missing";
          if (table.isArchived) return "table_archived";
        }
        // Only contention (another transaction on the table item, e.g. a different new user
        // being counted) and no failed condition: nothing was decided, so try again shortly.
        const contention = codes.includes("TransactionConflict") && !codes.includes("ConditionalCheckFailed");
        if (contention && attempt < TRANSACTION_ATTEMPTS) {
          await new Promise((r) => setTimeout(r, 10 * attempt + Math.random() * 40));
          continue;
        }
        // The user's version condition failed, or contention outlasted the attempts.
        return "version_conflict";
      }
    }
  }

  /**
   * Plain writes (safe concurrency off, the original behaviour): sets the user's counts
   * unconditionally (the last writer wins), then counts a new user on the table. The caller
   * checked the table beforehand.
   */
  async putUserPlain(
    tableId: string,
    username: string,
    counts: { submissionCount: number; totalCount: number },
    now: string,
  ): Promise<UserItem> {
    const out = await ddb().send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: userKey(tableId, username),
        UpdateExpression:
          "SET submissionCount = :s, totalCount = :t, lastUpdated = :now, createdAt = if_not_exists(createdAt, :now) ADD version :one",
        ExpressionAttributeValues: { ":s": counts.submissionCount, ":t": counts.totalCount, ":now": now, ":one": 1 },
        ReturnValues: "ALL_NEW",
      }),
    );
    const user = out.Attributes as UserItem;
    // The update that took the version to 1 created the user: it alone counts it.
    if (user.version === 1) {
      await ddb().send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: metaKey(tableId),
          UpdateExpression: "ADD userCount :one",
          ExpressionAttributeValues: { ":one": 1 },
        }),
      );
    }
    return user;
  }
}
