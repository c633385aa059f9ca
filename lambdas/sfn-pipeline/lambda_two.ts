/**
 * lambda_two, the pipeline's second step: turns lambda_one's enriched order into the result
 * (item count, total quantity, exact total in the order's currency, completion time). It
 * re-checks the shape it receives, so a wiring mistake fails loudly instead of producing a
 * wrong total.
 */
import { CURRENCIES, type EnrichedOrder, ERRORS, type PipelineResult } from "./contract";

export class InvalidStepInput extends Error {
  override name = ERRORS.input;
}

function assertEnriched(event: unknown): asserts event is EnrichedOrder {
  const e = event as Partial<EnrichedOrder> | null;
  const ok =
    typeof e === "object" &&
    e !== null &&
    typeof e.requestId === "string" &&
    typeof e.receivedAt === "string" &&
    typeof e.currency === "string" &&
    (CURRENCIES as readonly string[]).includes(e.currency) &&
    Array.isArray(e.items) &&
    e.items.length > 0 &&
    e.items.every(
      (i) => Number.isInteger(i?.quantity) && typeof i?.lineTotal === "number" && Number.isFinite(i.lineTotal),
    );
  if (!ok)
    throw new InvalidStepInput(
      "lambda_two expects lambda_one's output (requestId, currency, receivedAt, items with lineTotal)",
    );
}

export function summarize(event: unknown, now: Date = new Date()): PipelineResult {
  assertEnriched(event);
  const totalCents = event.items.reduce((sum, i) => sum + Math.round(i.lineTotal * 100), 0);
  return {
    requestId: event.requestId,
    currency: event.currency,
    itemCount: event.items.length,
    totalQuantity: event.items.reduce((sum, i) => sum + i.quantity, 0),
    total: totalCents / 100,
    receivedAt: event.receivedAt,
    completedAt: now.toISOString(),
  };
}

export async function handler(event: unknown): Promise<PipelineResult> {
  const result = summarize(event);
  console.log(
    JSON.stringify({ level: "info", msg: "result computed", requestId: result.requestId, total: result.total }),
  );
  return result;
}
