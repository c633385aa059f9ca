import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import { Construct } from "constructs";
import type { LambdaFunction } from "./function";
import {
  type Grant,
  grantTo,
  type IGrantable,
  type IPrincipal,
  Role,
  sidFor,
  type Use,
  use,
  XRAY_WILDCARD_REASON,
  XRAY_WRITE_ACTIONS,
} from "./iam";
import { assertRetention, fitName, NAME_LIMITS } from "./names";

/** Amazon States Language, typed for the states we use. */
export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  /** Upper bound of the backoff (seconds). */
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: "FULL" | "NONE";
}
/** Where a Task goes when an error is not (or no longer) retried; the error lands at ResultPath. */
export interface Catcher {
  readonly ErrorEquals: readonly string[];
  readonly Next: string;
  readonly ResultPath?: string;
}
interface StateBase {
  readonly Comment?: string;
}
/**
 * The grant a Task state may carry for the service it calls (an SNS topic's publish, say). The
 * state machine gives it to its role. A symbol key: JSON.stringify never writes it, so the
 * definition stays pure ASL.
 */
export const TASK_GRANT: unique symbol = Symbol("constructs.taskGrant");

export interface TaskState extends StateBase {
  readonly [TASK_GRANT]?: (grantee: IGrantable) => unknown;
  readonly Type: "Task";
  readonly Resource: string;
  readonly Parameters?: Readonly<Record<string, unknown>>;
  readonly OutputPath?: string;
  readonly TimeoutSeconds?: number;
  readonly ResultSelector?: Readonly<Record<string, unknown>>;
  /** Where the result goes in the state data; null keeps the input unchanged. */
  readonly ResultPath?: string | null;
  readonly Retry?: readonly Retrier[];
  readonly Catch?: readonly Catcher[];
  readonly Next?: string;
  readonly End?: true;
}
export interface PassState extends StateBase {
  readonly Type: "Pass";
  readonly Parameters?: Readonly<Record<string, unknown>>;
  readonly Result?: unknown;
  readonly ResultPath?: string;
  readonly Next?: string;
  readonly End?: true;
}
export interface ChoiceRule {
  readonly Variable: string;
  readonly BooleanEquals?: boolean;
  readonly StringEquals?: string;
  readonly Next: string;
}
export interface ChoiceState extends StateBase {
  readonly Type: "Choice";
  readonly Choices: readonly ChoiceRule[];
  readonly Default?: string;
}
export interface WaitState extends StateBase {
  readonly Type: "Wait";
  readonly Seconds: number;
  readonly Next: string;
}
export interface SucceedState extends StateBase {
  readonly Type: "Succeed";
}
export interface FailState extends StateBase {
  readonly Type: "Fail";
  readonly Error?: string;
  readonly Cause?: string;
  /** JSONPath of the error name in the state input (instead of a fixed Error). */
  readonly ErrorPath?: string;
  /** JSONPath of the cause in the state input (instead of a fixed Cause). */
  readonly CausePath?: string;
}
/** One branch of a Parallel state: a state machine of its own (no TimeoutSeconds). */
export interface Branch {
  readonly Comment?: string;
  readonly StartAt: string;
  readonly States: Readonly<Record<string, State>>;
}
/** Runs its branches at once on the same input; the output is the array of their outputs, in order. */
export interface ParallelState extends StateBase {
  readonly Type: "Parallel";
  readonly Branches: readonly Branch[];
  readonly ResultSelector?: Readonly<Record<string, unknown>>;
  readonly ResultPath?: string | null;
  readonly OutputPath?: string;
  readonly Retry?: readonly Retrier[];
  readonly Catch?: readonly Catcher[];
  readonly Next?: string;
  readonly End?: true;
}
export type State = TaskState | PassState | ChoiceState | WaitState | SucceedState | FailState | ParallelState;

export interface StateMachineDefinition {
  readonly Comment?: string;
  readonly StartAt: string;
  /** Overall execution timeout: a loop can never run forever. */
  readonly TimeoutSeconds: number;
  readonly States: Readonly<Record<string, State>>;
}

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

/** The grants the definition's tasks carry (Parallel branches included). */
export function taskGrants(states: Readonly<Record<string, State>>): ((grantee: IGrantable) => unknown)[] {
  return Object.values(states).flatMap((state) => {
    if (state.Type === "Task") return state[TASK_GRANT] ? [state[TASK_GRANT]] : [];
    if (state.Type === "Parallel") return state.Branches.flatMap((b) => taskGrants(b.States));
    return [];
  });
}

/** Names of the Task states (Parallel branches included) that carry no grant. */
export function tasksWithoutGrant(states: Readonly<Record<string, State>>): string[] {
  return Object.entries(states).flatMap(([name, state]) => {
    if (state.Type === "Task") return state[TASK_GRANT] ? [] : [name];
    if (state.Type === "Parallel") return state.Branches.flatMap((b) => tasksWithoutGrant(b.States));
    return [];
  });
}

/** Checks that every transition names a state, a terminal state exists, and nothing is unreachable. */
export function validateDefinition(definition: StateMachineDefinition): string[] {
  const problems: string[] = [];
  const names = new Set(Object.keys(definition.States));
  const targets = (state: State): string[] => {
    switch (state.Type) {
      case "Task":
        return [...(state.Next ? [state.Next] : []), ...(state.Catch ?? []).map((c) => c.Next)];
      case "Pass":
        return state.Next ? [state.Next] : [];
      case "Choice":
        return [...state.Choices.map((c) => c.Next), ...(state.Default ? [state.Default] : [])];
      case "Wait":
        return [state.Next];
      case "Parallel":
        return [...(state.Next ? [state.Next] : []), ...(state.Catch ?? []).map((c) => c.Next)];
      default:
        return [];
    }
  };
  if (!names.has(definition.StartAt)) problems.push(`StartAt "${definition.StartAt}" is not a state`);
  if (!Number.isInteger(definition.TimeoutSeconds) || definition.TimeoutSeconds < 1) {
    problems.push(`TimeoutSeconds ${definition.TimeoutSeconds} must be a positive integer`);
  }
  for (const [name, state] of Object.entries(definition.States)) {
    for (const t of targets(state)) if (!names.has(t)) problems.push(`state "${name}" goes to unknown state "${t}"`);
    if ((state.Type === "Task" || state.Type === "Pass" || state.Type === "Parallel") && !state.Next === !state.End) {
      problems.push(`${state.Type.toLowerCase()} "${name}" needs exactly one of Next or End`);
    }
    if (state.Type === "Choice" && state.Choices.length === 0) problems.push(`choice "${name}" has no rules`);
    if (state.Type === "Parallel") {
      if (state.Branches.length === 0) problems.push(`parallel "${name}" has no branches`);
      state.Branches.forEach((branch, i) => {
        for (const p of validateDefinition({ ...branch, TimeoutSeconds: 1 })) {
          problems.push(`parallel "${name}" branch ${i}: ${p}`);
        }
      });
    }
  }
  if (
    !Object.values(definition.States).some((s) => s.Type === "Succeed" || s.Type === "Fail" || ("End" in s && s.End))
  ) {
    problems.push("no state ends the execution");
  }
  const reached = new Set<string>();
  const stack = [definition.StartAt];
  while (stack.length) {
    const name = stack.pop() as string;
    if (reached.has(name) || !names.has(name)) continue;
    reached.add(name);
    stack.push(...targets(definition.States[name]));
  }
  for (const name of names) if (!reached.has(name)) problems.push(`state "${name}" is unreachable`);
  return problems;
}

export interface StateMachineProps {
  /** Physical name (1-80 of letters, digits, _ and -). */
  readonly stateMachineName: string;
  readonly definition: StateMachineDefinition;
  /** Days to keep execution logs; a CloudWatch retention value. @default 30 */
  readonly logRetentionDays?: number;
  /** @default "ERROR" */
  readonly logLevel?: "ALL" | "ERROR" | "FATAL";
  /** Log execution input and output too. @default true */
  readonly includeExecutionData?: boolean;
  /** @default `<stateMachineName>-role`, fitted to 64 characters */
  readonly roleName?: string;
}

/**
 * A standard Step Functions state machine whose definition is built from typed objects,
 * validated, and serialized once. Its role may invoke exactly the functions it names and
 * deliver logs to its own log group of finite retention.
 */
export class StateMachine extends Construct implements IGrantable {
  private readonly memo: Record<string, string> = {};
  readonly resource: SfnStateMachine;
  readonly role: Role;
  readonly logGroup: CloudwatchLogGroup;
  readonly definitionJson: string;

  constructor(scope: Construct, id: string, props: StateMachineProps) {
    super(scope, id);
    const {
      stateMachineName,
      definition,
      logRetentionDays = 30,
      logLevel = "ERROR",
      includeExecutionData = true,
      roleName = fitName(`${stateMachineName}-role`, NAME_LIMITS.iamRole),
    } = props;
    const where = this.node.path;
    if (!/^[A-Za-z0-9_-]+$/.test(stateMachineName) || stateMachineName.length > NAME_LIMITS.stateMachine) {
      throw new Error(`${where}: state machine name "${stateMachineName}" must be 1-80 of letters, digits, _ and -`);
    }
    assertRetention(where, logRetentionDays);
    const problems = validateDefinition(definition);
    if (problems.length) throw new Error(`${where}: invalid state machine definition: ${problems.join("; ")}`);

    const ungranted = tasksWithoutGrant(definition.States);
    if (ungranted.length) {
      throw new Error(
        `${where}: task state(s) ${ungranted.join(", ")} carry no grant, so the role could not call them: ` +
          "build them with lambdaInvokeTask or snsPublishTask",
      );
    }
    this.role = new Role(this, "Role", { roleName, assumedBy: { service: "states.amazonaws.com" } });
    // Each task carries its own grant (lambdaInvokeTask: invoke its function; snsPublishTask:
    // publish to its topic), so the role may do exactly what the definition does.
    for (const grant of taskGrants(definition.States)) grant(this.role);
    this.role.addToPolicy({
      sid: "DeliverLogs",
      actions: [
        "logs:CreateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:DescribeLogGroups",
        "logs:DescribeResourcePolicies",
        "logs:GetLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:UpdateLogDelivery",
      ],
      resources: ["*"],
      wildcardReason: "CloudWatch Logs delivery APIs used by Step Functions logging accept only the * resource",
    });
    this.role.addToPolicy({
      sid: "XRayTracing",
      actions: XRAY_WRITE_ACTIONS,
      resources: ["*"],
      wildcardReason: XRAY_WILDCARD_REASON,
    });
    this.logGroup = new CloudwatchLogGroup(this, "LogGroup", {
      name: `/aws/vendedlogs/states/${stateMachineName}`,
      retentionInDays: logRetentionDays,
    });
    this.definitionJson = JSON.stringify(definition);
    this.resource = new SfnStateMachine(this, "Resource", {
      name: stateMachineName,
      type: "STANDARD",
      roleArn: this.role.arn,
      definition: this.definitionJson,
      loggingConfiguration: {
        logDestination: `${this.logGroup.arn}:*`,
        includeExecutionData,
        level: logLevel,
      },
      tracingConfiguration: { enabled: true },
      dependsOn: this.role.policyDependable ? [this.role.policyDependable] : [],
    });
  }

  get grantPrincipal(): IPrincipal {
    return this.role;
  }

  /** Memoized: one token, so every user of the name sees the same value. */
  get arn(): string {
    this.memo.arn ??= this.resource.arn;
    return this.memo.arn;
  }

  get stateMachineName(): string {
    return this.resource.name;
  }

  grantStartExecution(grantee: IGrantable): Grant {
    return grantTo(grantee, {
      sid: sidFor(this, "StartExecution"),
      actions: ["states:StartExecution"],
      resources: [this.arn],
    });
  }

  /** A Use: start executions; the machine's ARN in env var `envName`. */
  startExecution(envName: string): Use {
    return use((g) => this.grantStartExecution(g), { name: envName, value: this.arn });
  }
}
