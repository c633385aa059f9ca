import {
  alarmsOf,
  alertEmailsRule,
  checkAlarms,
  checkEmailSubscriptions,
  checkTopicKeyAllowsCloudWatch,
  protection,
} from "../../support/alarms";
import { synthApp } from "../../support/synth";

// GIVEN iac-ci synthesized for dev (the defaults) and for prod
const dev = synthApp().json("02-deploy");
const prod = synthApp({ PLATFORM_ENV: "prod" }).json("02-deploy");

describe("iac-ci: alarms and the alerts topic", () => {
  test("every function, state machine, dead-letter queue, API stage and table has its alarms, each to the alerts topic", () => {
    for (const [json, env] of [
      [dev, "dev"],
      [prod, "prod"],
    ] as const) {
      checkAlarms(json, { topicName: `iac-ci-${env}-alerts`, namePrefix: "iac-ci" });
    }
    // What the system holds today, so the derivation above is not vacuous.
    const byNamespace: Record<string, number> = {};
    for (const a of alarmsOf(dev)) byNamespace[a.namespace] = (byNamespace[a.namespace] ?? 0) + 1;
    expect(byNamespace).toEqual({
      "AWS/Lambda": 8,
      "AWS/SQS": 4,
      "AWS/States": 2,
      "AWS/ApiGateway": 1,
      "AWS/DynamoDB": 6,
    });
  });

  test("the alerts topic is under a key CloudWatch may use; e-mail subscribers come from alert_emails", () => {
    checkTopicKeyAllowsCloudWatch(dev, "iac-ci-dev-alerts");
    checkEmailSubscriptions(dev, "iac-ci-dev-alerts");
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

describe("iac-ci: data protection", () => {
  test("prod: the three tables have deletion protection and prevent_destroy; dev: none; the run-data buckets never", () => {
    const tables = (json: typeof dev) =>
      protection(json)
        .tables.map((t) => [t.name, t.deletionProtection, t.preventDestroy])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(tables(prod)).toEqual([
      ["iac-ci-prod-orchestrator-locks", true, true],
      ["iac-ci-prod-order-events", true, true],
      ["iac-ci-prod-orders", true, true],
    ]);
    expect(tables(dev).map(([, d, p]) => [d, p])).toEqual([
      [false, false],
      [false, false],
      [false, false],
    ]);
    // The internal and done buckets hold one day of run data and are force-destroyed with the stack.
    for (const json of [dev, prod]) {
      expect(protection(json).buckets.map((b) => [b.forceDestroy, b.preventDestroy])).toEqual([
        [true, false],
        [true, false],
      ]);
    }
    const prodOff = synthApp({ PLATFORM_ENV: "prod", PLATFORM_PROTECT_DATA: "no" }).json("02-deploy");
    expect(tables(prodOff).every(([, d, p]) => d === false && p === false)).toBe(true);
  });
});
