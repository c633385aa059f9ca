import {
  alarmsOf,
  alertEmailsRule,
  checkAlarms,
  checkEmailSubscriptions,
  checkTopicKeyAllowsCloudWatch,
  protection,
} from "../../support/alarms";
import { synthApp } from "../../support/synth";

// GIVEN sfn-pipeline synthesized for dev (the defaults) and for prod
const dev = synthApp().json("sfn-pipeline");
const prod = synthApp({ PLATFORM_ENV: "prod" }).json("sfn-pipeline");

describe("sfn-pipeline: alarms and the alerts topic", () => {
  test("every function, state machine, dead-letter queue, API stage and table has its alarms, each to the alerts topic", () => {
    for (const [json, env] of [
      [dev, "dev"],
      [prod, "prod"],
    ] as const) {
      checkAlarms(json, { topicName: `fastapi-test-alerts-${env}`, namePrefix: "fastapi-test" });
    }
    // What the system holds today, so the derivation above is not vacuous.
    const byNamespace: Record<string, number> = {};
    for (const a of alarmsOf(dev)) byNamespace[a.namespace] = (byNamespace[a.namespace] ?? 0) + 1;
    expect(byNamespace).toEqual({ "AWS/Lambda": 4, "AWS/States": 2, "AWS/ApiGateway": 1 });
  });

  test("the alerts topic is under a key CloudWatch may use; e-mail subscribers come from alert_emails", () => {
    checkTopicKeyAllowsCloudWatch(dev, "fastapi-test-alerts-dev");
    checkEmailSubscriptions(dev, "fastapi-test-alerts-dev");
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

describe("sfn-pipeline: data protection", () => {
  test("it keeps no data store: nothing to protect in any environment", () => {
    for (const json of [dev, prod]) expect(protection(json)).toEqual({ tables: [], buckets: [] });
  });
});
