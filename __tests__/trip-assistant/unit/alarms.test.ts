import { describeOwnAlertsTopic, protection } from "../../support/alarms";
import { synthApp } from "../../support/synth";

// GIVEN trip-assistant synthesized for dev (the defaults) and for prod
const dev = synthApp().json("trip-assistant");
const prod = synthApp({ PLATFORM_ENV: "prod" }).json("trip-assistant");

describeOwnAlertsTopic({
  system: "trip-assistant",
  dev,
  prod,
  topicName: (env) => `trip-assistant-alerts-${env}`,
  namePrefix: "trip-assistant",
  alarmsPerNamespace: { "AWS/Lambda": 4, "AWS/ApiGateway": 1 },
});

describe("trip-assistant: data protection", () => {
  test("it keeps no table or bucket: nothing to protect in any environment", () => {
    for (const json of [dev, prod]) expect(protection(json)).toEqual({ tables: [], buckets: [] });
  });
});
