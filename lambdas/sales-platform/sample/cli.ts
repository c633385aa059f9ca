/**
 * Writes the sample data set to a directory, one CSV per store-day (<dir>/<store>/<date>/...):
 *   npx esbuild --bundle --platform=node lambdas/sales-platform/sample/cli.ts | node - --out sample-data [--stores 11] [--days 30] [--last 2026-01-30]
 * Upload them with the API's upload URLs, or straight to the bucket under the upload prefix:
 *   aws s3 cp --recursive sample-data s3://<bucket>/uploads/
 */
import fs from "node:fs";
import path from "node:path";
import { generateSampleData } from "./generate";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const out = arg("out") ?? "sample-data";
const files = generateSampleData({
  stores: arg("stores") ? Number(arg("stores")) : undefined,
  days: arg("days") ? Number(arg("days")) : undefined,
  lastDate: arg("last"),
});
for (const f of files) {
  const dir = path.join(out, f.storeId, f.date);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, f.fileName), f.csv);
}
console.log(`wrote ${files.length} files to ${out}/<store>/<date>/`);
