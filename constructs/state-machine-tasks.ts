// Task states for the service integrations the stacks use. Each carries its grant (TASK_GRANT),
// which the state machine gives its role: a task cannot be added without its permission.
import { type Catcher, type Retrier, TASK_GRANT, type TaskState } from "./asl";
import type { LambdaFunction } from "./function";
import type { IGrantable } from "./iam";

/** Errors of the Lambda service itself (not of the function's code) worth retrying. */
export const LAMBDA_SERVICE_ERRORS = [
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
] as const;

export interface LambdaTaskOptions {
  /** The next state; omit to end the execution with this task. */
  readonly next?: string;
  /** Seconds before the task times out. @default none (the function's own timeout) */
  readonly timeoutSeconds?: number;
  /**
   * Retries besides those of Lambda service errors (always retried with backoff), e.g.
   * `States.TaskFailed` for a function whose work is safe to repeat. @default []
   */
  readonly retry?: readonly Retrier[];
  /** Where errors go once retries are spent. @default none (the execution fails) */
  readonly catch?: readonly Catcher[];
}

/** Retrying Lambda service errors: 2 s, 4 s, 8 s ... up to 6 attempts, jittered. */
export const LAMBDA_SERVICE_RETRY: Retrier = {
  ErrorEquals: [...LAMBDA_SERVICE_ERRORS],
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
  JitterStrategy: "FULL",
};

/**
 * A Task state that invokes `fn` with the state input and passes on the function's result. It
 * carries its grant: the state machine's role may invoke `fn` (and its versions and aliases).
 */
export function lambdaInvokeTask(fn: LambdaFunction, options: LambdaTaskOptions = {}): TaskState {
  return {
    [TASK_GRANT]: (grantee: IGrantable) => fn.grantInvoke(grantee),
    Type: "Task",
    Resource: "arn:aws:states:::lambda:invoke",
    Parameters: { FunctionName: fn.arn, "Payload.$": "$" },
    OutputPath: "$.Payload",
    TimeoutSeconds: options.timeoutSeconds,
    Retry: [LAMBDA_SERVICE_RETRY, ...(options.retry ?? [])],
    ...(options.catch?.length ? { Catch: [...options.catch] } : {}),
    ...(options.next ? { Next: options.next } : { End: true as const }),
  };
}

/** A topic a state machine can publish to (the Topic construct is one). */
export interface PublishTarget {
  readonly topicArn: string;
  grantPublish(grantee: IGrantable): unknown;
}

export interface SnsPublishOptions {
  /** A fixed subject (at most 100 ASCII characters). @default none */
  readonly subject?: string;
  /** A fixed message. Exactly one of `message` and `messagePath`. */
  readonly message?: string;
  /** A JSONPath or intrinsic (e.g. `States.JsonToString($)`) giving the message from the state data. */
  readonly messagePath?: string;
  /** The next state; omit to end the execution. */
  readonly next?: string;
  /** Where SNS's answer goes. @default null (the state data passes on unchanged) */
  readonly resultPath?: string | null;
  /** Retries besides throttling (always retried). @default [] */
  readonly retry?: readonly Retrier[];
  readonly catch?: readonly Catcher[];
}

/** SNS errors worth retrying: throttling and the service's own failures. */
export const SNS_TRANSIENT_RETRY: Retrier = {
  ErrorEquals: ["SNS.ThrottledException", "SNS.InternalErrorException", "SNS.KmsThrottlingException"],
  IntervalSeconds: 2,
  MaxAttempts: 4,
  BackoffRate: 2,
  JitterStrategy: "FULL",
};

/**
 * A Task state publishing to `topic` (the optimized `sns:publish` integration). It carries its
 * grant: the state machine's role may publish to exactly this topic.
 */
export function snsPublishTask(topic: PublishTarget, options: SnsPublishOptions): TaskState {
  if ((options.message === undefined) === (options.messagePath === undefined)) {
    throw new Error("snsPublishTask: give exactly one of message and messagePath");
  }
  if (options.subject !== undefined && !/^[\x20-\x7E]{1,100}$/.test(options.subject)) {
    throw new Error(`snsPublishTask: subject "${options.subject}" must be 1-100 printable ASCII characters`);
  }
  return {
    [TASK_GRANT]: (grantee: IGrantable) => topic.grantPublish(grantee),
    Type: "Task",
    Resource: "arn:aws:states:::sns:publish",
    Parameters: {
      TopicArn: topic.topicArn,
      ...(options.subject !== undefined ? { Subject: options.subject } : {}),
      ...(options.message !== undefined ? { Message: options.message } : { "Message.$": options.messagePath }),
    },
    ResultPath: options.resultPath === undefined ? null : options.resultPath,
    Retry: [SNS_TRANSIENT_RETRY, ...(options.retry ?? [])],
    ...(options.catch?.length ? { Catch: [...options.catch] } : {}),
    ...(options.next ? { Next: options.next } : { End: true as const }),
  };
}
