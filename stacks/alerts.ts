/**
 * A system's alert topic and alarms (constructs/alarms.ts): the topic, encrypted with a key of
 * its own that CloudWatch may use (alarms cannot publish to a topic under the AWS managed
 * `alias/aws/sns` key), e-mail subscribers from the `alert_emails` variable, and the alarms of
 * every function, state machine, dead-letter queue, API and table of the stack.
 */
import { TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import { SystemAlarms } from "../constructs/alarms";
import { Key } from "../constructs/key";
import { NAME_LIMITS } from "../constructs/names";
import { Topic } from "../constructs/topic";

/** The e-mail rule of `alert_emails`, as a Terraform (RE2) pattern in a JSON string. */
export const ALERT_EMAIL_PATTERN = "^[^@\\\\s]+@[^@\\\\s]+\\\\.[^@\\\\s]+$";
/** The service that publishes alarm notifications. */
export const CLOUDWATCH_SERVICE = "cloudwatch.amazonaws.com";

/** A key for an alert topic: CloudWatch alarms may make and open its data keys. */
export function alertTopicKey(scope: Construct, topicName: string, idPrefix = ""): Key {
  return new Key(scope, `${idPrefix}AlertsKey`, {
    description: `Encrypts the ${topicName} topic; CloudWatch alarms may use it to publish`,
    services: [CLOUDWATCH_SERVICE],
  });
}

/**
 * The `alert_emails` variable, and a topic `topicName` (under its own key) with one e-mail
 * subscription per address.
 */
export function alertTopic(
  scope: Construct,
  props: { topicName: string; displayName: string /** Construct id prefix (a system's name). */; idPrefix?: string },
): Topic {
  const { topicName, displayName, idPrefix = "" } = props;
  if (topicName.length > NAME_LIMITS.snsTopic) throw new Error(`alert topic name ${topicName} is too long`);
  const emails = new TerraformVariable(scope, "alert_emails", {
    type: "list(string)",
    default: [],
    nullable: false,
    description: `E-mail addresses subscribed to the ${topicName} topic (alarms going to ALARM and back to OK). Each confirms from the e-mail SNS sends.`,
    validation: [
      {
        condition: `\${alltrue([for e in var.alert_emails : can(regex("${ALERT_EMAIL_PATTERN}", e))])}`,
        errorMessage: "Each alert_emails entry must be an e-mail address such as ops@example.com.",
      },
    ],
  });
  const topic = new Topic(scope, `${idPrefix}AlertsTopic`, {
    topicName,
    displayName,
    key: alertTopicKey(scope, topicName, idPrefix),
  });
  topic.addEmailSubscriptions(emails.listValue);
  return topic;
}

/** Alarms for everything the stack holds (call last in the stack's constructor), to `topic`. */
export function watchStack(scope: Construct, topic: Topic, namePrefix: string, idPrefix = ""): SystemAlarms {
  return new SystemAlarms(scope, `${idPrefix}Alarms`, { topicArn: topic.topicArn, namePrefix }).watchStack();
}
