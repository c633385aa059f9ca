import { describeOwnAlertsTopic, protection } from "../../support/alarms";
import { synthApp } from "../../support/synth";

// GIVEN model-share synthesized for dev (the defaults) and for prod
const dev = synthApp().json("model-share");
const prod = synthApp({ PLATFORM_ENV: "prod" }).json("model-share");

describeOwnAlertsTopic({
  system: "model-share",
  dev,
  prod,
  topicName: (env) => `aimodelshare-${env}-alerts`,
  namePrefix: "aimodelshare",
  alarmsPerNamespace: { "AWS/Lambda": 2, "AWS/ApiGateway": 1, "AWS/DynamoDB": 2 },
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
