/** Events the orchestrator accepts besides S3 notifications. */
export type OrchestratorMessage =
  /** From process_webhook: a new (or redelivered, still queued) order. */
  | { readonly type: "order"; readonly orderId: string }
  /** Operator tool: start the oldest queued order of a target if its lock is free. */
  | { readonly type: "drain"; readonly orderName: string };

/** The Step Functions input of the watchdog, and watchdog_check's answer. */
export interface WatchdogState {
  readonly orderId: string;
  /** Epoch seconds after which the run counts as timed out. */
  readonly deadline: number;
  readonly done?: boolean;
  readonly [extra: string]: unknown;
}
