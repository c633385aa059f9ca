import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { type IResolvable, TerraformIterator, Token } from "cdktf";
import { Construct } from "constructs";
import { combineGrants, type Grant, grantTo, type IGrantable, sidFor, type Use, use } from "./iam";
import type { Key } from "./key";
import { NAME_LIMITS } from "./names";

export type SubscriptionProtocol = "email" | "email-json" | "sms" | "https" | "sqs" | "lambda";

export interface SubscriptionOptions {
  readonly protocol: SubscriptionProtocol;
  /** Address, phone number (E.164), URL or ARN; may be a Terraform expression. */
  readonly endpoint: string;
  /**
   * Whether the subscription exists: a boolean, or a Terraform boolean (e.g. `var.phone != ""`)
   * that makes it a counted resource switched at plan time. @default true
   */
  readonly enabled?: boolean | IResolvable;
  /** SNS filter policy (JSON object) on message attributes. @default every message */
  readonly filterPolicy?: Readonly<Record<string, unknown>>;
}

export interface TopicProps {
  /** Physical name, 1-256 of letters, digits, _ and - (a `.fifo` suffix is not supported here). */
  readonly topicName: string;
  /** Shown as the sender name of e-mail and SMS messages. @default none */
  readonly displayName?: string;
  /**
   * KMS key (id, ARN or alias) encrypting messages at rest. The AWS managed `alias/aws/sns` key
   * lets account principals publish through SNS without KMS grants (its key policy allows it);
   * give a customer managed key when services such as CloudWatch alarms or EventBridge must
   * publish (`key`). @default "alias/aws/sns"
   */
  readonly kmsMasterKeyId?: string;
  /**
   * A customer managed key encrypting messages at rest (instead of `kmsMasterKeyId`): services
   * its key policy names (CloudWatch alarms, say) can publish, and `grantPublish` also grants
   * the key's use, which a publisher to a topic under such a key needs. @default none
   */
  readonly key?: Key;
}

/**
 * An SNS topic, encrypted at rest, with subscriptions (each optionally switched at plan time)
 * and grants: `grantPublish(grantee)` allows sns:Publish on exactly this topic, `publish(env)`
 * is the same as a Use carrying the topic ARN in an env var.
 */
export class Topic extends Construct {
  private readonly memo: Record<string, string> = {};
  readonly resource: SnsTopic;
  private readonly subscriptions: SnsTopicSubscription[] = [];
  /** The customer managed key encrypting the topic, if any. */
  readonly key?: Key;

  constructor(scope: Construct, id: string, props: TopicProps) {
    super(scope, id);
    const { topicName, displayName, key } = props;
    if (key && props.kmsMasterKeyId !== undefined) {
      throw new Error(`${this.node.path}: give key or kmsMasterKeyId, not both`);
    }
    const kmsMasterKeyId = key ? key.arn : (props.kmsMasterKeyId ?? "alias/aws/sns");
    this.key = key;
    if (
      !Token.isUnresolved(topicName) &&
      (!/^[A-Za-z0-9_-]+$/.test(topicName) || topicName.length > NAME_LIMITS.snsTopic)
    ) {
      throw new Error(`${this.node.path}: topic name "${topicName}" must be 1-256 of letters, digits, _ and -`);
    }
    if (displayName !== undefined && displayName.length > 100) {
      throw new Error(`${this.node.path}: display name must be at most 100 characters`);
    }
    this.resource = new SnsTopic(this, "Resource", { name: topicName, displayName, kmsMasterKeyId });
  }

  /** Memoized: one token, so every user of the ARN sees the same value. */
  get topicArn(): string {
    this.memo.topicArn ??= this.resource.arn;
    return this.memo.topicArn;
  }

  get topicName(): string {
    return this.resource.name;
  }

  /** Subscribes an endpoint. The construct id is `Subscription<n>`, in the order added. */
  addSubscription(options: SubscriptionOptions): SnsTopicSubscription {
    const { protocol, endpoint, enabled = true, filterPolicy } = options;
    const where = `${this.node.path}: ${protocol} subscription`;
    if (enabled === false) throw new Error(`${where} is disabled; do not add it`);
    if (!Token.isUnresolved(endpoint)) {
      if (protocol.startsWith("email") && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(endpoint)) {
        throw new Error(`${where}: "${endpoint}" is not an e-mail address`);
      }
      if (protocol === "sms" && !/^\+[1-9]\d{1,14}$/.test(endpoint)) {
        throw new Error(`${where}: "${endpoint}" is not an E.164 phone number (+<country><number>)`);
      }
      if (protocol === "https" && !endpoint.startsWith("https://")) {
        throw new Error(`${where}: "${endpoint}" is not an https:// URL`);
      }
    }
    const subscription = new SnsTopicSubscription(this, `Subscription${this.subscriptions.length + 1}`, {
      topicArn: this.topicArn,
      protocol,
      endpoint,
      filterPolicy: filterPolicy ? JSON.stringify(filterPolicy) : undefined,
      ...(typeof enabled === "boolean" ? {} : { count: Token.asNumber(`\${${Token.asString(enabled)} ? 1 : 0}`) }),
    });
    this.subscriptions.push(subscription);
    return subscription;
  }

  /** An e-mail subscription (the recipient confirms it from the e-mail SNS sends). */
  addEmailSubscription(address: string, enabled: boolean | IResolvable = true): SnsTopicSubscription {
    return this.addSubscription({ protocol: "email", endpoint: address, enabled });
  }

  /**
   * One e-mail subscription per address of a Terraform list (a `list(string)` variable's
   * `listValue`): `for_each` over the set of addresses, so adding or removing one address leaves
   * the others' subscriptions alone, and an empty list subscribes nobody. Validate the addresses
   * where the list comes from (the variable's validation).
   */
  addEmailSubscriptions(addresses: string[]): SnsTopicSubscription {
    const each = TerraformIterator.fromList(addresses);
    const subscription = new SnsTopicSubscription(this, `EmailSubscriptions${this.subscriptions.length + 1}`, {
      forEach: each,
      topicArn: this.topicArn,
      protocol: "email",
      endpoint: each.value,
    });
    this.subscriptions.push(subscription);
    return subscription;
  }

  /** An SMS subscription to an E.164 phone number. */
  addSmsSubscription(phoneNumber: string, enabled: boolean | IResolvable = true): SnsTopicSubscription {
    return this.addSubscription({ protocol: "sms", endpoint: phoneNumber, enabled });
  }

  /** Lets `grantee` publish to exactly this topic (and use its customer managed key, if any). */
  grantPublish(grantee: IGrantable): Grant {
    const publish = grantTo(grantee, {
      sid: sidFor(this, "Publish"),
      actions: ["sns:Publish"],
      resources: [this.topicArn],
    });
    return this.key ? combineGrants(publish, this.key.grantEncryptDecrypt(grantee)) : publish;
  }

  /** A Use: publish to this topic; its ARN in env var `envName`. */
  publish(envName: string): Use {
    return use((g) => this.grantPublish(g), { name: envName, value: this.topicArn });
  }
}
