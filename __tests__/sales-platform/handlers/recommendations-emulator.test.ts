import "../support/esm";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { handler as generateRecommendations } from "../../../lambdas/sales-platform/generate-recommendations";
import { analysedDay } from "../support/fixtures";
import { clients, createSalesPlatform, type SalesPlatform } from "../support/platform";

// Bedrock on the emulator: moto serves bedrock-runtime InvokeModel, but answers every model with
// an empty JSON body. So this proves the request goes out (to the configured model, through the
// real SDK) and that an answer without text makes the rule-based recommendations stand in, said
// so in the record. A real model answer is played by a loopback stand-in (recommendations-bedrock).
jest.setTimeout(60_000);

let p: SalesPlatform;
beforeAll(async () => {
  p = await createSalesPlatform("bedrock-moto", 2);
});
afterAll(() => p.reports.close());

test("GIVEN the emulator's InvokeModel (empty answer) WHEN recommendations are generated THEN the rules stand in, saying why", async () => {
  const out = await generateRecommendations(analysedDay("2026-01-30"));
  expect(out.recommendations).toMatchObject({
    source: "rules",
    modelId: "amazon.nova-lite-v1:0",
    fallbackReason: "the model's answer held no recommendations",
  });
  expect(out.recommendations.items[0].title).toBe("Collect missing sales files (1 store(s))");
  const stored = await clients().ddb.send(
    new GetCommand({ TableName: p.table, Key: { PK: "ANALYSIS#2026-01-30", SK: "RECOMMENDATIONS" } }),
  );
  expect(stored.Item?.data).toEqual(out.recommendations);
});
