import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { type IResolvable, Token } from "cdktf";
import { Construct } from "constructs";
import type { LambdaFunction } from "./function";
import { Role } from "./iam";
import { NAME_LIMITS, pascalId } from "./names";
import type { StateMachine } from "./state-machine";

/** EventBridge's input transformer: values picked from the event by path, put into a template. */
export interface InputTransformer {
  /** Placeholder name -> JSONPath into the event (at most 100). */
  readonly inputPaths: Readonly<Record<string, string>>;
  /** The target's input; placeholders as `<name>` (quoted where they must be JSON strings). */
  readonly inputTemplate: string;
}

export interface TargetOptions {
  /** Target id, unique within the rule (1-64 of letters, digits, . _ -). */
  readonly targetId: string;
  /** A fixed JSON input instead of the event. @default the event (or `inputTransformer`) */
  readonly input?: Readonly<Record<string, unknown>>;
  readonly inputTransformer?: InputTransformer;
  /** Retries of a failed delivery (0-185) and how long to keep trying. @default EventBridge's (185, 24 h) */
  readonly retry?: { readonly maximumRetryAttempts: number; readonly maximumEventAgeSeconds: number };
}

export interface StateMachineTargetOptions extends TargetOptions {
  /** The role EventBridge assumes to start executions (it may start exactly this machine). */
  readonly roleName: string;
}

export interface EventRuleProps {
  /** Physical name, 1-64 of letters, digits, . _ - */
  readonly ruleName: string;
  readonly description?: string;
  /** An event pattern (serialized once, in this key order). Exactly one of this and `schedule`. */
  readonly eventPattern?: Readonly<Record<string, unknown>>;
  /** `cron(...)` or `rate(...)`, in UTC; may be a Terraform expression (a variable). */
  readonly schedule?: string;
  /**
   * Whether the rule (and its targets) exist: a boolean, or a Terraform boolean (a variable's
   * `booleanValue`) that makes them counted resources switched at plan time. @default true
   */
  readonly enabled?: boolean | IResolvable;
}

/**
 * An EventBridge rule on the default bus, matching a pattern or running on a schedule. Targets
 * bring their own permission: a Lambda target adds the invoke permission for this rule only, a
 * state machine target a role that may start exactly that machine.
 */
export class EventRule extends Construct {
  readonly resource: CloudwatchEventRule;
  private readonly count?: number;
  private readonly targetIds = new Set<string>();

  constructor(scope: Construct, id: string, props: EventRuleProps) {
    super(scope, id);
    const { ruleName, description, eventPattern, schedule, enabled = true } = props;
    const where = this.node.path;
    if (!Token.isUnresolved(ruleName) && !/^[A-Za-z0-9._-]{1,64}$/.test(ruleName)) {
      throw new Error(`${where}: rule name "${ruleName}" must be 1-64 of letters, digits, . _ -`);
    }
    if ((eventPattern === undefined) === (schedule === undefined)) {
      throw new Error(`${where}: give exactly one of eventPattern and schedule`);
    }
    if (schedule !== undefined && !Token.isUnresolved(schedule) && !/^(cron|rate)\(.+\)$/.test(schedule)) {
      throw new Error(`${where}: schedule "${schedule}" must be cron(...) or rate(...)`);
    }
    if (enabled === false) throw new Error(`${where}: a disabled rule should not be created`);
    if (typeof enabled !== "boolean") this.count = Token.asNumber(`\${${Token.asString(enabled)} ? 1 : 0}`);
    this.resource = new CloudwatchEventRule(this, "Resource", {
      name: ruleName,
      description,
      eventPattern: eventPattern ? JSON.stringify(eventPattern) : undefined,
      scheduleExpression: schedule,
      ...(this.count !== undefined ? { count: this.count } : {}),
    });
  }

  /** Whether the rule is switched at plan time (counted). */
  get switched(): boolean {
    return this.count !== undefined;
  }

  /** The rule's ARN (for a switched rule: of the instance, or null when it is off). */
  get arn(): string {
    return this.attribute("arn");
  }

  get ruleName(): string {
    return this.attribute("name");
  }

  /** Invokes `fn` with matching events; the function may be invoked by this rule only. */
  addLambdaTarget(fn: LambdaFunction, options: TargetOptions): CloudwatchEventTarget {
    this.checkTarget(options);
    const permission = new LambdaPermission(this, `${pascalId(options.targetId)}InvokePermission`, {
      statementId: `AllowEventBridge${pascalId(this.node.id)}`,
      action: "lambda:InvokeFunction",
      functionName: fn.resource.functionName,
      principal: "events.amazonaws.com",
      sourceArn: this.arn,
      ...(this.count !== undefined ? { count: this.count } : {}),
    });
    return this.target(options, fn.arn, undefined, [permission]);
  }

  /**
   * Starts an execution of `machine` per matching event. EventBridge assumes a role of this
   * target's own that may start exactly this machine.
   */
  addStateMachineTarget(machine: StateMachine, options: StateMachineTargetOptions): CloudwatchEventTarget {
    this.checkTarget(options);
    if (!Token.isUnresolved(options.roleName) && options.roleName.length > NAME_LIMITS.iamRole) {
      throw new Error(`${this.node.path}: role name "${options.roleName}" is longer than ${NAME_LIMITS.iamRole}`);
    }
    const role = new Role(this, `${pascalId(options.targetId)}Role`, {
      roleName: options.roleName,
      description: `EventBridge rule ${this.node.id}: starts executions of one state machine`,
      assumedBy: { service: "events.amazonaws.com" },
    });
    machine.grantStartExecution(role);
    return this.target(options, machine.arn, role, role.policyDependable ? [role.policyDependable] : []);
  }

  private target(
    options: TargetOptions,
    arn: string,
    role: Role | undefined,
    dependsOn: NonNullable<ConstructorParameters<typeof CloudwatchEventTarget>[2]["dependsOn"]>,
  ): CloudwatchEventTarget {
    const { targetId, input, inputTransformer, retry } = options;
    this.targetIds.add(targetId);
    return new CloudwatchEventTarget(this, `${pascalId(targetId)}Target`, {
      rule: this.ruleName,
      targetId,
      arn,
      roleArn: role?.arn,
      input: input ? JSON.stringify(input) : undefined,
      inputTransformer: inputTransformer
        ? { inputPaths: { ...inputTransformer.inputPaths }, inputTemplate: inputTransformer.inputTemplate }
        : undefined,
      retryPolicy: retry,
      dependsOn,
      ...(this.count !== undefined ? { count: this.count } : {}),
    });
  }

  /** Validates a target's options before anything is created for it. */
  private checkTarget(options: TargetOptions): void {
    const { targetId, input, inputTransformer, retry } = options;
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(targetId)) {
      throw new Error(`${this.node.path}: target id "${targetId}" must be 1-64 of letters, digits, . _ -`);
    }
    if (this.targetIds.has(targetId)) throw new Error(`${this.node.path}: target id "${targetId}" is used twice`);
    if (input && inputTransformer) throw new Error(`${this.node.path}: give input or inputTransformer, not both`);
    if (retry && (retry.maximumRetryAttempts < 0 || retry.maximumRetryAttempts > 185)) {
      throw new Error(`${this.node.path}: maximumRetryAttempts must be 0-185`);
    }
  }

  private attribute(name: "arn" | "name"): string {
    if (this.count === undefined) return name === "arn" ? this.resource.arn : this.resource.name;
    return Token.asString(`\${one(${this.resource.fqn}[*].${name})}`);
  }
}
