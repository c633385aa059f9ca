import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import type { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { TerraformStack, Token } from "cdktf";
import { Construct, type IConstruct } from "constructs";
import { LambdaFunction } from "./function";
import { HttpApi } from "./http-api";
import { fitName, pascalId } from "./names";
import { RestApi } from "./rest-api";
import { StateMachine } from "./state-machine";
import { Table } from "./table";

/** How an alarm judges its metric. Every alarm fires on the first period above the threshold. */
export interface AlarmSettings {
  /** The alarm fires when the statistic is greater than this. @default 0 (any error, throttle, message) */
  readonly threshold?: number;
  /** Seconds per datapoint (10, 30 or a multiple of 60). @default 300 */
  readonly periodSeconds?: number;
  /** Periods looked at; the alarm fires when `datapointsToAlarm` of them breach. @default 1 */
  readonly evaluationPeriods?: number;
  /** @default evaluationPeriods (every period looked at must breach) */
  readonly datapointsToAlarm?: number;
}

/** The defaults every alarm uses unless the SystemAlarms or one call says otherwise. */
export const ALARM_DEFAULTS = {
  threshold: 0,
  periodSeconds: 300,
  evaluationPeriods: 1,
  /**
   * No datapoint is "no errors": these metrics are only published when something happens (or
   * when the resource is used), so a quiet system stays OK instead of INSUFFICIENT_DATA.
   */
  treatMissingData: "notBreaching",
} as const;

export interface SystemAlarmsProps {
  /** ARN of the topic every alarm notifies when it goes to ALARM and back to OK. */
  readonly topicArn: string;
  /**
   * The system's name prefix: every alarm name starts with `<namePrefix>-` (deploy roles are
   * scoped to `<prefix>-*` resources). Names of the watched resources that already start with it
   * are used as they are; others get it in front.
   */
  readonly namePrefix: string;
  /** Overrides of ALARM_DEFAULTS for every alarm of this construct. @default ALARM_DEFAULTS */
  readonly defaults?: AlarmSettings;
}

/** The kinds of construct an alarm set exists for. */
export type Watched = LambdaFunction | StateMachine | HttpApi | RestApi | Table | SqsQueue;

interface MetricSpec {
  readonly suffix: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly statistic: "Sum" | "Maximum";
  readonly dimensions: Record<string, string>;
  readonly description: string;
}

/**
 * The operational alarms of one system's stack, all notifying one topic (alarm and OK actions):
 *
 * - every Lambda function: `Errors` and `Throttles` (AWS/Lambda, Sum);
 * - every Step Functions state machine: `ExecutionsFailed` and `ExecutionsTimedOut` (AWS/States, Sum);
 * - every SQS dead-letter queue: `ApproximateNumberOfMessagesVisible` (AWS/SQS, Maximum);
 * - every HTTP API stage: `5xx` (AWS/ApiGateway by ApiId and Stage, Sum); every REST API stage:
 *   `5XXError` (by ApiName and Stage, Sum);
 * - every DynamoDB table: `ReadThrottleEvents` and `WriteThrottleEvents` (AWS/DynamoDB, Sum).
 *
 * Each fires when its statistic is greater than the threshold (ALARM_DEFAULTS: 0, in one period of
 * 300 s; missing data is not breaching). `watchStack()` finds every one of the library's
 * functions (with their dead-letter queues), state machines, APIs and tables in the stack and
 * adds their alarms; the `for*` methods add one resource's alarms. Synth fails (a construct
 * validation) when the stack holds one of them without alarms, so a resource added after
 * `watchStack()` cannot go unwatched.
 */
export class SystemAlarms extends Construct {
  private readonly props: SystemAlarmsProps;
  private readonly settings: Required<AlarmSettings>;
  private readonly watched = new Set<IConstruct>();
  readonly alarms: CloudwatchMetricAlarm[] = [];

  constructor(scope: Construct, id: string, props: SystemAlarmsProps) {
    super(scope, id);
    this.props = props;
    const d = { ...ALARM_DEFAULTS, ...props.defaults };
    this.settings = {
      threshold: d.threshold,
      periodSeconds: d.periodSeconds,
      evaluationPeriods: d.evaluationPeriods,
      datapointsToAlarm: props.defaults?.datapointsToAlarm ?? d.evaluationPeriods,
    };
    this.check(this.node.path, this.settings);
    if (!/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(props.namePrefix)) {
      throw new Error(`${this.node.path}: name prefix "${props.namePrefix}" must be letters, digits and -`);
    }
    this.node.addValidation({ validate: () => this.unwatched().map((c) => `${c.node.path} has no alarms`) });
  }

  /** Adds the alarms of every watchable construct in the stack that has none yet. */
  watchStack(): this {
    for (const c of this.unwatched()) {
      if (this.watched.has(c)) continue; // a function's dead-letter queue, watched with it
      if (c instanceof LambdaFunction) this.forFunction(c);
      else if (c instanceof StateMachine) this.forStateMachine(c);
      else if (c instanceof HttpApi) this.forHttpApi(c);
      else if (c instanceof RestApi) this.forRestApi(c);
      else if (c instanceof Table) this.forTable(c);
      else this.forQueue(c as SqsQueue);
    }
    return this;
  }

  /** Errors and throttles of a function (all its versions and aliases); its dead-letter queue's depth. */
  forFunction(fn: LambdaFunction, settings?: AlarmSettings): this {
    const name = literal(fn, fn.resource.functionNameInput);
    const dimensions = { FunctionName: fn.functionName };
    this.add(fn, name, settings, [
      lambda("errors", "Errors", dimensions, `Invocations of ${name} that ended in a function error`),
      lambda("throttles", "Throttles", dimensions, `Invocations of ${name} refused for lack of concurrency`),
    ]);
    if (fn.deadLetterQueue && !this.watched.has(fn.deadLetterQueue)) this.forQueue(fn.deadLetterQueue, settings);
    return this;
  }

  /** Failed and timed-out executions of a state machine. */
  forStateMachine(machine: StateMachine, settings?: AlarmSettings): this {
    const name = literal(machine, machine.resource.nameInput);
    const dimensions = { StateMachineArn: machine.arn };
    const states = (suffix: string, metricName: string, description: string): MetricSpec => ({
      suffix,
      namespace: "AWS/States",
      metricName,
      statistic: "Sum",
      dimensions,
      description,
    });
    return this.add(machine, name, settings, [
      states("executions-failed", "ExecutionsFailed", `Executions of ${name} that failed`),
      states("executions-timed-out", "ExecutionsTimedOut", `Executions of ${name} that timed out`),
    ]);
  }

  /** Messages waiting in a dead-letter queue: each is an event that failed every retry. */
  forQueue(queue: SqsQueue, settings?: AlarmSettings): this {
    const name = literal(queue, queue.nameInput);
    return this.add(queue, name, settings, [
      {
        suffix: "depth",
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        statistic: "Maximum",
        dimensions: { QueueName: queue.name },
        description: `Messages in the dead-letter queue ${name} (events that failed every retry)`,
      },
    ]);
  }

  /** 5xx answers of an HTTP API's `$default` stage. */
  forHttpApi(api: HttpApi, settings?: AlarmSettings): this {
    const name = literal(api, api.resource.nameInput);
    return this.add(api, name, settings, [
      {
        suffix: "5xx",
        namespace: "AWS/ApiGateway",
        metricName: "5xx",
        statistic: "Sum",
        dimensions: { ApiId: api.apiId, Stage: literal(api, api.stage.nameInput) },
        description: `5xx answers of the HTTP API ${name}`,
      },
    ]);
  }

  /** 5XXError answers of a REST API's stage. */
  forRestApi(api: RestApi, settings?: AlarmSettings): this {
    const name = literal(api, api.resource.nameInput);
    const stage = literal(api, api.stage.stageNameInput);
    return this.add(api, name, settings, [
      {
        suffix: `${stage}-5xx`,
        namespace: "AWS/ApiGateway",
        metricName: "5XXError",
        statistic: "Sum",
        dimensions: { ApiName: name, Stage: stage },
        description: `5xx answers of the REST API ${name}, stage ${stage}`,
      },
    ]);
  }

  /** Throttled reads and writes of a table. */
  forTable(table: Table, settings?: AlarmSettings): this {
    const name = literal(table, table.resource.nameInput);
    const dynamodb = (suffix: string, metricName: string, what: string): MetricSpec => ({
      suffix,
      namespace: "AWS/DynamoDB",
      metricName,
      statistic: "Sum",
      dimensions: { TableName: table.tableName },
      description: `Throttled ${what} of the table ${name}`,
    });
    return this.add(table, name, settings, [
      dynamodb("read-throttles", "ReadThrottleEvents", "reads"),
      dynamodb("write-throttles", "WriteThrottleEvents", "writes"),
    ]);
  }

  /** The watchable constructs of the stack that have no alarms yet. */
  private unwatched(): IConstruct[] {
    const found: IConstruct[] = [];
    for (const c of TerraformStack.of(this).node.findAll()) {
      if (
        c instanceof LambdaFunction ||
        c instanceof StateMachine ||
        c instanceof HttpApi ||
        c instanceof RestApi ||
        c instanceof Table
      ) {
        if (!this.watched.has(c)) found.push(c);
        if (c instanceof LambdaFunction && c.deadLetterQueue && !this.watched.has(c.deadLetterQueue)) {
          found.push(c.deadLetterQueue);
        }
      }
    }
    return found;
  }

  private add(
    target: IConstruct,
    resourceName: string,
    settings: AlarmSettings | undefined,
    specs: MetricSpec[],
  ): this {
    if (this.watched.has(target)) throw new Error(`${target.node.path} already has its alarms`);
    this.watched.add(target);
    const s = { ...this.settings, ...settings };
    if (settings?.evaluationPeriods !== undefined && settings.datapointsToAlarm === undefined) {
      s.datapointsToAlarm = settings.evaluationPeriods;
    }
    this.check(target.node.path, s);
    const { namePrefix, topicArn } = this.props;
    const base = resourceName.startsWith(`${namePrefix}-`) ? resourceName : `${namePrefix}-${resourceName}`;
    const stackPath = TerraformStack.of(this).node.path;
    const idBase = pascalId(target.node.path.slice(stackPath.length));
    for (const spec of specs) {
      this.alarms.push(
        new CloudwatchMetricAlarm(this, `${idBase}${pascalId(spec.suffix)}`, {
          alarmName: fitName(`${base}-${spec.suffix}`, 255),
          alarmDescription: `${spec.description}: ${spec.metricName} (${spec.statistic}) above ${s.threshold} in ${s.datapointsToAlarm} of ${s.evaluationPeriods} periods of ${s.periodSeconds} s`,
          namespace: spec.namespace,
          metricName: spec.metricName,
          dimensions: spec.dimensions,
          statistic: spec.statistic,
          period: s.periodSeconds,
          evaluationPeriods: s.evaluationPeriods,
          datapointsToAlarm: s.datapointsToAlarm,
          threshold: s.threshold,
          comparisonOperator: "GreaterThanThreshold",
          treatMissingData: ALARM_DEFAULTS.treatMissingData,
          alarmActions: [topicArn],
          okActions: [topicArn],
        }),
      );
    }
    return this;
  }

  private check(where: string, s: Required<AlarmSettings>): void {
    const { periodSeconds: p, evaluationPeriods: e, datapointsToAlarm: n, threshold } = s;
    if (![10, 30].includes(p) && !(Number.isInteger(p) && p > 0 && p % 60 === 0)) {
      throw new Error(`${where}: alarm period ${p} must be 10, 30 or a multiple of 60 seconds`);
    }
    if (!Number.isInteger(e) || e < 1) throw new Error(`${where}: evaluationPeriods ${e} must be a positive integer`);
    if (!Number.isInteger(n) || n < 1 || n > e) {
      throw new Error(`${where}: datapointsToAlarm ${n} must be an integer from 1 to evaluationPeriods (${e})`);
    }
    if (p * e > 86400) throw new Error(`${where}: period x evaluationPeriods must be at most one day`);
    if (!Number.isFinite(threshold) || threshold < 0) throw new Error(`${where}: threshold ${threshold} must be >= 0`);
  }
}

function lambda(
  suffix: string,
  metricName: string,
  dimensions: Record<string, string>,
  description: string,
): MetricSpec {
  return { suffix, namespace: "AWS/Lambda", metricName, statistic: "Sum", dimensions, description };
}

/** A name the construct was given as a literal (alarm names are built from it), else an error naming it. */
function literal(target: IConstruct, name: string | undefined): string {
  if (name === undefined || Token.isUnresolved(name)) {
    throw new Error(`${target.node.path}: alarms need its name as a literal string, not a Terraform expression`);
  }
  return name;
}
