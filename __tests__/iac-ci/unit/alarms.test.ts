import { describeOwnAlertsTopic, protection } from "../../support/alarms";
import { synthApp } from "../../support/synth";

// GIVEN iac-ci synthesized for dev (the defaults) and for prod
const dev = synthApp().json("02-deploy");
const prod = synthApp({ PLATFORM_ENV: "prod" }).json("02-deploy");

describeOwnAlertsTopic({
  system: "iac-ci",
  dev,
  prod,
  topicName: (env) => `iac-ci-${env}-alerts`,
  namePrefix: "iac-ci",
  alarmsPerNamespace: {
    "AWS/Lambda": 8,
    "AWS/SQS": 4,
    "AWS/States": 2,
    "AWS/ApiGateway": 1,
    "AWS/DynamoDB": 6,
  },
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
