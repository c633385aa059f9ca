import { TerraformVariable } from "cdktf";
import { Role } from "../../constructs/iam";
import { Topic } from "../../constructs/topic";
import { newStack, statementsOf } from "../support/constructs";
import { toJson } from "../support/synth";

describe("Topic", () => {
  test("is encrypted with the AWS managed SNS key by default and refuses invalid names", () => {
    const stack = newStack();
    new Topic(stack, "T", { topicName: "alerts", displayName: "Alerts" });
    const topic = Object.values(toJson(stack).resource.aws_sns_topic)[0];
    expect(topic).toMatchObject({ name: "alerts", display_name: "Alerts", kms_master_key_id: "alias/aws/sns" });
    expect(() => new Topic(newStack(), "T", { topicName: "no spaces" })).toThrow(/test\/T: topic name "no spaces"/);
  });

  test("subscriptions: literal endpoints are checked; a Terraform boolean makes one counted", () => {
    const stack = newStack();
    const phone = new TerraformVariable(stack, "phone", { type: "string", default: "" });
    const on = new TerraformVariable(stack, "sms_on", { type: "bool", default: false });
    const topic = new Topic(stack, "T", { topicName: "alerts" });
    topic.addEmailSubscription("ops@example.com");
    topic.addSmsSubscription(phone.stringValue, on.booleanValue);
    expect(() => topic.addEmailSubscription("not-an-address")).toThrow(/"not-an-address" is not an e-mail address/);
    expect(() => topic.addSmsSubscription("5551234")).toThrow(/not an E.164 phone number/);
    expect(() => topic.addSubscription({ protocol: "https", endpoint: "http://x" })).toThrow(/not an https:\/\/ URL/);
    const subs = Object.values(toJson(stack).resource.aws_sns_topic_subscription);
    expect(subs.map((s) => [s.protocol, s.endpoint, s.count])).toEqual([
      ["email", "ops@example.com", undefined],
      ["sms", "${var.phone}", "${var.sms_on ? 1 : 0}"],
    ]);
  });

  test("grantPublish and the publish Use allow sns:Publish on exactly this topic", () => {
    const stack = newStack();
    const topic = new Topic(stack, "Reports", { topicName: "reports" });
    new Topic(stack, "Other", { topicName: "other" });
    const role = new Role(stack, "R", { roleName: "r", assumedBy: { service: "lambda.amazonaws.com" } });
    const u = topic.publish("TOPIC_ARN");
    u.grant(role);
    expect(u.environment).toEqual({ TOPIC_ARN: topic.topicArn });
    expect(statementsOf(toJson(stack), "R_PolicyDocument")).toEqual([
      {
        sid: "PublishReports",
        effect: "Allow",
        actions: ["sns:Publish"],
        resources: [expect.stringMatching(/^\$\{aws_sns_topic\.Reports_\w+\.arn\}$/)],
      },
    ]);
  });
});
