/**
 * The sales CSV: parsed with csv-parse (quotes, embedded commas and newlines, BOM, CRLF) and
 * validated against the contract's schema. Every problem is collected (up to a limit) so a
 * store learns everything wrong with its file at once, not one error per upload.
 */
import { parse } from "csv-parse/sync";
import {
  CSV_COLUMNS,
  type CsvColumn,
  ID_PATTERN,
  OPTIONAL_CSV_COLUMNS,
  STORE_ID_PATTERN,
  UPLOAD_LIMITS,
} from "../contract";
import { isDate } from "./dates";

/** One validated line: a product of a transaction. Money in currency units with at most 2 decimals. */
export interface SaleRow {
  readonly date: string;
  readonly storeId: string;
  readonly transactionId: string;
  readonly productId: string;
  readonly productName: string;
  readonly category: string;
  readonly quantity: number;
  readonly unitPrice: number;
  readonly discount: number;
  readonly total: number;
}

export type CsvVerdict =
  | { readonly ok: true; readonly storeId: string; readonly date: string; readonly rows: readonly SaleRow[] }
  | {
      readonly ok: false;
      /** The first problems (at most UPLOAD_LIMITS.maxReasons). */
      readonly reasons: readonly string[];
      /** How many problems there were in all. */
      readonly problemCount: number;
      /** The file's store and date when they could be told. */
      readonly storeId?: string;
      readonly date?: string;
    };

export interface ValidationContext {
  /** Store ids the platform expects (the expected_stores variable). */
  readonly expectedStores: readonly string[];
  /** Store and date the upload key claims (uploads/<store>/<date>/...), when it has that shape. */
  readonly claimed?: { readonly storeId: string; readonly date: string };
}

const MONEY = /^-?\d+(\.\d{1,2})?$/;
const INTEGER = /^\d+$/;

/** Money text to a number, or undefined when it is not a decimal with at most 2 places. */
function money(text: string): number | undefined {
  return MONEY.test(text) ? Number(text) : undefined;
}
const cents = (n: number): number => Math.round(n * 100);

class Problems {
  readonly list: string[] = [];
  count = 0;
  add(message: string): void {
    this.count++;
    if (this.list.length < UPLOAD_LIMITS.maxReasons) this.list.push(message);
  }
}

/** Validates the bytes of a sales CSV. */
export function validateSalesCsv(body: Buffer | string, context: ValidationContext): CsvVerdict {
  const problems = new Problems();
  const text = typeof body === "string" ? body : body.toString("utf8");
  if (text.includes("\uFFFD")) problems.add("file is not valid UTF-8 text");

  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, trim: true, relax_column_count: true });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { ok: false, reasons: [`not a readable CSV file: ${reason}`], problemCount: 1 };
  }
  if (records.length === 0) return { ok: false, reasons: ["file is empty"], problemCount: 1 };

  // The header: exactly the contract's columns, in any order, any case.
  const header = records[0].map((h) => h.toLowerCase());
  const position = new Map<CsvColumn, number>();
  header.forEach((name, i) => {
    if ((CSV_COLUMNS as readonly string[]).includes(name)) {
      if (position.has(name as CsvColumn)) problems.add(`header: column "${name}" appears twice`);
      position.set(name as CsvColumn, i);
    } else problems.add(`header: unknown column "${records[0][i]}"`);
  });
  const missing = CSV_COLUMNS.filter((c) => !position.has(c));
  if (missing.length) problems.add(`header: missing column(s) ${missing.join(", ")}`);
  if (problems.count) return { ok: false, reasons: problems.list, problemCount: problems.count };

  const lines = records.slice(1);
  if (lines.length === 0) return { ok: false, reasons: ["file has a header but no sales lines"], problemCount: 1 };
  if (lines.length > UPLOAD_LIMITS.maxRows) {
    return {
      ok: false,
      reasons: [`file has ${lines.length} lines; at most ${UPLOAD_LIMITS.maxRows} are accepted`],
      problemCount: 1,
    };
  }

  const rows: SaleRow[] = [];
  const stores = new Map<string, number>();
  const dates = new Map<string, number>();
  const seen = new Set<string>();
  lines.forEach((record, index) => {
    const line = index + 2; // 1-based, after the header
    if (record.length !== header.length) {
      problems.add(`line ${line}: has ${record.length} fields, the header has ${header.length}`);
      return;
    }
    const cell = (c: CsvColumn) => record[position.get(c) as number];
    const bad = (c: CsvColumn, rule: string) => problems.add(`line ${line}: ${c} "${cell(c)}" ${rule}`);
    for (const c of CSV_COLUMNS) {
      if (cell(c) === "" && !OPTIONAL_CSV_COLUMNS.includes(c)) problems.add(`line ${line}: ${c} is empty`);
    }
    const before = problems.count;
    const date = cell("date");
    if (date !== "" && !isDate(date)) bad("date", "is not a date (YYYY-MM-DD)");
    const storeId = cell("store_id");
    if (storeId !== "" && !STORE_ID_PATTERN.test(storeId)) bad("store_id", "is not a valid store id");
    else if (storeId !== "" && !context.expectedStores.includes(storeId)) bad("store_id", "is not an expected store");
    const transactionId = cell("transaction_id");
    if (transactionId !== "" && !ID_PATTERN.test(transactionId)) bad("transaction_id", "is not a valid id");
    const productId = cell("product_id");
    if (productId !== "" && !ID_PATTERN.test(productId)) bad("product_id", "is not a valid id");
    const productName = cell("product_name");
    if (productName.length > 200) bad("product_name", "is longer than 200 characters");
    const category = cell("category");
    if (category.length > 100) bad("category", "is longer than 100 characters");
    const quantityText = cell("quantity");
    const quantity = INTEGER.test(quantityText) ? Number(quantityText) : Number.NaN;
    if (quantityText !== "" && !(quantity >= 1 && quantity <= UPLOAD_LIMITS.maxQuantity)) {
      bad("quantity", `must be a whole number from 1 to ${UPLOAD_LIMITS.maxQuantity}`);
    }
    const unitPrice = money(cell("unit_price"));
    if (
      cell("unit_price") !== "" &&
      (unitPrice === undefined || unitPrice < 0 || unitPrice > UPLOAD_LIMITS.maxUnitPrice)
    ) {
      bad("unit_price", `must be an amount from 0 to ${UPLOAD_LIMITS.maxUnitPrice} with at most 2 decimals`);
    }
    const discountText = cell("discount");
    const discount = discountText === "" ? 0 : money(discountText);
    if (discount === undefined || discount < 0)
      bad("discount", "must be a non-negative amount with at most 2 decimals");
    const total = money(cell("total"));
    if (cell("total") !== "" && (total === undefined || total < 0)) {
      bad("total", "must be a non-negative amount with at most 2 decimals");
    }
    if (problems.count > before || [date, storeId, transactionId, productId, quantityText].includes("")) return;
    const expected = cents(quantity * (unitPrice as number)) - cents(discount as number);
    if (Math.abs(expected - cents(total as number)) > cents(UPLOAD_LIMITS.totalTolerance)) {
      problems.add(
        `line ${line}: total ${cell("total")} is not quantity x unit_price - discount (${(expected / 100).toFixed(2)})`,
      );
      return;
    }
    const id = `${transactionId}\u0000${productId}`;
    if (seen.has(id)) {
      problems.add(`line ${line}: transaction ${transactionId} lists product ${productId} twice`);
      return;
    }
    seen.add(id);
    stores.set(storeId, (stores.get(storeId) ?? 0) + 1);
    dates.set(date, (dates.get(date) ?? 0) + 1);
    rows.push({
      date,
      storeId,
      transactionId,
      productId,
      productName,
      category,
      quantity,
      unitPrice: unitPrice as number,
      discount: discount as number,
      total: total as number,
    });
  });

  // One store's one day per file.
  const mostCommon = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const storeId = mostCommon(stores);
  const date = mostCommon(dates);
  if (stores.size > 1) problems.add(`file mixes stores ${[...stores.keys()].sort().join(", ")}; one store per file`);
  if (dates.size > 1) problems.add(`file mixes dates ${[...dates.keys()].sort().join(", ")}; one day per file`);
  const claimed = context.claimed;
  if (claimed && storeId !== undefined && stores.size === 1 && storeId !== claimed.storeId) {
    problems.add(`file holds store ${storeId} but was uploaded for store ${claimed.storeId}`);
  }
  if (claimed && date !== undefined && dates.size === 1 && date !== claimed.date) {
    problems.add(`file holds sales of ${date} but was uploaded for ${claimed.date}`);
  }
  if (problems.count) return { ok: false, reasons: problems.list, problemCount: problems.count, storeId, date };
  return { ok: true, storeId: storeId as string, date: date as string, rows };
}

/** The store and date an upload key claims (`<prefix><store>/<date>/<file>.csv`), if it has that shape. */
export function claimedByKey(key: string, uploadPrefix: string): { storeId: string; date: string } | undefined {
  if (!key.startsWith(uploadPrefix)) return undefined;
  const parts = key.slice(uploadPrefix.length).split("/");
  if (parts.length !== 3 || !STORE_ID_PATTERN.test(parts[0]) || !isDate(parts[1])) return undefined;
  return { storeId: parts[0], date: parts[1] };
}
