/** Daily analysis: renders the report, stores it (REPORT) and publishes it to the daily reports topic. */
import { PublishCommand } from "@aws-sdk/client-sns";
import { requireEnv } from "../shared/env";
import { ENV } from "./contract";
import { sns } from "./lib/clients";
import { logger } from "./lib/log";
import { reportSubject, reportText } from "./lib/report";
import { dateOf, type Insights, need } from "./lib/steps";
import { putAnalysis } from "./lib/table";

export interface ReportResult {
  readonly date: string;
  readonly subject: string;
  readonly messageId: string;
  readonly bytes: number;
}

export async function handler(event: { date: string; insights: Insights }): Promise<ReportResult> {
  const date = dateOf(event);
  const insights = need<Insights>(event, "insights");
  const subject = reportSubject(insights);
  const message = reportText(insights);
  await putAnalysis(date, "REPORT", { subject, message });
  const out = await sns().send(
    new PublishCommand({
      TopicArn: requireEnv(ENV.reportsTopicArn),
      Subject: subject,
      Message: message,
      MessageAttributes: { date: { DataType: "String", StringValue: date } },
    }),
  );
  logger.info("report published", { date, messageId: out.MessageId });
  return { date, subject, messageId: out.MessageId as string, bytes: Buffer.byteLength(message, "utf8") };
}
