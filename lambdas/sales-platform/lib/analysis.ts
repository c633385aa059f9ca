/**
 * The daily analyses as pure functions of the stored store-days: company and product metrics,
 * anomalies (the contract's ANOMALY_RULE), trends (TREND_RULE) and rule-based recommendations.
 * Handlers read the table, call these, and write the results.
 */
import { ANOMALY_RULE, TREND_RULE } from "../contract";
import { addDays } from "./dates";
import { bySales, type CategoryFigures, type ProductFigures, round2, type StoreDayMetrics } from "./metrics";
import { mean, modifiedZScore, slope } from "./stats";

export interface StoreShare {
  readonly storeId: string;
  readonly totalSales: number;
  /** Percent of the company's sales. */
  readonly share: number;
}

export interface CompanyMetrics {
  readonly date: string;
  readonly storeCount: number;
  readonly expectedStoreCount: number;
  readonly missingStores: readonly string[];
  readonly totalSales: number;
  readonly totalUnits: number;
  readonly transactionCount: number;
  readonly avgTransactionValue: number;
  readonly avgSalesPerStore: number;
  readonly bestStore: StoreShare;
  readonly worstStore: StoreShare;
  readonly stores: readonly StoreShare[];
  readonly categorySales: Readonly<Record<string, CategoryFigures>>;
}

const cents = (n: number): number => Math.round(n * 100);
const pct = (part: number, whole: number): number => (whole === 0 ? 0 : round2((100 * part) / whole));

export function companyMetrics(
  date: string,
  stores: readonly StoreDayMetrics[],
  expected: readonly string[],
): CompanyMetrics {
  if (stores.length === 0) throw new Error(`companyMetrics: no store reported for ${date}`);
  const totalCents = stores.reduce((n, s) => n + cents(s.totalSales), 0);
  const totalSales = totalCents / 100;
  const transactionCount = stores.reduce((n, s) => n + s.transactionCount, 0);
  const categories = new Map<string, { units: number; cents: number }>();
  for (const s of stores) {
    for (const [name, c] of Object.entries(s.categorySales)) {
      const acc = categories.get(name) ?? { units: 0, cents: 0 };
      acc.units += c.units;
      acc.cents += cents(c.sales);
      categories.set(name, acc);
    }
  }
  const shares = stores
    .map((s) => ({ storeId: s.storeId, totalSales: s.totalSales, share: pct(s.totalSales, totalSales) }))
    .sort((a, b) => b.totalSales - a.totalSales || a.storeId.localeCompare(b.storeId));
  const reported = new Set(stores.map((s) => s.storeId));
  return {
    date,
    storeCount: stores.length,
    expectedStoreCount: expected.length,
    missingStores: expected.filter((id) => !reported.has(id)),
    totalSales,
    totalUnits: stores.reduce((n, s) => n + s.totalUnits, 0),
    transactionCount,
    avgTransactionValue: transactionCount ? round2(totalSales / transactionCount) : 0,
    avgSalesPerStore: round2(totalSales / stores.length),
    bestStore: shares[0],
    worstStore: shares[shares.length - 1],
    stores: shares,
    categorySales: Object.fromEntries(
      [...categories.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, { units: v.units, sales: v.cents / 100 }]),
    ),
  };
}

export interface CompanyProduct extends ProductFigures {
  /** Stores that sold it that day. */
  readonly stores: number;
}

export interface ProductMetrics {
  readonly date: string;
  readonly productCount: number;
  readonly topProducts: readonly CompanyProduct[];
  readonly bottomProducts: readonly CompanyProduct[];
  readonly categories: readonly { category: string; units: number; sales: number; share: number }[];
}

export const PRODUCT_LIST_LIMITS = { top: 20, bottom: 10 } as const;

/** Products across stores from each store's product figures of the day. */
export function productMetrics(date: string, perStore: ReadonlyMap<string, readonly ProductFigures[]>): ProductMetrics {
  const all = new Map<string, { p: ProductFigures; cents: number; units: number; stores: number }>();
  for (const products of perStore.values()) {
    for (const p of products) {
      const acc = all.get(p.productId) ?? { p, cents: 0, units: 0, stores: 0 };
      acc.cents += cents(p.sales);
      acc.units += p.units;
      acc.stores += 1;
      all.set(p.productId, acc);
    }
  }
  const list: CompanyProduct[] = [...all.values()]
    .map((a) => ({ ...a.p, units: a.units, sales: a.cents / 100, stores: a.stores }))
    .sort(bySales);
  const total = list.reduce((n, p) => n + cents(p.sales), 0) / 100;
  const categories = new Map<string, { units: number; cents: number }>();
  for (const p of list) {
    const c = categories.get(p.category) ?? { units: 0, cents: 0 };
    c.units += p.units;
    c.cents += cents(p.sales);
    categories.set(p.category, c);
  }
  return {
    date,
    productCount: list.length,
    topProducts: list.slice(0, PRODUCT_LIST_LIMITS.top),
    bottomProducts: list.slice(-PRODUCT_LIST_LIMITS.bottom).reverse(),
    categories: [...categories.entries()]
      .map(([category, c]) => ({ category, units: c.units, sales: c.cents / 100, share: pct(c.cents / 100, total) }))
      .sort((a, b) => b.sales - a.sales || a.category.localeCompare(b.category)),
  };
}

export type AnomalyMetric = (typeof ANOMALY_RULE.metrics)[number];

export interface Anomaly {
  readonly storeId: string;
  readonly metric: AnomalyMetric;
  readonly value: number;
  /** The median of the store's history. */
  readonly baseline: number;
  /** The modified z-score, clamped to +-999 (an infinite score is stored as 999). */
  readonly score: number;
  readonly direction: "above" | "below";
  readonly severity: "high" | "medium";
  readonly historyDays: number;
}

export interface AnomalyReport {
  readonly date: string;
  readonly rule: string;
  readonly anomalies: readonly Anomaly[];
  /** Stores with fewer than ANOMALY_RULE.minHistory days of history: not judged. */
  readonly notJudged: readonly string[];
}

export const ANOMALY_RULE_TEXT =
  `modified z-score of each store's ${ANOMALY_RULE.metrics.join(", ")} against its previous ` +
  `${ANOMALY_RULE.historyDays} days; |z| > ${ANOMALY_RULE.threshold} is an anomaly, > ${ANOMALY_RULE.highThreshold} high`;

/**
 * Anomalies of the day: each store's metrics against the same store's history (the days before
 * `date` within ANOMALY_RULE.historyDays). `history` holds store-days of any dates; those outside
 * the window are ignored.
 */
export function detectAnomalies(
  date: string,
  today: readonly StoreDayMetrics[],
  history: ReadonlyMap<string, readonly StoreDayMetrics[]>,
): AnomalyReport {
  const from = addDays(date, -ANOMALY_RULE.historyDays);
  const anomalies: Anomaly[] = [];
  const notJudged: string[] = [];
  for (const store of today) {
    const past = (history.get(store.storeId) ?? []).filter((d) => d.date >= from && d.date < date);
    if (past.length < ANOMALY_RULE.minHistory) {
      notJudged.push(store.storeId);
      continue;
    }
    for (const metric of ANOMALY_RULE.metrics) {
      const { score, baseline } = modifiedZScore(
        store[metric],
        past.map((d) => d[metric]),
      );
      if (Math.abs(score) <= ANOMALY_RULE.threshold) continue;
      anomalies.push({
        storeId: store.storeId,
        metric,
        value: store[metric],
        baseline: round2(baseline),
        score: Math.max(-999, Math.min(999, round2(score))),
        direction: score > 0 ? "above" : "below",
        severity: Math.abs(score) > ANOMALY_RULE.highThreshold ? "high" : "medium",
        historyDays: past.length,
      });
    }
  }
  anomalies.sort((a, b) => Math.abs(b.score) - Math.abs(a.score) || a.storeId.localeCompare(b.storeId));
  return { date, rule: ANOMALY_RULE_TEXT, anomalies, notJudged: notJudged.sort() };
}

export interface SeriesPoint {
  readonly date: string;
  readonly totalSales: number;
}

export interface Trend {
  /** `company` or `store:<id>`. */
  readonly scope: string;
  /** Mean daily sales of the last 7 days vs the 7 before, in percent; null without data in both. */
  readonly weekOverWeekPct: number | null;
  /** Least-squares slope over the last 28 days as a percent of the mean, per day. */
  readonly slopePctPerDay: number;
  readonly direction: "up" | "down" | "flat";
  /** Days with data in the 28-day window. */
  readonly days: number;
}

export interface TrendReport {
  readonly date: string;
  readonly company: Trend;
  readonly stores: readonly Trend[];
  /** Stores with the largest week-over-week rise and fall (at most 3 each). */
  readonly risers: readonly Trend[];
  readonly fallers: readonly Trend[];
}

/** The trend of one daily series ending on `date` (missing days are missing, not zero). */
export function trendOf(scope: string, date: string, series: readonly SeriesPoint[]): Trend {
  const index = (d: string) =>
    Math.round((Date.parse(`${d}T00:00:00Z`) - Date.parse(`${date}T00:00:00Z`)) / 86_400_000);
  const points = series.map((p) => ({ x: index(p.date), y: p.totalSales })).filter((p) => p.x <= 0);
  const window = points.filter((p) => p.x > -TREND_RULE.slopeDays);
  const w = TREND_RULE.windowDays;
  const recent = points.filter((p) => p.x > -w).map((p) => p.y);
  const prior = points.filter((p) => p.x <= -w && p.x > -2 * w).map((p) => p.y);
  const weekOverWeekPct =
    recent.length && prior.length && mean(prior) !== 0
      ? round2((100 * (mean(recent) - mean(prior))) / mean(prior))
      : null;
  const avg = mean(window.map((p) => p.y));
  const slopePctPerDay = window.length >= 2 && avg ? round2((100 * slope(window)) / avg) : 0;
  const change = weekOverWeekPct ?? slopePctPerDay * w;
  const direction = Math.abs(change) < TREND_RULE.flatPercent ? "flat" : change > 0 ? "up" : "down";
  return { scope, weekOverWeekPct, slopePctPerDay, direction, days: window.length };
}

/** Trends of the company (the sum of the stores' series, by day) and of each store. */
export function analyzeTrends(date: string, perStore: ReadonlyMap<string, readonly SeriesPoint[]>): TrendReport {
  const byDay = new Map<string, number>();
  for (const series of perStore.values()) {
    for (const p of series) byDay.set(p.date, (byDay.get(p.date) ?? 0) + cents(p.totalSales));
  }
  const companySeries = [...byDay.entries()].map(([d, c]) => ({ date: d, totalSales: c / 100 }));
  const stores = [...perStore.entries()]
    .map(([id, series]) => trendOf(`store:${id}`, date, series))
    .sort((a, b) => a.scope.localeCompare(b.scope));
  const ranked = stores.filter((t) => t.weekOverWeekPct !== null);
  const wow = (t: Trend) => t.weekOverWeekPct as number;
  return {
    date,
    company: trendOf("company", date, companySeries),
    stores,
    risers: [...ranked]
      .sort((a, b) => wow(b) - wow(a))
      .filter((t) => wow(t) > 0)
      .slice(0, 3),
    fallers: [...ranked]
      .sort((a, b) => wow(a) - wow(b))
      .filter((t) => wow(t) < 0)
      .slice(0, 3),
  };
}

export interface Recommendation {
  readonly priority: "high" | "medium" | "low";
  readonly title: string;
  readonly detail: string;
}

export interface AnalysisBundle {
  readonly company: CompanyMetrics;
  readonly products: ProductMetrics;
  readonly anomalies: AnomalyReport;
  readonly trends: TrendReport;
}

const storeOf = (scope: string) => scope.replace(/^store:/, "");
const money = (n: number) => n.toFixed(2);

/** Recommendations derived by fixed rules (used when the model cannot answer, and as its grounding). */
export function ruleRecommendations(a: AnalysisBundle): Recommendation[] {
  const out: Recommendation[] = [];
  if (a.company.missingStores.length) {
    out.push({
      priority: "high",
      title: `Collect missing sales files (${a.company.missingStores.length} store(s))`,
      detail: `No sales file arrived for ${a.company.date} from store(s) ${a.company.missingStores.join(", ")}; the day's figures are incomplete.`,
    });
  }
  for (const x of a.anomalies.anomalies.filter((x) => x.severity === "high").slice(0, 3)) {
    out.push({
      priority: "high",
      title: `Investigate store ${x.storeId}: ${x.metric} ${x.direction} normal`,
      detail: `${x.metric} was ${money(x.value)} against a median of ${money(x.baseline)} (modified z-score ${x.score}).`,
    });
  }
  for (const t of a.trends.fallers.slice(0, 2)) {
    out.push({
      priority: "medium",
      title: `Store ${storeOf(t.scope)} sales are falling`,
      detail: `Average daily sales changed ${t.weekOverWeekPct}% week over week; review staffing, stock and local promotions.`,
    });
  }
  const top = a.products.topProducts[0];
  if (top) {
    out.push({
      priority: "medium",
      title: `Keep ${top.name} in stock`,
      detail: `${top.name} (${top.category}) was the best seller with ${money(top.sales)} in sales across ${top.stores} store(s).`,
    });
  }
  const bottom = a.products.bottomProducts[0];
  if (bottom && bottom.productId !== top?.productId) {
    out.push({
      priority: "low",
      title: `Review ${bottom.name}`,
      detail: `${bottom.name} sold ${bottom.units} unit(s) for ${money(bottom.sales)}; consider a promotion or delisting.`,
    });
  }
  if (a.trends.company.direction === "up") {
    out.push({
      priority: "low",
      title: "Company sales are rising",
      detail: `Week over week ${a.trends.company.weekOverWeekPct ?? 0}%; make sure replenishment keeps up.`,
    });
  }
  return out;
}
