import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import { Construct } from "constructs";
import type { LambdaFunction } from "./function";
import { type IGrantable, pascalSid, XRAY_WILDCARD_REASON, XRAY_WRITE_ACTIONS } from "./grants";
import { ServiceRole } from "./iam";

/** Amazon States Language, typed for the states we use. */
export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
}
interface StateBase {
  readonly Comment?: string;
}
export interface TaskState extends StateBase {
  readonly Type: "Task";
  readonly Resource: string;
  readonly Parameters?: Readonly<Record<string, unknown>>;
  readonly OutputPath?: string;
  readonly TimeoutSeconds?: number;
  readonly Retry?: readonly Retrier[];
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
}
export type State = TaskState | ChoiceState | WaitState | SucceedState | FailState;

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

/** A Task state that invokes `fn` with the state input and passes on the function's result. */
export function lambdaInvokeTask(fn: LambdaFunction, next: string, timeoutSeconds?: number): TaskState {
  return {
    Type: "Task",
    Resource: "arn:aws:states:::lambda:invoke",
    Parameters: { FunctionName: fn.arn, "Payload.$": "$" },
    OutputPath: "$.Payload",
    TimeoutSeconds: timeoutSeconds,
    Retry: [{ ErrorEquals: [...LAMBDA_SERVICE_ERRORS], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 }],
    Next: next,
  };
}

/** Checks that every transition names a state, a terminal state exists, and nothing is unreachable. */
export function validateDefinition(definition: StateMachineDefinition): string[] {
  const problems: string[] = [];
  const names = new Set(Object.keys(definition.States));
  const targets = (state: State): string[] => {
    switch (state.Type) {
      case "Task":
        return state.Next ? [state.Next] : [];
      case "Choice":
        return [...state.Choices.map((c) => c.Next), ...(state.Default ? [state.Default] : [])];
      case "Wait":
        return [state.Next];
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
    if (state.Type === "Task" && !state.Next === !state.End) {
      problems.push(`task "${name}" needs exactly one of Next or End`);
    }
    if (state.Type === "Choice" && state.Choices.length === 0) problems.push(`choice "${name}" has no rules`);
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
  readonly stateMachineName: string;
  readonly definition: StateMachineDefinition;
  /** Functions the definition invokes; the role may invoke exactly these. */
  readonly invokes: readonly LambdaFunction[];
  /** @default 30 */
  readonly logRetentionDays?: number;
  /** @default "ERROR" */
  readonly logLevel?: "ALL" | "ERROR" | "FATAL";
  /** Adopt an existing IAM role of the same name with an import block. @default false */
  readonly adoptRole?: boolean;
  /** @default `${stateMachineName}-role` */
  readonly roleName?: string;
}

/**
 * A standard Step Functions state machine whose definition is built from typed objects,
 * validated, and serialized once. Its role may invoke exactly the functions it names and
 * deliver logs to its own log group.
 */
export class StateMachine extends Construct {
  readonly resource: SfnStateMachine;
  readonly role: ServiceRole;
  readonly definitionJson: string;

  constructor(scope: Construct, id: string, props: StateMachineProps) {
    super(scope, id);
    const {
      stateMachineName,
      definition,
      invokes,
      logRetentionDays = 30,
      logLevel = "ERROR",
      adoptRole = false,
      roleName = `${stateMachineName}-role`,
    } = props;
    const problems = validateDefinition(definition);
    if (problems.length) throw new Error(`${this.node.path}: invalid state machine definition: ${problems.join("; ")}`);

    this.role = new ServiceRole(this, "Role", { roleName, assumedBy: "states.amazonaws.com", adopt: adoptRole });
    for (const fn of invokes) fn.grantInvoke(this.role, `Invoke${pascalSid(fn.node.id)}`);
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
    const logGroup = new CloudwatchLogGroup(this, "LogGroup", {
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
        logDestination: `${logGroup.arn}:*`,
        // Execution history with its data: the watchdog's input is an order id and a deadline.
        includeExecutionData: true,
        level: logLevel,
      },
      tracingConfiguration: { enabled: true },
      dependsOn: this.role.policyDependable ? [this.role.policyDependable] : [],
    });
  }

  get arn(): string {
    return this.resource.arn;
  }

  grantStartExecution(grantee: IGrantable, sid = `StartExecution${pascalSid(this.node.id)}`): void {
    grantee.grantPrincipal.addToPolicy({ sid, actions: ["states:StartExecution"], resources: [this.arn] });
  }
}
