/**
 * The runtime contract of the step-function pipeline: the two functions, the shape
 * of the execution input and of each step's output, and the limits the first step enforces.
 * Both the stack and the handlers import it. It must stay free of imports.
 */

/** Seconds each step may run: the function's timeout, and its task's in the state machine. */
export const STEP_TIMEOUT_SECONDS = 30;

/** The two functions, run in this order by the state machine (128 MB each). Neither reads env vars. */
export const FUNCTIONS = {
  lambdaOne: {
    id: "lambda_one",
    entry: "lambda_one.ts",
    timeout: STEP_TIMEOUT_SECONDS,
    memorySize: 128,
    env: [] as string[],
  },
  lambdaTwo: {
    id: "lambda_two",
    entry: "lambda_two.ts",
    timeout: STEP_TIMEOUT_SECONDS,
    memorySize: 128,
    env: [] as string[],
  },
} as const;
export type FunctionKey = keyof typeof FUNCTIONS;

/** Currencies the pipeline prices in. */
export const CURRENCIES = ["USD", "EUR", "GBP"] as const;
export type Currency = (typeof CURRENCIES)[number];
export const DEFAULT_CURRENCY: Currency = "USD";

/** Limits of one execution's input. */
export const INPUT_LIMITS = {
  maxItems: 100,
  maxQuantity: 10_000,
  maxUnitPrice: 1_000_000,
  maxSkuLength: 64,
  maxRequestIdLength: 128,
} as const;
export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/** The execution input (what the API route's request body becomes). */
export interface PipelineInput {
  readonly requestId?: string;
  readonly currency?: string;
  readonly items: readonly { readonly sku: string; readonly quantity: number; readonly unitPrice: number }[];
}

/** lambda_one's output: the validated input, enriched. */
export interface EnrichedOrder {
  readonly requestId: string;
  readonly currency: Currency;
  readonly receivedAt: string;
  readonly items: readonly { sku: string; quantity: number; unitPrice: number; lineTotal: number }[];
}

/** lambda_two's output: the pipeline's result. */
export interface PipelineResult {
  readonly requestId: string;
  readonly currency: Currency;
  readonly itemCount: number;
  readonly totalQuantity: number;
  readonly total: number;
  readonly receivedAt: string;
  readonly completedAt: string;
}

/**
 * Error names the handlers throw (Lambda reports them as the error type; the state machine
 * catches them). A ValidationError is never retried: the same input fails the same way.
 */
export const ERRORS = { validation: "ValidationError", input: "InvalidStepInput" } as const;

/** Routes of the pipeline's HTTP API. */
export const API_ROUTES = { startRun: { method: "POST", path: "/runs" } } as const;
