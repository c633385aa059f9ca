/**
 * The runtime contract between the infrastructure (stacks/) and the function code (lambdas/):
 * environment variable names, S3 prefixes, table keys and image commands. Both sides import
 * this module, so a name changes in exactly one place. It must stay free of imports.
 */

/** Environment variables every function (and the CodeBuild project) receives. */
export const ENV = {
  ordersTable: "IAC_CI_ORDERS_TABLE",
  orderEventsTable: "IAC_CI_ORDER_EVENTS_TABLE",
  locksTable: "IAC_CI_LOCKS_TABLE",
  internalBucket: "IAC_CI_INTERNAL_BUCKET",
  doneBucket: "IAC_CI_DONE_BUCKET",
} as const;
export type EnvName = (typeof ENV)[keyof typeof ENV];

/** Environment variables only some functions receive (what each one calls). */
export const FUNCTION_ENV = {
  /** process_webhook: name of the SSM SecureString parameter holding the webhook HMAC secret. */
  webhookSecretParameter: "IAC_CI_WEBHOOK_SECRET_PARAMETER",
  /** process_webhook: the orchestrator function it invokes asynchronously. */
  orchestratorFunction: "IAC_CI_ORCHESTRATOR_FUNCTION",
  /** orchestrator: the worker function it dispatches short jobs to. */
  workerFunction: "IAC_CI_WORKER_FUNCTION",
  /** orchestrator: the CodeBuild project it dispatches long jobs to. */
  runnerProject: "IAC_CI_RUNNER_PROJECT",
  /** orchestrator: the watchdog state machine it starts per run. */
  watchdogStateMachine: "IAC_CI_WATCHDOG_STATE_MACHINE",
} as const;

/** Key prefixes in the internal bucket. IAM policies are scoped to exactly these. */
export const S3_PREFIX = {
  /** Job payloads written by process_webhook, read by the worker and CodeBuild. */
  exec: "tmp/exec/",
  /** Run results; a `result.json` here triggers the orchestrator. */
  callbacks: "tmp/callbacks/runs/",
} as const;

/** The object name under S3_PREFIX.callbacks whose creation notifies the orchestrator. */
export const RESULT_OBJECT_SUFFIX = "result.json";

/** Key of an order's job payload. */
export const payloadKey = (orderId: string): string => `${S3_PREFIX.exec}${orderId}/payload.json`;
/** Key of an order's run result. */
export const resultKey = (orderId: string): string => `${S3_PREFIX.callbacks}${orderId}/${RESULT_OBJECT_SUFFIX}`;

/** DynamoDB key schemas. */
export const TABLE_KEYS = {
  orders: { partitionKey: "pk" },
  orderEvents: { partitionKey: "pk", sortKey: "sk" },
  locks: { partitionKey: "pk" },
  /** Attribute holding the epoch-seconds expiry that DynamoDB TTL deletes on. */
  ttlAttribute: "ttl",
} as const;

/** The order_events index to list events of one target (order_name) by time. */
export const ORDER_NAME_INDEX = {
  name: "order_name_index",
  partitionKey: "order_name",
  sortKey: "epoch",
} as const;

/** The four functions built from the one image; `command` is the image CMD of each. */
export const FUNCTIONS = {
  processWebhook: { id: "process_webhook", command: "process_webhook.handler" },
  orchestrator: { id: "orchestrator", command: "orchestrator.handler" },
  watchdogCheck: { id: "watchdog_check", command: "watchdog_check.handler" },
  worker: { id: "worker", command: "worker.handler" },
} as const;
export type FunctionKey = keyof typeof FUNCTIONS;

/** Where the bundles live inside the image (the Lambda task root) and the worker's CLI. */
export const IMAGE_TASK_ROOT = "/var/task";
/** The command CodeBuild runs: the worker entry point in CLI mode, so both runners behave alike. */
export const CODEBUILD_WORKER_COMMAND = `node ${IMAGE_TASK_ROOT}/worker.js --cli`;
