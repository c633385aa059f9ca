/**
 * A store-day's sales as Apache Parquet (columnar, snappy-compressed), written with
 * hyparquet-writer and read back with hyparquet. Column names are the CSV's, so the processed
 * files query the same way as the uploads (Athena, QuickSight, pandas).
 */
import { parquetReadObjects } from "hyparquet";
import { parquetWriteBuffer } from "hyparquet-writer";
import type { SaleRow } from "./csv";

type Basic = "STRING" | "INT32" | "DOUBLE";
const COLUMNS: readonly { name: string; field: keyof SaleRow; type: Basic }[] = [
  { name: "date", field: "date", type: "STRING" },
  { name: "store_id", field: "storeId", type: "STRING" },
  { name: "transaction_id", field: "transactionId", type: "STRING" },
  { name: "product_id", field: "productId", type: "STRING" },
  { name: "product_name", field: "productName", type: "STRING" },
  { name: "category", field: "category", type: "STRING" },
  { name: "quantity", field: "quantity", type: "INT32" },
  { name: "unit_price", field: "unitPrice", type: "DOUBLE" },
  { name: "discount", field: "discount", type: "DOUBLE" },
  { name: "total", field: "total", type: "DOUBLE" },
];

/** The rows as a Parquet file; `metadata` lands in the file's key-value metadata. */
export function toParquet(rows: readonly SaleRow[], metadata: Record<string, string> = {}): Buffer {
  if (rows.length === 0) throw new Error("toParquet: no rows");
  const buffer = parquetWriteBuffer({
    columnData: COLUMNS.map((c) => ({
      name: c.name,
      type: c.type,
      nullable: false,
      data: rows.map((r) => r[c.field]),
    })),
    kvMetadata: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    createdBy: "sales-platform process-upload",
  });
  return Buffer.from(buffer);
}

/** The rows of a Parquet file written by toParquet. */
export async function fromParquet(file: Buffer | Uint8Array): Promise<SaleRow[]> {
  const bytes = file instanceof Buffer ? file : Buffer.from(file);
  const arrayBuffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const records = (await parquetReadObjects({ file: arrayBuffer })) as Record<string, unknown>[];
  return records.map((r) => {
    const row: Record<string, unknown> = {};
    for (const c of COLUMNS) {
      const v = r[c.name];
      row[c.field] = c.type === "STRING" ? String(v) : Number(v);
    }
    return row as unknown as SaleRow;
  });
}
