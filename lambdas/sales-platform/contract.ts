/**
 * The runtime contract of the sales data platform: environment variable names, the
 * functions and what each reads, the sales CSV schema, S3 key shapes, the single table's keys,
 * the REST routes, the state machines' step outputs and the limits the handlers enforce. The
 * stack and the handlers both import it, so a name changes in exactly one place. No imports.
 */

/** Environment variables the functions read. */
export const ENV = {
  /** DEBUG | INFO | WARNING | ERROR | CRITICAL (the `log_level` variable). */
  logLevel: "LOG_LEVEL",
  /** The data bucket (`<s3_bucket_name>-<suffix>`). */
  bucket: "DATA_BUCKET",
  /** The single table. */
  table: "SALES_TABLE",
  uploadPrefix: "UPLOAD_PREFIX",
  processedPrefix: "PROCESSED_PREFIX",
  rejectedPrefix: "REJECTED_PREFIX",
  quicksightPrefix: "QUICKSIGHT_PREFIX",
  /** Comma-separated store ids (the `expected_stores` variable). */
  expectedStores: "EXPECTED_STORES",
  bedrockModelId: "BEDROCK_MODEL_ID",
  /** ARN of the daily-analysis state machine (started once per day). */
  dailyAnalysisArn: "DAILY_ANALYSIS_STATE_MACHINE_ARN",
  /** The daily reports topic generate-report publishes to. */
  reportsTopicArn: "REPORTS_TOPIC_ARN",
  /** IANA time zone of "today" (the `daily_analysis_timezone` variable). */
  timezone: "ANALYSIS_TIMEZONE",
  /** The browser origin the API answers CORS for (the `frontend_origin` variable). */
  allowedOrigin: "ALLOWED_ORIGIN",
} as const;
export type EnvName = (typeof ENV)[keyof typeof ENV];

export type FunctionGroup = "upload-etl" | "daily-analysis" | "data-access" | "scheduler";

export interface FunctionSpec {
  /** Name part: functions are `<prefix>-<env>-<id>`. */
  readonly id: string;
  /** Entry file under lambdas/sales-platform/. */
  readonly entry: string;
  readonly group: FunctionGroup;
  /** The env vars its code reads (the stack must give exactly these). */
  readonly env: readonly EnvName[];
  /** Seconds. */
  readonly timeout: number;
  /** MB. */
  readonly memorySize: number;
  readonly description: string;
}

const fn = (
  id: string,
  group: FunctionGroup,
  env: readonly EnvName[],
  description: string,
  timeout = 30,
  memorySize = 256,
): FunctionSpec => ({ id, entry: `${id}.ts`, group, env: [ENV.logLevel, ...env], timeout, memorySize, description });

/** Every function of the platform. */
export const FUNCTIONS = {
  // Phase 1: upload ETL
  generateUploadUrl: fn(
    "generate-upload-url",
    "upload-etl",
    [ENV.bucket, ENV.uploadPrefix, ENV.expectedStores, ENV.allowedOrigin],
    "Presigned PUT URL for a store's daily sales CSV under the upload prefix",
  ),
  processUpload: fn(
    "process-upload",
    "upload-etl",
    [ENV.bucket, ENV.uploadPrefix, ENV.processedPrefix, ENV.rejectedPrefix, ENV.expectedStores],
    "Validates an uploaded CSV; good rows to Parquet under processed/, bad files to rejected/ with reasons",
    120,
    1024,
  ),
  calculateMetrics: fn(
    "calculate-metrics",
    "upload-etl",
    [ENV.bucket, ENV.processedPrefix],
    "Reads a store-day Parquet file and computes the store's daily metrics",
    60,
    512,
  ),
  writeMetrics: fn("write-metrics", "upload-etl", [ENV.table], "Writes a store's daily metrics to the table"),
  checkAllStores: fn(
    "check-all-stores",
    "upload-etl",
    [ENV.table, ENV.expectedStores, ENV.dailyAnalysisArn],
    "Tells whether every expected store has reported for the day; starts the daily analysis once then",
  ),
  // Phase 2: daily analysis
  getStoreSummaries: fn(
    "get-store-summaries",
    "daily-analysis",
    [ENV.table, ENV.expectedStores],
    "Reads the day's store metrics; lists missing stores",
  ),
  calcCompanyMetrics: fn(
    "calc-company-metrics",
    "daily-analysis",
    [ENV.table],
    "Company-wide totals, store ranking and category mix of the day",
  ),
  calcProductMetrics: fn(
    "calc-product-metrics",
    "daily-analysis",
    [ENV.table, ENV.bucket, ENV.processedPrefix],
    "Products across stores (from the day's Parquet files): best and worst sellers, category totals",
    60,
    512,
  ),
  detectAnomalies: fn(
    "detect-anomalies",
    "daily-analysis",
    [ENV.table],
    "Flags store-days far from the store's own history (modified z-score)",
  ),
  analyzeTrends: fn(
    "analyze-trends",
    "daily-analysis",
    [ENV.table],
    "Week-over-week change and 28-day slope of company and store sales",
  ),
  generateRecommendations: fn(
    "generate-recommendations",
    "daily-analysis",
    [ENV.table, ENV.bedrockModelId],
    "Recommendations from Bedrock (the configured model), rule-based when the model cannot answer",
    120,
  ),
  combineInsights: fn("combine-insights", "daily-analysis", [ENV.table], "Combines the day's analyses into one record"),
  generateReport: fn(
    "generate-report",
    "daily-analysis",
    [ENV.table, ENV.reportsTopicArn],
    "Renders the daily report and publishes it to the daily reports topic",
  ),
  exportToQuicksight: fn(
    "export-to-quicksight",
    "daily-analysis",
    [ENV.table, ENV.bucket, ENV.quicksightPrefix],
    "Writes the day's datasets as CSV under the QuickSight prefix",
    60,
  ),
  // Phase 3: data access APIs
  listFiles: fn(
    "list-files",
    "data-access",
    [ENV.bucket, ENV.uploadPrefix, ENV.processedPrefix, ENV.rejectedPrefix, ENV.allowedOrigin],
    "Lists uploaded, processed or rejected files",
  ),
  generateDownloadUrl: fn(
    "generate-download-url",
    "data-access",
    [ENV.bucket, ENV.uploadPrefix, ENV.processedPrefix, ENV.rejectedPrefix, ENV.allowedOrigin],
    "Presigned GET URL for a file under the upload, processed or rejected prefix",
  ),
  getAnalytics: fn(
    "get-analytics",
    "data-access",
    [ENV.table, ENV.allowedOrigin],
    "The day's analysis (company, products, anomalies, trends, recommendations) or one store's day",
  ),
  getTrends: fn(
    "get-trends",
    "data-access",
    [ENV.table, ENV.allowedOrigin],
    "Daily sales series of the company or one store over the last N days",
  ),
  // Scheduled fallback
  triggerDailyAnalysis: fn(
    "trigger-daily-analysis",
    "scheduler",
    [ENV.table, ENV.dailyAnalysisArn, ENV.timezone],
    "Scheduled fallback: starts today's daily analysis unless it already ran (at most once per day)",
  ),
} as const satisfies Record<string, FunctionSpec>;
export type FunctionKey = keyof typeof FUNCTIONS;

// ---- S3 ----------------------------------------------------------------------------------------

/** The bucket's prefixes; the first three are Terraform variables (these are their defaults). */
export const DEFAULT_PREFIXES = {
  upload: "uploads/",
  processed: "processed/",
  rejected: "rejected/",
} as const;
/** Where export-to-quicksight writes (fixed, not a Terraform variable). */
export const QUICKSIGHT_PREFIX = "quicksight/";

/** A store's processed day: Hive-style partitions, so Athena/QuickSight can prune by store and date. */
export const processedKey = (processedPrefix: string, storeId: string, date: string): string =>
  `${processedPrefix}store_id=${storeId}/date=${date}/sales.parquet`;

/** Where an upload URL lets a store put its file. */
export const uploadKey = (uploadPrefix: string, storeId: string, date: string, stamp: string): string =>
  `${uploadPrefix}${storeId}/${date}/sales_${storeId}_${date}_${stamp}.csv`;

/** A rejected file keeps its name under rejected/<store>/<date>/; its reasons sit beside it. */
export const rejectedKey = (rejectedPrefix: string, storeId: string, date: string, fileName: string): string =>
  `${rejectedPrefix}${storeId}/${date}/${fileName}`;
export const REJECTION_REASONS_SUFFIX = ".errors.json";

/** export-to-quicksight: one CSV per dataset and day. */
export const quicksightKey = (quicksightPrefix: string, dataset: QuicksightDataset, date: string): string =>
  `${quicksightPrefix}${dataset}/date=${date}/${dataset}.csv`;
/** The QuickSight S3 manifest of a dataset. */
export const quicksightManifestKey = (quicksightPrefix: string, dataset: QuicksightDataset): string =>
  `${quicksightPrefix}manifests/${dataset}.json`;

/** Datasets exported for QuickSight, with their columns (all exported as CSV text). */
export const QUICKSIGHT_DATASETS = {
  store_summaries: [
    { name: "date", type: "STRING" },
    { name: "store_id", type: "STRING" },
    { name: "total_sales", type: "DECIMAL" },
    { name: "total_units", type: "INTEGER" },
    { name: "transactions", type: "INTEGER" },
    { name: "avg_transaction_value", type: "DECIMAL" },
  ],
  products: [
    { name: "date", type: "STRING" },
    { name: "product_id", type: "STRING" },
    { name: "product_name", type: "STRING" },
    { name: "category", type: "STRING" },
    { name: "units", type: "INTEGER" },
    { name: "sales", type: "DECIMAL" },
    { name: "stores", type: "INTEGER" },
  ],
  anomalies: [
    { name: "date", type: "STRING" },
    { name: "store_id", type: "STRING" },
    { name: "metric", type: "STRING" },
    { name: "value", type: "DECIMAL" },
    { name: "baseline", type: "DECIMAL" },
    { name: "score", type: "DECIMAL" },
    { name: "direction", type: "STRING" },
    { name: "severity", type: "STRING" },
  ],
  trends: [
    { name: "date", type: "STRING" },
    { name: "scope", type: "STRING" },
    { name: "week_over_week_pct", type: "DECIMAL" },
    { name: "slope_pct_per_day", type: "DECIMAL" },
    { name: "direction", type: "STRING" },
  ],
  recommendations: [
    { name: "date", type: "STRING" },
    { name: "priority", type: "STRING" },
    { name: "title", type: "STRING" },
    { name: "detail", type: "STRING" },
    { name: "source", type: "STRING" },
  ],
} as const;
export type QuicksightDataset = keyof typeof QUICKSIGHT_DATASETS;

// ---- the sales CSV ----------------------------------------------------------------------------

/**
 * A store's daily sales file: one line per product of a transaction. Headers are matched
 * case-insensitively; extra columns are refused (a typo must not silently drop data).
 */
export const CSV_COLUMNS = [
  "date",
  "store_id",
  "transaction_id",
  "product_id",
  "product_name",
  "category",
  "quantity",
  "unit_price",
  "discount",
  "total",
] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];
/** Columns that may be empty (discount defaults to 0). */
export const OPTIONAL_CSV_COLUMNS: readonly CsvColumn[] = ["discount"];

export const UPLOAD_LIMITS = {
  /** Bytes of one upload. */
  maxBytes: 10 * 1024 * 1024,
  maxRows: 200_000,
  maxQuantity: 10_000,
  maxUnitPrice: 100_000,
  /** |total - (quantity * unit_price - discount)| allowed (rounding). */
  totalTolerance: 0.01,
  /** Reasons recorded per rejected file (the count of all problems is kept too). */
  maxReasons: 50,
  /** Seconds a presigned upload URL stays valid. */
  uploadUrlSeconds: 900,
  /** Seconds a presigned download URL stays valid. */
  downloadUrlSeconds: 300,
} as const;

export const STORE_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
export const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

// ---- the single table -------------------------------------------------------------------------

export const TABLE_KEYS = {
  partitionKey: "PK",
  sortKey: "SK",
  gsi1: { name: "GSI1", partitionKey: "GSI1PK", sortKey: "GSI1SK" },
} as const;

/**
 * Item shapes of the single table:
 *   STORE#<id>        DATE#<date>   a store's day (metrics); GSI1: DATE#<date> / STORE#<id>
 *   COMPANY           DATE#<date>   the company's day (series for trends)
 *   ANALYSIS#<date>   RUN           the daily analysis run marker (idempotency)
 *   ANALYSIS#<date>   COMPANY | PRODUCTS | ANOMALIES | TRENDS | RECOMMENDATIONS | INSIGHTS | REPORT
 */
export const keys = {
  storeDay: (storeId: string, date: string) => ({ PK: `STORE#${storeId}`, SK: `DATE#${date}` }),
  storeDayIndex: (storeId: string, date: string) => ({ GSI1PK: `DATE#${date}`, GSI1SK: `STORE#${storeId}` }),
  dateIndexPartition: (date: string) => `DATE#${date}`,
  storePartition: (storeId: string) => `STORE#${storeId}`,
  companyDay: (date: string) => ({ PK: "COMPANY", SK: `DATE#${date}` }),
  companyPartition: "COMPANY",
  dateSort: (date: string) => `DATE#${date}`,
  analysisPartition: (date: string) => `ANALYSIS#${date}`,
  analysis: (date: string, part: AnalysisPart) => ({ PK: `ANALYSIS#${date}`, SK: part }),
} as const;
export const ANALYSIS_PARTS = [
  "RUN",
  "COMPANY",
  "PRODUCTS",
  "ANOMALIES",
  "TRENDS",
  "RECOMMENDATIONS",
  "INSIGHTS",
  "REPORT",
] as const;
export type AnalysisPart = (typeof ANALYSIS_PARTS)[number];

// ---- statistics -------------------------------------------------------------------------------

/**
 * The anomaly rule (Iglewicz & Hoaglin's modified z-score): a store-day metric x is compared with
 * the same store's previous `historyDays` days. z = 0.6745 (x - median) / MAD, MAD the median
 * absolute deviation; when MAD is 0, z = (x - median) / (1.253314 * mean absolute deviation).
 * |z| > threshold flags an anomaly (high when |z| > highThreshold). Needs `minHistory` days.
 */
export const ANOMALY_RULE = {
  historyDays: 28,
  minHistory: 7,
  threshold: 3.5,
  highThreshold: 5,
  metrics: ["totalSales", "transactionCount", "avgTransactionValue"],
} as const;

/** Trends: last 7 days vs the 7 before; least-squares slope over 28 days as % of the mean per day. */
export const TREND_RULE = { windowDays: 7, slopeDays: 28, flatPercent: 2 } as const;

// ---- REST API ---------------------------------------------------------------------------------

/** The five routes of the REST API (stage `prod`), by OpenAPI operationId. */
export const API_ROUTES = {
  createUploadUrl: { method: "POST", path: "/uploads/url", fn: "generateUploadUrl" },
  listFiles: { method: "GET", path: "/files", fn: "listFiles" },
  createDownloadUrl: { method: "GET", path: "/files/download-url", fn: "generateDownloadUrl" },
  getAnalytics: { method: "GET", path: "/analytics", fn: "getAnalytics" },
  getTrends: { method: "GET", path: "/trends", fn: "getTrends" },
} as const satisfies Record<string, { method: string; path: string; fn: FunctionKey }>;
export type OperationId = keyof typeof API_ROUTES;

/** Which files list-files and generate-download-url serve. */
export const FILE_AREAS = ["uploads", "processed", "rejected"] as const;
export type FileArea = (typeof FILE_AREAS)[number];

export const API_LIMITS = {
  maxListFiles: 1000,
  defaultListFiles: 100,
  maxTrendDays: 365,
  defaultTrendDays: 30,
} as const;

// ---- state machine payloads -------------------------------------------------------------------

/** What the EventBridge input transformer hands upload-processor. */
export interface UploadEvent {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  readonly eventTime: string;
}

export const UPLOAD_STATUS = { valid: "VALID", rejected: "REJECTED", ignored: "IGNORED" } as const;
export type UploadStatus = (typeof UPLOAD_STATUS)[keyof typeof UPLOAD_STATUS];

/** process-upload's output; the state machine branches on `status`. */
export interface ProcessUploadResult {
  readonly status: UploadStatus;
  readonly bucket: string;
  readonly key: string;
  readonly storeId?: string;
  readonly date?: string;
  readonly rowCount?: number;
  readonly processedKey?: string;
  readonly rejectedKey?: string;
  readonly reasons?: readonly string[];
  readonly problemCount?: number;
  readonly message?: string;
}

/** The daily analysis input. */
export interface DailyAnalysisInput {
  readonly date: string;
  /** What started it. */
  readonly trigger: "all-stores-reported" | "schedule" | "manual";
}

/** Error names the handlers throw; the state machines catch them into the alert path. */
export const ERRORS = {
  invalidInput: "InvalidInput",
  noSalesData: "NoSalesData",
  configuration: "ConfigurationError",
} as const;
