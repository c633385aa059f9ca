/**
 * The runtime contract between the infrastructure (stacks/) and the function code (lambdas/):
 * environment variable names, S3 prefixes, table keys and image commands. Both sides import
 * this module, so a name changes in exactly one place. It must stay free of imports.
 */

/** Environment variables naming the system's tables and buckets. */
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
  /**
   * process_webhook: what an order made from a Git host's delivery runs, as JSON
   * `{"commands": [...], "runner": "lambda" | "codebuild", "timeout_seconds": n}` (GitOrderSettings).
   */
  gitOrder: "IAC_CI_WEBHOOK_GIT_ORDER",
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

/**
 * The four functions built from the one image: `command` is the image CMD of each, `timeout`
 * (seconds) and `memorySize` (MB) their size, kept as originally specified, `env` the
 * variables its code reads. The stack gives each function exactly these (and the grants
 * behind them), or synth fails.
 */
export const FUNCTIONS = {
  processWebhook: {
    id: "process_webhook",
    command: "process_webhook.handler",
    timeout: 300,
    memorySize: 512,
    env: [
      ENV.ordersTable,
      ENV.orderEventsTable,
      ENV.internalBucket,
      FUNCTION_ENV.webhookSecretParameter,
      FUNCTION_ENV.orchestratorFunction,
      FUNCTION_ENV.gitOrder,
    ],
  },
  orchestrator: {
    id: "orchestrator",
    command: "orchestrator.handler",
    timeout: 600,
    memorySize: 512,
    env: [
      ENV.ordersTable,
      ENV.orderEventsTable,
      ENV.locksTable,
      ENV.internalBucket,
      ENV.doneBucket,
      FUNCTION_ENV.workerFunction,
      FUNCTION_ENV.runnerProject,
      FUNCTION_ENV.watchdogStateMachine,
    ],
  },
  watchdogCheck: {
    id: "watchdog_check",
    command: "watchdog_check.handler",
    timeout: 60,
    memorySize: 256,
    env: [ENV.internalBucket],
  },
  worker: { id: "worker", command: "worker.handler", timeout: 600, memorySize: 1024, env: [ENV.internalBucket] },
} as const;
export type FunctionKey = keyof typeof FUNCTIONS;
/** What the CodeBuild runner (`worker.js --cli`) reads besides RUN_ENV. */
export const RUNNER_ENV = [ENV.internalBucket] as const;

/** Where the bundles live inside the image (the Lambda task root) and the worker's CLI. */
export const IMAGE_TASK_ROOT = "/var/task";
/** The command CodeBuild runs: the worker entry point in CLI mode, so both runners behave alike. */
export const CODEBUILD_WORKER_COMMAND = `node ${IMAGE_TASK_ROOT}/worker.js --cli`;

// ---------------------------------------------------------------------------------------------
// Runtime behaviour shared by the handlers (appended by the function code; stacks may import it).
// ---------------------------------------------------------------------------------------------

/** Lifecycle of an order (orders table `status`). */
export const ORDER_STATUS = {
  queued: "queued",
  running: "running",
  succeeded: "succeeded",
  failed: "failed",
  timedOut: "timed_out",
} as const;
export type OrderStatus = (typeof ORDER_STATUS)[keyof typeof ORDER_STATUS];
/** Statuses an order never leaves. */
export const TERMINAL_STATUSES: readonly OrderStatus[] = [
  ORDER_STATUS.succeeded,
  ORDER_STATUS.failed,
  ORDER_STATUS.timedOut,
];
/** Statuses a run result (result.json `status`) may carry. */
export const RESULT_STATUSES = [ORDER_STATUS.succeeded, ORDER_STATUS.failed, ORDER_STATUS.timedOut] as const;
export type ResultStatus = (typeof RESULT_STATUSES)[number];

/** Types of the order_events items. */
export const EVENT_TYPE = {
  /** process_webhook stored the order. */
  received: "received",
  /** The target's lock is held by another order; this one stays queued. */
  waiting: "waiting",
  /** The orchestrator took the lock and dispatched the run. */
  started: "started",
  /** The run has an outcome (status succeeded | failed | timed_out). */
  finished: "finished",
} as const;
export type EventType = (typeof EVENT_TYPE)[keyof typeof EVENT_TYPE];

/** Where an order runs. */
export const RUNNERS = ["lambda", "codebuild"] as const;
export type Runner = (typeof RUNNERS)[number];
export const DEFAULT_RUNNER: Runner = "lambda";

/** Function timeout of the worker (seconds): the run limits below are derived from it. */
export const WORKER_FUNCTION_TIMEOUT_SECONDS = FUNCTIONS.worker.timeout;
/** Seconds of the worker's function timeout kept free for reading the payload and posting the result. */
export const WORKER_TIMEOUT_SLACK_SECONDS = 60;

/**
 * Per-runner limits of `timeout_seconds`. `deadlineGraceSeconds` is added to the run's own
 * timeout to make the watchdog deadline (time to start: CodeBuild queueing and provisioning).
 */
export const RUN_LIMITS: Readonly<
  Record<
    Runner,
    {
      minTimeoutSeconds: number;
      maxTimeoutSeconds: number;
      defaultTimeoutSeconds: number;
      deadlineGraceSeconds: number;
    }
  >
> = {
  lambda: {
    minTimeoutSeconds: 1,
    maxTimeoutSeconds: WORKER_FUNCTION_TIMEOUT_SECONDS - WORKER_TIMEOUT_SLACK_SECONDS,
    defaultTimeoutSeconds: 300,
    deadlineGraceSeconds: 120,
  },
  codebuild: {
    minTimeoutSeconds: 60,
    maxTimeoutSeconds: 8 * 60 * 60,
    defaultTimeoutSeconds: 60 * 60,
    deadlineGraceSeconds: 30 * 60,
  },
};

/** Limits of a webhook request and of the order it carries. */
export const WEBHOOK_LIMITS = {
  /**
   * Largest accepted body (decoded bytes); larger answers 413. A GitHub push delivery lists its
   * commits (up to 2,048 of them), so the limit leaves room for a large merge.
   */
  maxBodyBytes: 1024 * 1024,
  maxCommands: 100,
  maxCommandLength: 8 * 1024,
  maxOrderNameLength: 128,
  maxDeliveryIdLength: 128,
} as const;
/** order_name: the target; one run at a time per order_name. */
export const ORDER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;

/** Request headers process_webhook reads (lower case, as API Gateway HTTP APIs deliver them). */
export const WEBHOOK_HEADERS = {
  /** `sha256=<hex HMAC-SHA256 of the raw body>` (GitHub webhook style). */
  signature: "x-hub-signature-256",
  /** Delivery id; the order id derives from it, so a redelivery maps to the same order. */
  delivery: "x-github-delivery",
  /** Alternative to X-GitHub-Delivery for other callers. */
  idempotencyKey: "idempotency-key",
  /** GitHub's event name; `ping` (sent when a webhook is created) is answered without an order. */
  event: "x-github-event",
  contentType: "content-type",
} as const;

/** Git-host events process_webhook understands (X-GitHub-Event); any other is answered 202, ignored. */
export const GIT_EVENTS = { push: "push", pullRequest: "pull_request", ping: "ping" } as const;
/** pull_request actions that change the code to build; other actions (closed, labeled...) start no run. */
export const PULL_REQUEST_BUILD_ACTIONS = ["opened", "synchronize", "reopened"] as const;

/** What a run made from a Git-host delivery sees of it, besides its commands' usual environment. */
export const GIT_ENV = {
  /** `push` or `pull_request`. */
  event: "IAC_CI_GIT_EVENT",
  /** `owner/name`. */
  repository: "IAC_CI_GIT_REPOSITORY",
  /** The ref to fetch: `refs/heads/<branch>`, `refs/tags/<tag>`, or `refs/pull/<n>/head`. */
  ref: "IAC_CI_GIT_REF",
  /** The commit to build: a push's `after`, a pull request's head SHA. */
  sha: "IAC_CI_GIT_SHA",
  /** The repository's clone URL (the base repository's, for pull requests: its refs/pull/<n>/head). */
  cloneUrl: "IAC_CI_GIT_CLONE_URL",
  /** The pull request number (pull_request only). */
  pullRequest: "IAC_CI_GIT_PULL_REQUEST",
  /** The branch a pull request merges into (pull_request only). */
  baseRef: "IAC_CI_GIT_BASE_REF",
} as const;

/**
 * The commands of a Git-host order when the stack's `git_order` variable does not set them: they
 * only report the commit they were given. Set `git_order.commands` to the build (fetch the commit,
 * then plan or test it).
 */
export const DEFAULT_GIT_COMMANDS = [
  // $NAME, not ${NAME}: the list is also a Terraform default, where ${ starts an interpolation.
  `echo "iac-ci: $${GIT_ENV.event} of $${GIT_ENV.repository} $${GIT_ENV.ref} at $${GIT_ENV.sha}"`,
] as const;

/** Order ids: `o-` and 32 hex digits of sha256(delivery id). */
export const ORDER_ID_PATTERN = /^o-[0-9a-f]{32}$/;

/** How long orders, events and lock items live before DynamoDB TTL removes them (seconds). */
export const ORDER_RETENTION_SECONDS = 30 * 24 * 60 * 60;
/** A lock's lease runs this long past its order's watchdog deadline (seconds). */
export const LOCK_LEASE_SLACK_SECONDS = 5 * 60;
/** process_webhook re-reads the webhook secret from SSM after this long (ms), for rotation. */
export const SECRET_CACHE_TTL_MS = 5 * 60 * 1000;

/** Environment overrides the orchestrator passes to a CodeBuild run (read by `worker.js --cli`). */
export const RUN_ENV = {
  orderId: "IAC_CI_ORDER_ID",
  payloadKey: "IAC_CI_PAYLOAD_KEY",
  callbackUrl: "IAC_CI_CALLBACK_URL",
  /** Watchdog deadline, epoch seconds. */
  deadline: "IAC_CI_DEADLINE",
} as const;

/** Worker limits. */
export const WORKER_LIMITS = {
  /** Time kept back from the Lambda's remaining time to post the result (ms). */
  marginMs: 15_000,
  /** Bytes kept of the end of each command's stdout and of its stderr. */
  outputTailBytes: 4 * 1024,
  /** Attempts to PUT the result to the callback URL. */
  callbackAttempts: 3,
} as const;

/**
 * Headers of the result PUT to the presigned callback URL. `if-none-match: *` is signed into the
 * URL: the first result wins (a late worker cannot overwrite the watchdog's timed_out).
 */
export const RESULT_PUT_HEADERS = { "content-type": "application/json", "if-none-match": "*" } as const;

/** Key prefix of finished results in the done bucket. */
export const DONE_PREFIX = "runs/";
/** Key of an order's final result in the done bucket. */
export const doneKey = (orderId: string): string => `${DONE_PREFIX}${orderId}/${RESULT_OBJECT_SUFFIX}`;

/** The order id of a result key (`tmp/callbacks/runs/<order>/result.json`), or undefined. */
export const orderIdFromResultKey = (key: string): string | undefined => {
  if (!key.startsWith(S3_PREFIX.callbacks) || !key.endsWith(`/${RESULT_OBJECT_SUFFIX}`)) return undefined;
  const id = key.slice(S3_PREFIX.callbacks.length, key.length - RESULT_OBJECT_SUFFIX.length - 1);
  return ORDER_ID_PATTERN.test(id) ? id : undefined;
};

/**
 * HTTP API routes process_webhook serves. The order read must be added with AWS_IAM
 * authorization: the handler serves it only for this route key, never through the function URL.
 */
export const API_ROUTES = {
  webhook: { method: "POST", path: "/webhook" },
  order: { method: "GET", path: "/orders/{id}" },
} as const;
export const routeKeyOf = (route: { method: string; path: string }): string => `${route.method} ${route.path}`;
