import "../support/esm";
import { handler as generateRecommendations } from "../../../lambdas/sales-platform/generate-recommendations";
import { analysedDay } from "../support/fixtures";
import { type BedrockAnswer, type BedrockStandIn, novaAnswer, startBedrockStandIn } from "../support/loopback";
import { createSalesPlatform, type SalesPlatform } from "../support/platform";

// The Bedrock client against a loopback stand-in speaking InvokeModel's wire format (tests only;
// the emulator answers InvokeModel with an empty body): a model's answer, then throttling that
// outlasts the SDK's retries, then a model that answers prose instead of JSON.
jest.setTimeout(60_000);

let p: SalesPlatform;
let bedrock: BedrockStandIn;
let answers: BedrockAnswer[] = [];

beforeAll(async () => {
  p = await createSalesPlatform("bedrock-loop", 2);
  bedrock = await startBedrockStandIn(
    () =>
      answers.shift() ?? { ok: false, status: 500, errorType: "InternalServerException", message: "no answer queued" },
  );
  process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = bedrock.url;
});
afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME;
  await Promise.all([p.reports.close(), bedrock.close()]);
});

test("a Nova answer with a JSON list becomes the day's recommendations (source bedrock)", async () => {
  answers = [
    {
      ok: true,
      body: novaAnswer('```json\n[{"priority":"high","title":"Call store 0002","detail":"Its file is missing."}]\n```'),
    },
  ];
  const out = await generateRecommendations(analysedDay("2026-01-29"));
  expect(out.recommendations).toEqual({
    source: "bedrock",
    modelId: "amazon.nova-lite-v1:0",
    items: [{ priority: "high", title: "Call store 0002", detail: "Its file is missing." }],
  });
  const request = bedrock.requests[bedrock.requests.length - 1];
  expect(request.modelId).toBe("amazon.nova-lite-v1:0");
  expect(request.body.system).toEqual([{ text: expect.stringContaining("retail sales analyst") }]);
  const prompt = (request.body.messages as { content: { text: string }[] }[])[0].content[0].text;
  expect(prompt).toContain('"missingStores":["0002"]');
  expect(prompt).toContain("Collect missing sales files");
});

test("throttling that outlasts the SDK's retries: the rules stand in, with the error named", async () => {
  const throttled: BedrockAnswer = {
    ok: false,
    status: 429,
    errorType: "ThrottlingException",
    message: "Too many requests",
  };
  answers = [throttled, throttled, throttled];
  const before = bedrock.requests.length;
  const out = await generateRecommendations(analysedDay("2026-01-28"));
  expect(bedrock.requests.length - before).toBe(3);
  expect(out.recommendations).toMatchObject({
    source: "rules",
    fallbackReason: "ThrottlingException: Too many requests",
  });
});

test("an answer in prose (no JSON list) is not trusted: the rules stand in", async () => {
  answers = [{ ok: true, body: novaAnswer("Sales look fine. Keep going!") }];
  const out = await generateRecommendations(analysedDay("2026-01-27"));
  expect(out.recommendations).toMatchObject({
    source: "rules",
    fallbackReason: "the model's answer held no recommendations",
  });
});
