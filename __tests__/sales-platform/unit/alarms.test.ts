import { alarmsOf, checkAlarms, checkTopicKeyAllowsCloudWatch, protection } from "../../support/alarms";
import { type Json, resourcesOf, synthApp } from "../../support/synth";

// GIVEN the sales platform synthesized for dev (the defaults) and for prod
const dev = synthApp().json("sales-platform");
const prod = synthApp({ PLATFORM_ENV: "prod" }).json("sales-platform");

describe("sales-platform: alarms on the existing alerts topic", () => {
  test("every function, state machine, dead-letter queue, API stage and the table has its alarms, each to the alerts topic", () => {
    for (const [json, env] of [
      [dev, "dev"],
      [prod, "prod"],
    ] as const) {
      checkAlarms(json, { topicName: `sales-${env}-alerts`, namePrefix: "sales" });
    }
    const byNamespace: Record<string, number> = {};
    for (const a of alarmsOf(dev)) byNamespace[a.namespace] = (byNamespace[a.namespace] ?? 0) + 1;
    // 19 functions, 2 state machines, the scheduled trigger's dead-letter queue, the REST API's stage, the table.
    expect(byNamespace).toEqual({
      "AWS/Lambda": 38,
      "AWS/States": 4,
      "AWS/SQS": 1,
      "AWS/ApiGateway": 1,
      "AWS/DynamoDB": 2,
    });
    const api = alarmsOf(dev).find((a) => a.namespace === "AWS/ApiGateway");
    expect(api).toMatchObject({ metric_name: "5XXError", dimensions: { ApiName: "sales-dev-api", Stage: "prod" } });
  });

  test("the alerts topic (no new topic, no new variable) is under a key CloudWatch may use; its publishers may use the key", () => {
    expect(resourcesOf(dev, "aws_sns_topic").map((t) => t.name)).toEqual([
      "sales-dev-alerts",
      "sales-dev-daily-reports",
    ]);
    expect(dev.variable.alert_emails).toBeUndefined();
    checkTopicKeyAllowsCloudWatch(dev, "sales-dev-alerts");
    // The state machines publish failures to the alerts topic: under a customer managed key a
    // publisher needs the key's data-key actions as well as sns:Publish.
    const keyKey = Object.keys(dev.resource.aws_kms_key)[0];
    const keyStatements = Object.values<Json>(dev.data.aws_iam_policy_document)
      .flatMap((d) => d.statement)
      .filter((s: Json) => s.resources.includes(`\${aws_kms_key.${keyKey}.arn}`));
    expect(keyStatements.map((s: Json) => s.actions)).toEqual([
      ["kms:Decrypt", "kms:GenerateDataKey*"],
      ["kms:Decrypt", "kms:GenerateDataKey*"],
    ]);
  });
});

describe("sales-platform: data protection", () => {
  test("prod: the data bucket has prevent_destroy (its precondition kept) and the table deletion protection and prevent_destroy; dev: none", () => {
    expect(protection(prod).tables).toEqual([
      { name: "sales-prod-sales-data", deletionProtection: true, preventDestroy: true },
    ]);
    expect(protection(prod).buckets).toEqual([expect.objectContaining({ forceDestroy: false, preventDestroy: true })]);
    const bucket = resourcesOf(prod, "aws_s3_bucket")[0];
    expect(bucket.lifecycle.precondition).toHaveLength(2);
    expect(protection(dev).tables).toEqual([
      { name: "sales-dev-sales-data", deletionProtection: false, preventDestroy: false },
    ]);
    expect(protection(dev).buckets).toEqual([expect.objectContaining({ preventDestroy: false })]);
    const prodOff = synthApp({ PLATFORM_ENV: "prod", PLATFORM_PROTECT_DATA: "0" }).json("sales-platform");
    expect(protection(prodOff)).toMatchObject({
      tables: [{ deletionProtection: false, preventDestroy: false }],
      buckets: [{ preventDestroy: false }],
    });
  });
});
