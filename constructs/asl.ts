// Amazon States Language, typed for the states the stacks use, and the checks a definition
// passes before it is serialized: transitions, terminal states, reachability, task grants.
import type { IGrantable } from "./iam";

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
