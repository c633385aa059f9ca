/**
 * lambda_one, the pipeline's first step: validates the execution input and enriches it
 * (request id, currency, receive time, line totals). A bad input fails with a ValidationError
 * naming the field; the state machine records it and fails the execution without retrying.
 */
import { randomUUID } from "node:crypto";
import {
  CURRENCIES,
  type Currency,
  DEFAULT_CURRENCY,
  type EnrichedOrder,
  ERRORS,
  INPUT_LIMITS,
  REQUEST_ID_PATTERN,
  SKU_PATTERN,
} from "./contract";

export class ValidationError extends Error {
  override name = ERRORS.validation;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
/** Money in cents, so sums are exact. */
const cents = (amount: number): number => Math.round(amount * 100);

/** Validates `event` and returns the enriched order; throws ValidationError naming the first bad field. */
export function enrich(event: unknown, now: Date = new Date(), newId: () => string = randomUUID): EnrichedOrder {
  if (!isObject(event)) throw new ValidationError("input must be a JSON object");
  const known = new Set(["requestId", "currency", "items"]);
  const unknown = Object.keys(event).filter((k) => !known.has(k));
  if (unknown.length) throw new ValidationError(`unknown field(s): ${unknown.sort().join(", ")}`);

  let requestId: string;
  if (event.requestId === undefined) requestId = newId();
  else if (
    typeof event.requestId !== "string" ||
    event.requestId.length > INPUT_LIMITS.maxRequestIdLength ||
    !REQUEST_ID_PATTERN.test(event.requestId)
  ) {
    throw new ValidationError(
      `requestId must be 1-${INPUT_LIMITS.maxRequestIdLength} characters of letters, digits and . _ : -`,
    );
  } else requestId = event.requestId;

  let currency: Currency = DEFAULT_CURRENCY;
  if (event.currency !== undefined) {
    const c = typeof event.currency === "string" ? event.currency.toUpperCase() : "";
    if (!(CURRENCIES as readonly string[]).includes(c)) {
      throw new ValidationError(`currency must be one of ${CURRENCIES.join(", ")}`);
    }
    currency = c as Currency;
  }

  const items = event.items;
  if (!Array.isArray(items) || items.length === 0) throw new ValidationError("items must be a non-empty array");
  if (items.length > INPUT_LIMITS.maxItems) {
    throw new ValidationError(`items must hold at most ${INPUT_LIMITS.maxItems} entries`);
  }
  const enriched = items.map((item, i) => {
    const at = `items[${i}]`;
    if (!isObject(item)) throw new ValidationError(`${at} must be an object`);
    const { sku, quantity, unitPrice } = item;
    if (typeof sku !== "string" || sku.length > INPUT_LIMITS.maxSkuLength || !SKU_PATTERN.test(sku)) {
      throw new ValidationError(
        `${at}.sku must be 1-${INPUT_LIMITS.maxSkuLength} characters of letters, digits and . _ -`,
      );
    }
    if (
      typeof quantity !== "number" ||
      !Number.isInteger(quantity) ||
      quantity < 1 ||
      quantity > INPUT_LIMITS.maxQuantity
    ) {
      throw new ValidationError(`${at}.quantity must be an integer from 1 to ${INPUT_LIMITS.maxQuantity}`);
    }
    if (
      typeof unitPrice !== "number" ||
      !Number.isFinite(unitPrice) ||
      unitPrice < 0 ||
      unitPrice > INPUT_LIMITS.maxUnitPrice ||
      cents(unitPrice) / 100 !== unitPrice
    ) {
      throw new ValidationError(
        `${at}.unitPrice must be a number from 0 to ${INPUT_LIMITS.maxUnitPrice} with at most 2 decimals`,
      );
    }
    return { sku, quantity, unitPrice, lineTotal: (cents(unitPrice) * quantity) / 100 };
  });
  const skus = new Set<string>();
  for (const [i, item] of enriched.entries()) {
    if (skus.has(item.sku)) throw new ValidationError(`items[${i}].sku "${item.sku}" appears twice`);
    skus.add(item.sku);
  }
  return { requestId, currency, receivedAt: now.toISOString(), items: enriched };
}

export async function handler(event: unknown): Promise<EnrichedOrder> {
  const order = enrich(event);
  console.log(
    JSON.stringify({ level: "info", msg: "input accepted", requestId: order.requestId, items: order.items.length }),
  );
  return order;
}
