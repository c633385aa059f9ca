import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import { ERRORS } from "../../../lambdas/sfn-pipeline/contract";
import { EXECUTION_TIMEOUT_SECONDS, FAILED_STATE } from "../../../stacks/sfn-pipeline/pipeline-stack";
import { type Json, resourcesOf, type StackJson, synthApp } from "../../support/synth";

// GIVEN the app with default settings (project fastapi-test, environment dev)
const { json } = synthApp();
const stack: StackJson = json("sfn-pipeline");
const definition = JSON.parse(resourcesOf(stack, "aws_sfn_state_machine")[0].definition);
const roleNamed = (name: string) => {
  const entry = Object.entries<Json>(stack.resource.aws_iam_role).find(([, r]) => r.name === name);
  if (!entry) throw new Error(`no role ${name}`);
  return entry[0];
};
/** The statements of a role's one inline policy, by the role's Terraform key. */
const statementsOfRole = (roleKey: string): Json[] => {
  const policy = Object.values<Json>(stack.resource.aws_iam_role_policy).find((p) => p.role.includes(`.${roleKey}.`));
  const docKey = /data\.aws_iam_policy_document\.(\w+)\.json/.exec(policy.policy)?.[1] as string;
  return stack.data.aws_iam_policy_document[docKey].statement;
};

describe("sfn-pipeline", () => {
  test("the state machine runs lambda_one, then lambda_two, then ends", () => {
    expect(stack.raw).toHaveResourceWithProperties(SfnStateMachine, {
      name: "fastapi-test-pipeline-dev",
      type: "STANDARD",
    });
    expect(definition.StartAt).toBe("LambdaOne");
    expect(definition.States.LambdaOne.Parameters.FunctionName).toMatch(/lambda_one_\w+\.arn/);
    expect(definition.States.LambdaOne.Next).toBe("LambdaTwo");
    expect(definition.States.LambdaTwo.Parameters.FunctionName).toMatch(/lambda_two_\w+\.arn/);
    expect(definition.States.LambdaTwo.End).toBe(true);
    expect(definition.TimeoutSeconds).toBe(EXECUTION_TIMEOUT_SECONDS);
  });

  test("each step retries service errors with backoff and catches everything into a failure state that records the error", () => {
    for (const step of ["LambdaOne", "LambdaTwo"]) {
      const task = definition.States[step];
      const serviceRetry = task.Retry.find((r: Json) => r.ErrorEquals.includes("Lambda.TooManyRequestsException"));
      expect(serviceRetry).toMatchObject({ IntervalSeconds: 2, BackoffRate: 2, MaxAttempts: 6 });
      // A ValidationError is the input's fault: never retried.
      expect(task.Retry.flatMap((r: Json) => r.ErrorEquals)).not.toContain(ERRORS.validation);
      expect(task.Retry.flatMap((r: Json) => r.ErrorEquals)).not.toContain("States.ALL");
      expect(task.Catch).toEqual([{ ErrorEquals: ["States.ALL"], Next: FAILED_STATE, ResultPath: "$.error" }]);
    }
    expect(definition.States[FAILED_STATE]).toMatchObject({
      Type: "Fail",
      ErrorPath: "$.error.Error",
      CausePath: "$.error.Cause",
    });
  });

  test("the original role names; the lambda role writes only its two log groups", () => {
    const lambdaRole = roleNamed("fastapi-test-lambda-role-dev");
    roleNamed("fastapi-test-sfn-role-dev");
    const statements = statementsOfRole(lambdaRole);
    const logs = statements.filter((s: Json) => s.actions.includes("logs:PutLogEvents"));
    expect(logs.flatMap((s: Json) => s.resources)).toEqual([
      expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.lambda_one_LogGroup_\w+\.arn\}:\*$/),
      expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.lambda_two_LogGroup_\w+\.arn\}:\*$/),
    ]);
    // No managed policy (AWSLambdaBasicExecutionRole would allow every log group).
    expect(stack.resource.aws_iam_role_policy_attachment).toBeUndefined();
    const nonLogs = statements.filter((s: Json) => !s.actions.every((a: string) => /^(logs|xray):/.test(a)));
    expect(nonLogs).toEqual([]);
  });

  test("the sfn role may invoke exactly the two functions", () => {
    const statements = statementsOfRole(roleNamed("fastapi-test-sfn-role-dev"));
    const invokes = statements.filter((s: Json) => s.actions.includes("lambda:InvokeFunction"));
    expect(invokes.flatMap((s: Json) => s.resources).sort()).toEqual(
      [
        expect.stringMatching(/lambda_one_\w+\.arn\}$/),
        expect.stringMatching(/lambda_one_\w+\.arn\}:\*$/),
        expect.stringMatching(/lambda_two_\w+\.arn\}$/),
        expect.stringMatching(/lambda_two_\w+\.arn\}:\*$/),
      ].sort(),
    );
    expect(invokes.flatMap((s: Json) => s.actions)).toEqual(["lambda:InvokeFunction", "lambda:InvokeFunction"]);
  });

  test("no wildcard resource except the reasoned log-delivery and X-Ray statements", () => {
    const wildcards = Object.values<Json>(stack.data.aws_iam_policy_document)
      .flatMap((d) => d.statement)
      .filter((s: Json) => s.resources.includes("*"))
      .map((s: Json) => s.sid);
    expect([...new Set(wildcards)].sort()).toEqual(["DeliverLogs", "XRayTracing"]);
  });

  test("log groups of both functions and the state machine keep logs for a finite time", () => {
    const groups = resourcesOf(stack, "aws_cloudwatch_log_group").map((g) => [g.name, g.retention_in_days]);
    expect(groups).toEqual(
      expect.arrayContaining([
        ["/aws/lambda/fastapi-test-lambda-one-dev", 30],
        ["/aws/lambda/fastapi-test-lambda-two-dev", 30],
        ["/aws/vendedlogs/states/fastapi-test-pipeline-dev", 30],
      ]),
    );
  });

  test("functions are zips bundled from lambdas/sfn-pipeline with their code hash", () => {
    for (const fn of resourcesOf(stack, "aws_lambda_function")) {
      expect(fn).toMatchObject({ package_type: "Zip", handler: "index.handler", runtime: "nodejs22.x" });
      expect(fn.filename).toMatch(/^assets\/lambda_(one|two)_Code_\w+\/\w+\/lambda_(one|two)-[0-9a-f]{8}\.zip$/);
      expect(fn.source_code_hash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      expect(fn.role).toMatch(/LambdaRole_\w+\.arn/);
    }
  });

  test("POST /runs starts an execution, IAM-authorized, through a role that may start only this machine", () => {
    const route = resourcesOf(stack, "aws_apigatewayv2_route")[0];
    expect(route).toMatchObject({ route_key: "POST /runs", authorization_type: "AWS_IAM" });
    const integration = resourcesOf(stack, "aws_apigatewayv2_integration")[0];
    expect(integration).toMatchObject({
      integration_type: "AWS_PROXY",
      integration_subtype: "StepFunctions-StartExecution",
      payload_format_version: "1.0",
      request_parameters: { StateMachineArn: expect.stringMatching(/Pipeline_\w+\.arn/), Input: "$request.body" },
    });
    const apiRole = roleNamed("fastapi-test-api-role-dev");
    expect(statementsOfRole(apiRole)).toEqual([
      {
        sid: "StartExecutionPipeline",
        effect: "Allow",
        actions: ["states:StartExecution"],
        resources: [expect.stringMatching(/^\$\{aws_sfn_state_machine\.Pipeline_\w+\.arn\}$/)],
      },
    ]);
  });

  test("state_machine_arn is an output; aws_account_id guards the account", () => {
    expect(stack.output.state_machine_arn.value).toMatch(/aws_sfn_state_machine\.Pipeline_\w+\.arn/);
    expect(stack.variable.aws_account_id).toMatchObject({ type: "string", default: "" });
    const identity = stack.data.aws_caller_identity.current;
    expect(identity.lifecycle.postcondition[0].condition).toContain("self.account_id == var.aws_account_id");
    expect(stack.output.account_id.value).toBe("${data.aws_caller_identity.current.account_id}");
  });

  test("`-var environment=dev` is accepted as the original is run: the variable defaults to the synth's environment and refuses another", () => {
    expect(stack.variable.environment).toMatchObject({ type: "string", default: "dev" });
    expect(stack.variable.environment.validation).toEqual([
      {
        condition: '${var.environment == "dev"}',
        error_message: expect.stringContaining("PLATFORM_ENV=<environment> npx cdktf synth"),
      },
    ]);
    // The environment tag is the variable's value (held to the synthesized one).
    expect(stack.provider.aws[0].default_tags[0].tags.environment).toBe("${var.environment}");
    const prod = synthApp({ PLATFORM_ENV: "prod" }).json("sfn-pipeline");
    expect(prod.variable.environment).toMatchObject({ default: "prod" });
    expect(prod.variable.environment.validation[0].condition).toBe('${var.environment == "prod"}');
  });

  test("project name and environment are settings: names and state key follow them", () => {
    const other = synthApp({ SFN_PIPELINE_PROJECT_NAME: "orders", PLATFORM_ENV: "prod" }).json("sfn-pipeline");
    const names = resourcesOf(other, "aws_iam_role").map((r) => r.name);
    expect(names.sort()).toEqual(["orders-api-role-prod", "orders-lambda-role-prod", "orders-sfn-role-prod"]);
    expect(other.terraform.backend.s3.key).toBe("sfn-pipeline/prod/sfn-pipeline.tfstate");
    expect(other.terraform.required_version).toBe(">= 1.5");
  });
});
