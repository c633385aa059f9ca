import { enrich, handler as lambdaOne, ValidationError } from "../../../lambdas/sfn-pipeline/lambda_one";
import { InvalidStepInput, handler as lambdaTwo, summarize } from "../../../lambdas/sfn-pipeline/lambda_two";

const NOW = new Date("2026-11-24T10:00:00.000Z");
const good = {
  requestId: "req-1",
  currency: "eur",
  items: [
    { sku: "A-1", quantity: 3, unitPrice: 0.1 },
    { sku: "B", quantity: 1, unitPrice: 19.99 },
  ],
};

describe("lambda_one: validate and enrich", () => {
  test("a good input is enriched with currency, receive time and exact line totals", () => {
    expect(enrich(good, NOW)).toEqual({
      requestId: "req-1",
      currency: "EUR",
      receivedAt: "2026-11-24T10:00:00.000Z",
      items: [
        { sku: "A-1", quantity: 3, unitPrice: 0.1, lineTotal: 0.3 },
        { sku: "B", quantity: 1, unitPrice: 19.99, lineTotal: 19.99 },
      ],
    });
  });

  test("a missing request id is generated; the currency defaults to USD", () => {
    const out = enrich({ items: [{ sku: "A", quantity: 1, unitPrice: 1 }] }, NOW, () => "generated-id");
    expect(out).toMatchObject({ requestId: "generated-id", currency: "USD" });
  });

  test.each([
    ["not an object", "x", /input must be a JSON object/],
    ["an unknown field", { ...good, extra: 1 }, /unknown field\(s\): extra/],
    ["no items", { items: [] }, /items must be a non-empty array/],
    ["a bad sku", { items: [{ sku: "a b", quantity: 1, unitPrice: 1 }] }, /items\[0\]\.sku must be/],
    [
      "a zero quantity",
      { items: [{ sku: "a", quantity: 0, unitPrice: 1 }] },
      /items\[0\]\.quantity must be an integer from 1/,
    ],
    ["a fractional quantity", { items: [{ sku: "a", quantity: 1.5, unitPrice: 1 }] }, /items\[0\]\.quantity/],
    ["a negative price", { items: [{ sku: "a", quantity: 1, unitPrice: -1 }] }, /items\[0\]\.unitPrice/],
    ["sub-cent prices", { items: [{ sku: "a", quantity: 1, unitPrice: 0.001 }] }, /at most 2 decimals/],
    [
      "a duplicate sku",
      {
        items: [
          { sku: "a", quantity: 1, unitPrice: 1 },
          { sku: "a", quantity: 2, unitPrice: 1 },
        ],
      },
      /items\[1\]\.sku "a" appears twice/,
    ],
    ["an unknown currency", { ...good, currency: "XYZ" }, /currency must be one of USD, EUR, GBP/],
    ["a bad request id", { ...good, requestId: "" }, /requestId must be/],
    [
      "too many items",
      { items: Array.from({ length: 101 }, (_, i) => ({ sku: `s${i}`, quantity: 1, unitPrice: 1 })) },
      /at most 100/,
    ],
  ])("%s fails with a ValidationError naming the field", (_what, input, message) => {
    expect(() => enrich(input, NOW)).toThrow(ValidationError);
    expect(() => enrich(input, NOW)).toThrow(message);
  });

  test("the error's name is what Step Functions sees as the error type", async () => {
    await expect(lambdaOne({ items: "nope" })).rejects.toMatchObject({ name: "ValidationError" });
  });
});

describe("lambda_two: produce the result", () => {
  test("totals are exact in cents across the pipeline", async () => {
    const enriched = enrich(good, NOW);
    const result = summarize(enriched, new Date("2026-11-24T10:00:01.000Z"));
    expect(result).toEqual({
      requestId: "req-1",
      currency: "EUR",
      itemCount: 2,
      totalQuantity: 4,
      total: 20.29,
      receivedAt: "2026-11-24T10:00:00.000Z",
      completedAt: "2026-11-24T10:00:01.000Z",
    });
    // The two handlers chained as the state machine chains them.
    await expect(lambdaTwo(await lambdaOne(good))).resolves.toMatchObject({ total: 20.29, itemCount: 2 });
  });

  test("anything but lambda_one's output fails loudly with InvalidStepInput", () => {
    for (const bad of [undefined, {}, good, { ...enrich(good, NOW), currency: "XYZ" }]) {
      expect(() => summarize(bad)).toThrow(InvalidStepInput);
    }
  });
});
