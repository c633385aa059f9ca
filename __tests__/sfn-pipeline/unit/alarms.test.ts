import { describeOwnAlertsTopic, protection } from "../../support/alarms";
import { synthApp } from "../../support/synth";

// GIVEN sfn-pipeline synthesized for dev (the defaults) and for prod
const dev = synthApp().json("sfn-pipeline");
const prod = synthApp({ PLATFORM_ENV: "prod" }).json("sfn-pipeline");

describeOwnAlertsTopic({
  system: "sfn-pipeline",
  dev,
  prod,
  topicName: (env) => `fastapi-test-alerts-${env}`,
  namePrefix: "fastapi-test",
  alarmsPerNamespace: { "AWS/Lambda": 4, "AWS/States": 2, "AWS/ApiGateway": 1 },
});

describe("sfn-pipeline: data protection", () => {
  test("it keeps no data store: nothing to protect in any environment", () => {
    for (const json of [dev, prod]) expect(protection(json)).toEqual({ tables: [], buckets: [] });
  });
});
