/** A store's daily metrics from its validated sales lines (money summed in cents, so totals are exact). */
import type { SaleRow } from "./csv";

export interface ProductFigures {
  readonly productId: string;
  readonly name: string;
  readonly category: string;
  readonly units: number;
  readonly sales: number;
}

export interface CategoryFigures {
  readonly units: number;
  readonly sales: number;
}

export interface StoreDayMetrics {
  readonly storeId: string;
  readonly date: string;
  readonly totalSales: number;
  readonly totalUnits: number;
  readonly totalDiscount: number;
  /** Distinct transactions. */
  readonly transactionCount: number;
  readonly lineCount: number;
  readonly productCount: number;
  /** totalSales / transactionCount. */
  readonly avgTransactionValue: number;
  readonly categorySales: Readonly<Record<string, CategoryFigures>>;
  /** Best sellers by sales (at most TOP_PRODUCTS). */
  readonly topProducts: readonly ProductFigures[];
  /** The Parquet file the metrics come from. */
  readonly processedKey: string;
}

export const TOP_PRODUCTS = 10;

export const round2 = (n: number): number => Math.round(n * 100) / 100;
const cents = (n: number): number => Math.round(n * 100);

/** Products of some sales lines, summed (sales in currency units). */
export function productFigures(rows: readonly SaleRow[]): ProductFigures[] {
  const byId = new Map<string, { name: string; category: string; units: number; cents: number }>();
  for (const r of rows) {
    const p = byId.get(r.productId) ?? { name: r.productName, category: r.category, units: 0, cents: 0 };
    p.units += r.quantity;
    p.cents += cents(r.total);
    byId.set(r.productId, p);
  }
  return [...byId.entries()].map(([productId, p]) => ({
    productId,
    name: p.name,
    category: p.category,
    units: p.units,
    sales: p.cents / 100,
  }));
}

/** Orders by sales, then units, then id (a stable ranking). */
export const bySales = (a: ProductFigures, b: ProductFigures): number =>
  b.sales - a.sales || b.units - a.units || a.productId.localeCompare(b.productId);

export function storeDayMetrics(rows: readonly SaleRow[], processedKey: string): StoreDayMetrics {
  if (rows.length === 0) throw new Error("storeDayMetrics: no rows");
  const { storeId, date } = rows[0];
  let salesCents = 0;
  let discountCents = 0;
  let units = 0;
  const transactions = new Set<string>();
  const categories = new Map<string, { units: number; cents: number }>();
  for (const r of rows) {
    salesCents += cents(r.total);
    discountCents += cents(r.discount);
    units += r.quantity;
    transactions.add(r.transactionId);
    const c = categories.get(r.category) ?? { units: 0, cents: 0 };
    c.units += r.quantity;
    c.cents += cents(r.total);
    categories.set(r.category, c);
  }
  const products = productFigures(rows).sort(bySales);
  return {
    storeId,
    date,
    totalSales: salesCents / 100,
    totalUnits: units,
    totalDiscount: discountCents / 100,
    transactionCount: transactions.size,
    lineCount: rows.length,
    productCount: products.length,
    avgTransactionValue: round2(salesCents / 100 / transactions.size),
    categorySales: Object.fromEntries(
      [...categories.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, { units: v.units, sales: v.cents / 100 }]),
    ),
    topProducts: products.slice(0, TOP_PRODUCTS),
    processedKey,
  };
}
