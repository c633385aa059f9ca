import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { TerraformOutput, TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import type { AppConfig } from "../../config";
import type { SystemAlarms } from "../../constructs/alarms";
import { LambdaFunction } from "../../constructs/function";
import { HttpApi } from "../../constructs/http-api";
import { Role } from "../../constructs/iam";
import { type Catcher, lambdaInvokeTask, type Retrier, StateMachine } from "../../constructs/state-machine";
import type { Topic } from "../../constructs/topic";
import { API_ROUTES, FUNCTIONS, type FunctionKey, STEP_TIMEOUT_SECONDS } from "../../lambdas/sfn-pipeline/contract";
import { alertTopic, watchStack } from "../alerts";
import { bundleDir, handlerEntry } from "../paths";
import { SystemStack } from "../system-stack";
import { SFN_PIPELINE, type SfnPipelineNames } from "./names";
import type { SfnPipelineSettings } from "./settings";

/** An execution never runs longer than this. */
export const EXECUTION_TIMEOUT_SECONDS = 300;
/** Where a caught error lands in the state data, and the state that records it. */
export const ERROR_PATH = "$.error";
export const FAILED_STATE = "RecordFailure";

/** A step that timed out is tried once more; errors of the code itself (ValidationError, ...) never are. */
const TIMEOUT_RETRY: Retrier = { ErrorEquals: ["States.Timeout"], IntervalSeconds: 5, MaxAttempts: 1, BackoffRate: 2 };
/** Every error left after retries goes to the failure state, recorded at ERROR_PATH. */
const CATCH_ALL: Catcher = { ErrorEquals: ["States.ALL"], Next: FAILED_STATE, ResultPath: ERROR_PATH };

/**
 * The step-function pipeline: lambda_one then lambda_two, run by a state machine
 * with retries and a failure path, started through an IAM-authorized HTTP API route. Roles
 * keep the original system's names, so roles made by hand can be adopted (PLATFORM_ADOPT_ROLES).
 */
export class SfnPipelineStack extends SystemStack<SfnPipelineNames, SfnPipelineSettings> {
  readonly functions: Record<FunctionKey, LambdaFunction>;
  readonly lambdaRole: Role;
  readonly stateMachine: StateMachine;
  readonly api: HttpApi;
  readonly alerts: Topic;
  readonly alarms: SystemAlarms;

  constructor(scope: Construct, stackName: string, config: AppConfig) {
    super(scope, stackName, config, SFN_PIPELINE);
    const names = this.names;
    const retention = config.platform.logRetentionDays;

    // The original aws_account_id variable, kept as a guard: when set, plan and apply refuse any other account.
    const accountIdVar = new TerraformVariable(this, "aws_account_id", {
      type: "string",
      default: "",
      description: "AWS account to deploy into; empty skips the check. Plans against another account fail.",
      validation: [
        {
          condition: '${var.aws_account_id == "" || can(regex("^[0-9]{12}$", var.aws_account_id))}',
          errorMessage: "aws_account_id must be empty or a 12-digit AWS account id.",
        },
      ],
    });
    const identity = new DataAwsCallerIdentity(this, "current", {
      lifecycle: {
        postcondition: [
          {
            condition: `\${var.aws_account_id == "" || self.account_id == var.aws_account_id}`,
            errorMessage: "The credentials belong to another AWS account than aws_account_id.",
          },
        ],
      },
    });
    void accountIdVar;
    // `terraform plan -var aws_account_id=... -var environment=dev`, as the original is run.
    this.environmentVariable();

    // One role for both functions, as originally specified: logs to their own log groups, nothing else.
    this.lambdaRole = new Role(this, "LambdaRole", {
      roleName: names.lambdaRole,
      description: "Runs lambda_one and lambda_two: writes their logs, nothing else.",
      assumedBy: { service: "lambda.amazonaws.com" },
    });
    const makeFunction = (key: FunctionKey) => {
      const spec = FUNCTIONS[key];
      return LambdaFunction.fromSpec(this, spec, {
        functionName: names.named(spec.id.replace(/_/g, "-")),
        description: `${spec.id} of the step-function pipeline (${config.platform.environment})`,
        code: { kind: "bundle", entry: handlerEntry("sfn-pipeline", spec.entry), bundleDir: bundleDir() },
        role: this.lambdaRole,
        logRetentionDays: retention,
        // Invoked synchronously by Step Functions, which sees every failure: there are no
        // asynchronous events to keep in a dead-letter queue.
        deadLetterQueue: false,
      });
    };
    const lambdaOne = makeFunction("lambdaOne");
    const lambdaTwo = makeFunction("lambdaTwo");
    this.functions = { lambdaOne, lambdaTwo };

    this.stateMachine = new StateMachine(this, "Pipeline", {
      stateMachineName: names.named("pipeline"),
      roleName: names.sfnRole,
      logRetentionDays: retention,
      logLevel: "ALL",
      definition: {
        Comment: "lambda_one validates and enriches the input, lambda_two produces the result.",
        StartAt: "LambdaOne",
        TimeoutSeconds: EXECUTION_TIMEOUT_SECONDS,
        States: {
          LambdaOne: lambdaInvokeTask(lambdaOne, {
            next: "LambdaTwo",
            timeoutSeconds: STEP_TIMEOUT_SECONDS,
            retry: [TIMEOUT_RETRY],
            catch: [CATCH_ALL],
          }),
          LambdaTwo: lambdaInvokeTask(lambdaTwo, {
            timeoutSeconds: STEP_TIMEOUT_SECONDS,
            retry: [TIMEOUT_RETRY],
            catch: [CATCH_ALL],
          }),
          [FAILED_STATE]: {
            Type: "Fail",
            Comment: "The execution fails with the caught error's name and cause.",
            ErrorPath: `${ERROR_PATH}.Error`,
            CausePath: `${ERROR_PATH}.Cause`,
          },
        },
      },
    });

    // The API Gateway route that triggers the pipeline: a SigV4-signed POST starts an execution.
    this.api = new HttpApi(this, "Api", { apiName: names.named("api"), logRetentionDays: retention });
    this.api.addStartExecutionRoute({
      ...API_ROUTES.startRun,
      stateMachine: this.stateMachine,
      authorization: "AWS_IAM",
      roleName: names.named("api-role"),
    });

    // Errors, throttles, failed executions and 5xx answers go to the alerts topic.
    this.alerts = alertTopic(this, { topicName: names.alertsTopic, displayName: "Pipeline alerts" });
    this.alarms = watchStack(this, this.alerts, names.namePrefix);

    new TerraformOutput(this, "state_machine_arn", { value: this.stateMachine.arn });
    // Clients such as the original FastAPI app build the ARN from AWS_ACCOUNT_ID: here it is, checked.
    new TerraformOutput(this, "account_id", { value: identity.accountId });
    new TerraformOutput(this, "state_machine_name", { value: this.stateMachine.stateMachineName });
    new TerraformOutput(this, "api_url", { value: this.api.url });
    new TerraformOutput(this, "start_run_route", {
      value: `${API_ROUTES.startRun.method} ${API_ROUTES.startRun.path}`,
    });
    new TerraformOutput(this, "lambda_function_names", {
      value: { lambda_one: lambdaOne.functionName, lambda_two: lambdaTwo.functionName },
    });
    new TerraformOutput(this, "lambda_role_arn", { value: this.lambdaRole.arn });
    new TerraformOutput(this, "sfn_role_arn", { value: this.stateMachine.role.arn });
    new TerraformOutput(this, "alerts_topic_arn", { value: this.alerts.topicArn });
  }
}
