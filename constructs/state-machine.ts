import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import { Construct } from "constructs";
import { type StateMachineDefinition, taskGrants, tasksWithoutGrant, validateDefinition } from "./asl";
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

export * from "./asl";
export * from "./state-machine-tasks";

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
