/** The daily report as plain text (e-mail and SMS friendly), from the combined insights. */
import type { Insights } from "./steps";

/** SNS limits: subjects are at most 100 ASCII characters; messages at most 256 KB. */
export const SNS_LIMITS = { subject: 100, messageBytes: 256 * 1024 } as const;

const money = (n: number) => n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const signed = (n: number | null) => (n === null ? "n/a" : `${n > 0 ? "+" : ""}${n.toFixed(1)}%`);

export function reportSubject(i: Insights): string {
  const alerts = i.anomalies.anomalies.filter((a) => a.severity === "high").length;
  const subject =
    `Daily sales report ${i.date}: ${money(i.company.totalSales)} from ${i.company.storeCount}/${i.expectedStores.length} stores` +
    (alerts ? `, ${alerts} alert(s)` : "");
  return subject.replace(/[^\x20-\x7E]/g, "").slice(0, SNS_LIMITS.subject);
}

export function reportText(i: Insights): string {
  const c = i.company;
  const lines: string[] = [];
  lines.push(`DAILY SALES REPORT - ${i.date}`, "");
  lines.push("COMPANY");
  lines.push(`  Total sales:            ${money(c.totalSales)}`);
  lines.push(`  Units sold:             ${c.totalUnits}`);
  lines.push(`  Transactions:           ${c.transactionCount}`);
  lines.push(`  Avg transaction value:  ${money(c.avgTransactionValue)}`);
  lines.push(`  Stores reported:        ${c.storeCount} of ${i.expectedStores.length}`);
  if (i.missingStores.length) lines.push(`  MISSING STORES:         ${i.missingStores.join(", ")}`);
  lines.push(
    `  Best store:             ${c.bestStore.storeId} (${money(c.bestStore.totalSales)}, ${c.bestStore.share}%)`,
  );
  lines.push(
    `  Weakest store:          ${c.worstStore.storeId} (${money(c.worstStore.totalSales)}, ${c.worstStore.share}%)`,
  );
  lines.push(
    `  Trend:                  ${i.trends.company.direction} (week over week ${signed(i.trends.company.weekOverWeekPct)}, ${signed(i.trends.company.slopePctPerDay)}/day over 28 days)`,
  );
  lines.push("", "STORES");
  for (const s of c.stores) lines.push(`  ${s.storeId.padEnd(12)} ${money(s.totalSales).padStart(14)}  ${s.share}%`);
  lines.push("", "TOP PRODUCTS");
  for (const p of i.products.topProducts.slice(0, 5)) {
    lines.push(`  ${p.name} (${p.category}): ${money(p.sales)}, ${p.units} units, ${p.stores} store(s)`);
  }
  lines.push("", "CATEGORIES");
  for (const cat of i.products.categories.slice(0, 10))
    lines.push(`  ${cat.category}: ${money(cat.sales)} (${cat.share}%)`);
  lines.push("", `ANOMALIES (${i.anomalies.rule})`);
  if (i.anomalies.anomalies.length === 0) lines.push("  none");
  for (const a of i.anomalies.anomalies.slice(0, 20)) {
    lines.push(
      `  [${a.severity.toUpperCase()}] store ${a.storeId}: ${a.metric} ${money(a.value)} is ${a.direction} its median ${money(a.baseline)} (z=${a.score})`,
    );
  }
  if (i.anomalies.notJudged.length) lines.push(`  (too little history to judge: ${i.anomalies.notJudged.join(", ")})`);
  if (i.trends.risers.length || i.trends.fallers.length) {
    lines.push("", "TRENDS (week over week)");
    for (const t of i.trends.risers)
      lines.push(`  up   ${t.scope.replace("store:", "store ")} ${signed(t.weekOverWeekPct)}`);
    for (const t of i.trends.fallers)
      lines.push(`  down ${t.scope.replace("store:", "store ")} ${signed(t.weekOverWeekPct)}`);
  }
  const r = i.recommendations;
  lines.push("", `RECOMMENDATIONS (${r.source === "bedrock" ? `Amazon Bedrock, ${r.modelId}` : "rule-based"})`);
  if (r.fallbackReason) lines.push(`  (the model could not be used: ${r.fallbackReason})`);
  r.items.forEach((x, n) => {
    lines.push(`  ${n + 1}. [${x.priority}] ${x.title}`, `     ${x.detail}`);
  });
  lines.push("", `Generated ${i.generatedAt} (trigger: ${i.trigger}).`);
  let text = lines.join("\n");
  while (Buffer.byteLength(text, "utf8") > SNS_LIMITS.messageBytes) text = text.slice(0, Math.floor(text.length * 0.9));
  return text;
}
