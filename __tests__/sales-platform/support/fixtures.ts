// Small, fixed inputs for step handlers.
import { analyzeTrends, companyMetrics, productMetrics } from "../../../lambdas/sales-platform/lib/analysis";
import type { AnalysedDay } from "../../../lambdas/sales-platform/lib/steps";

/** The state after the daily analysis' parallel step, for one store of two (0002 missing). */
export function analysedDay(date: string): AnalysedDay {
  const day = {
    storeId: "0001",
    date,
    totalSales: 100,
    totalUnits: 10,
    totalDiscount: 0,
    transactionCount: 4,
    lineCount: 4,
    productCount: 1,
    avgTransactionValue: 25,
    categorySales: { Dairy: { units: 10, sales: 100 } },
    topProducts: [],
    processedKey: "processed/x",
  };
  return {
    date,
    trigger: "manual",
    expectedStores: ["0001", "0002"],
    reportedStores: ["0001"],
    missingStores: ["0002"],
    stores: [{ storeId: "0001", totalSales: 100, transactionCount: 4 }],
    analysis: {
      company: companyMetrics(date, [day], ["0001", "0002"]),
      products: productMetrics(
        date,
        new Map([["0001", [{ productId: "P1", name: "Milk", category: "Dairy", units: 10, sales: 100 }]]]),
      ),
      anomalies: { date, rule: "r", anomalies: [], notJudged: ["0001"] },
      trends: analyzeTrends(date, new Map()),
    },
  };
}
