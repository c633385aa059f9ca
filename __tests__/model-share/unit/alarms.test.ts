import {
  alarmsOf,
  alertEmailsRule,
  checkAlarms,
  checkEmailSubscriptions,
  checkTopicKeyAllowsCloudWatch,
  protection,
} from "../../support/alarms";
import { synthApp } from "../../support/synth";

// GIVEN model-share synthesized for dev (the defaults) and for prod
const dev = synthApp().json("model-share");
const prod = synthApp({ PLATFORM_ENV: "prod" }).json("model-share");

describe("model-share: alarms and the alerts topic", () => {
  test("every function, state machine, dead-letter queue, API stage and table has its alarms, each to the alerts topic", () => {
    for (const [json, env] of [
      [dev, "dev"],
      [prod, "prod"],
    ] as const) {
      checkAlarms(json, { topicName: `aimodelshare-${env}-alerts`, namePrefix: "aimodelshare" });
    }
    // What the system holds today, so the derivation above is not vacuous.
    const byNamespace: Record<string, number> = {};
    for (const a of alarmsOf(dev)) byNamespace[a.namespace] = (byNamespace[a.namespace] ?? 0) + 1;
    expect(byNamespace).toEqual({ "AWS/Lambda": 2, "AWS/ApiGateway": 1, "AWS/DynamoDB": 2 });
  });

  test("the alerts topic is under a key CloudWatch may use; e-mail subscribers come from alert_emails", () => {
    checkTopicKeyAllowsCloudWatch(dev, "aimodelshare-dev-alerts");
    checkEmailSubscriptions(dev, "aimodelshare-dev-alerts");
  });

  test("alert_emails: a list of e-mail addresses, empty by default", () => {
    const accepts = alertEmailsRule(dev);
    expect(accepts([])).toBe(true);
    expect(accepts(["ops@example.com", "a.b+c@x.co.uk"])).toBe(true);
    for (const bad of ["ops", "a@b", "a b@c.de", "@example.com", ""]) {
      expect([bad, accepts(["ops@example.com", bad])]).toEqual([bad, false]);
    }
  });
});

describe("model-share: data protection", () => {
  test("prod: the table has deletion protection and prevent_destroy; dev: neither; PLATFORM_PROTECT_DATA overrides", () => {
    expect(protection(prod).tables).toEqual([
      { name: "aimodelshare-prod-playground-scores", deletionProtection: true, preventDestroy: true },
    ]);
    expect(protection(dev).tables).toEqual([
      { name: "aimodelshare-dev-playground-scores", deletionProtection: false, preventDestroy: false },
    ]);
    const prodOff = synthApp({ PLATFORM_ENV: "prod", PLATFORM_PROTECT_DATA: "false" }).json("model-share");
    expect(protection(prodOff).tables[0]).toMatchObject({ deletionProtection: false, preventDestroy: false });
    const devOn = synthApp({ PLATFORM_PROTECT_DATA: "true" }).json("model-share");
    expect(protection(devOn).tables[0]).toMatchObject({ deletionProtection: true, preventDestroy: true });
  });
});
