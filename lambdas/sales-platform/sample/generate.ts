/**
 * A generated, deterministic sample data set: N stores x D days of daily sales CSV files in the
 * contract's schema (default 11 stores x 30 days, the default expected_stores 0001..0011). Store
 * sizes differ, weekends sell more, store 0003 grows steadily and store 0007 has a collapse on
 * the last day, so the analyses have a trend and an anomaly to find. Same options, same bytes.
 */
import { CSV_COLUMNS } from "../contract";

export interface SampleOptions {
  /** @default 11 */
  readonly stores?: number;
  /** @default 30 */
  readonly days?: number;
  /** Last day of the data set. @default "2026-01-30" */
  readonly lastDate?: string;
  /** Picks the pseudo-random sequence (the PRNG's start state). @default 1 */
  readonly sequence?: number;
}

export interface SampleFile {
  readonly storeId: string;
  readonly date: string;
  readonly fileName: string;
  readonly csv: string;
}

export const CATALOG = [
  ["P001", "Whole Milk 1L", "Dairy", 1.49],
  ["P002", "Greek Yogurt", "Dairy", 0.99],
  ["P003", "Cheddar 200g", "Dairy", 3.29],
  ["P004", "Butter 250g", "Dairy", 2.79],
  ["P005", "Sourdough Loaf", "Bakery", 3.99],
  ["P006", "Croissant", "Bakery", 1.25],
  ["P007", "Bagels 6-pack", "Bakery", 2.99],
  ["P008", "Bananas 1kg", "Produce", 1.19],
  ["P009", "Apples 1kg", "Produce", 2.49],
  ["P010", "Tomatoes 500g", "Produce", 1.89],
  ["P011", "Avocado", "Produce", 0.89],
  ["P012", "Chicken Breast 500g", "Meat", 5.99],
  ["P013", "Ground Beef 500g", "Meat", 4.99],
  ["P014", "Salmon Fillet", "Meat", 7.49],
  ["P015", "Orange Juice 1L", "Beverages", 2.59],
  ["P016", "Coffee Beans 500g", "Beverages", 8.99],
  ["P017", "Sparkling Water 6x1L", "Beverages", 3.49],
  ["P018", "Green Tea 20 bags", "Beverages", 2.29],
  ["P019", "Pasta 500g", "Pantry", 1.09],
  ["P020", "Olive Oil 500ml", "Pantry", 6.49],
  ["P021", "Rice 1kg", "Pantry", 1.99],
  ["P022", "Tomato Sauce", "Pantry", 1.59],
  ["P023", "Dark Chocolate", "Snacks", 2.19],
  ["P024", "Potato Chips", "Snacks", 1.79],
] as const;

/** mulberry32: a small, fast, deterministic PRNG. */
function prng(start: number): () => number {
  let a = start >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const addDays = (date: string, days: number): string => {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};

export const storeIds = (n: number): string[] => Array.from({ length: n }, (_, i) => String(i + 1).padStart(4, "0"));

/** The sales CSV of one store-day. */
export function storeDayCsv(storeId: string, date: string, dayIndex: number, days: number, sequence = 1): string {
  const storeNo = Number(storeId);
  const random = prng(sequence * 1_000_003 + storeNo * 7919 + dayIndex * 104_729);
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  let traffic = 40 + ((storeNo * 37) % 60); // store size
  if (weekday === 0 || weekday === 6) traffic *= 1.35;
  if (storeId === "0003") traffic *= 1 + 0.02 * dayIndex; // steady growth
  if (storeId === "0007" && dayIndex === days - 1) traffic *= 0.2; // a collapse on the last day
  const transactions = Math.max(1, Math.round(traffic * (0.9 + 0.2 * random())));
  const lines: string[] = [CSV_COLUMNS.join(",")];
  for (let t = 1; t <= transactions; t++) {
    const txn = `T${storeId}-${date.replace(/-/g, "")}-${String(t).padStart(4, "0")}`;
    const items = 1 + Math.floor(random() * 4);
    const picked = new Set<number>();
    while (picked.size < items) picked.add(Math.floor(random() * CATALOG.length));
    for (const i of [...picked].sort((a, b) => a - b)) {
      const [productId, name, category, price] = CATALOG[i];
      const quantity = 1 + Math.floor(random() * 3);
      const discount = random() < 0.1 ? Math.round(quantity * price * 10) / 100 : 0;
      const total = Math.round(quantity * price * 100 - discount * 100) / 100;
      const nameField = name.includes(",") ? `"${name}"` : name;
      lines.push(
        [
          date,
          storeId,
          txn,
          productId,
          nameField,
          category,
          quantity,
          price.toFixed(2),
          discount.toFixed(2),
          total.toFixed(2),
        ].join(","),
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

/** The whole data set, oldest day first. */
export function generateSampleData(options: SampleOptions = {}): SampleFile[] {
  const { stores = 11, days = 30, lastDate = "2026-01-30", sequence = 1 } = options;
  const first = addDays(lastDate, -(days - 1));
  const files: SampleFile[] = [];
  for (let d = 0; d < days; d++) {
    const date = addDays(first, d);
    for (const storeId of storeIds(stores)) {
      files.push({
        storeId,
        date,
        fileName: `sales_${storeId}_${date}.csv`,
        csv: storeDayCsv(storeId, date, d, days, sequence),
      });
    }
  }
  return files;
}
