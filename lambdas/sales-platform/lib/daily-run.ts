/**
 * Starting the daily analysis at most once per day, whoever asks first (check-all-stores when
 * the last store reports, or the scheduled fallback). A conditional write claims the day's RUN
 * item; only the claimant starts the execution, named `daily-<date>` so Step Functions itself
 * refuses a second one too. If the start fails, the claim is released so a retry can start it.
 */
import { StartExecutionCommand } from "@aws-sdk/client-sfn";
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ddb } from "../../shared/clients/dynamodb";
import { sfn } from "../../shared/clients/sfn";
import { requireEnv } from "../../shared/env";
import { errorName, isConditionalCheckFailed } from "../../shared/errors";
import { type DailyAnalysisInput, ENV, keys } from "../contract";
import { logger } from "./log";
import { tableName } from "./settings";

export type StartOutcome =
  | { readonly started: true; readonly executionArn: string; readonly date: string }
  | {
      readonly started: false;
      readonly date: string;
      readonly reason: "already-started";
      /** Who started it, and when. */
      readonly by?: string;
      readonly at?: string;
      readonly executionArn?: string;
    };

export const executionName = (date: string): string => `daily-${date}`;

export async function startDailyAnalysisOnce(
  date: string,
  trigger: DailyAnalysisInput["trigger"],
  now: Date = new Date(),
): Promise<StartOutcome> {
  const table = tableName();
  const key = keys.analysis(date, "RUN");
  try {
    await ddb().send(
      new PutCommand({
        TableName: table,
        Item: { ...key, date, status: "STARTING", trigger, claimedAt: now.toISOString() },
        ConditionExpression: "attribute_not_exists(#pk)",
        ExpressionAttributeNames: { "#pk": "PK" },
      }),
    );
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
    const existing = (await ddb().send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
    logger.info("daily analysis already started", { date, trigger, by: existing?.trigger });
    return {
      started: false,
      date,
      reason: "already-started",
      by: existing?.trigger as string | undefined,
      at: existing?.claimedAt as string | undefined,
      executionArn: existing?.executionArn as string | undefined,
    };
  }

  let executionArn: string;
  try {
    const input: DailyAnalysisInput = { date, trigger };
    const out = await sfn().send(
      new StartExecutionCommand({
        stateMachineArn: requireEnv(ENV.dailyAnalysisArn),
        name: executionName(date),
        input: JSON.stringify(input),
      }),
    );
    executionArn = out.executionArn as string;
  } catch (err) {
    if (errorName(err) === "ExecutionAlreadyExists") {
      // Started before the claim existed (e.g. by hand with the same name): nothing to do.
      logger.warn("daily analysis execution exists already", { date, trigger });
      return { started: false, date, reason: "already-started" };
    }
    await ddb().send(new DeleteCommand({ TableName: table, Key: key }));
    throw err;
  }
  await ddb().send(
    new UpdateCommand({
      TableName: table,
      Key: key,
      UpdateExpression: "SET #status = :started, executionArn = :arn, startedAt = :at",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":started": "STARTED", ":arn": executionArn, ":at": new Date().toISOString() },
    }),
  );
  logger.info("daily analysis started", { date, trigger, executionArn });
  return { started: true, executionArn, date };
}
