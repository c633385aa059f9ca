import { CodebuildProject } from "@cdktf/provider-aws/lib/codebuild-project";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaFunctionUrl } from "@cdktf/provider-aws/lib/lambda-function-url";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import {
  ENV,
  FUNCTION_ENV,
  FUNCTIONS,
  ORDER_NAME_INDEX,
  RUNNER_ENV,
  S3_PREFIX,
} from "../../../lambdas/iac-ci/contract";
import { findResource, resourcesOf, synthPlatform } from "../../support/synth";

const { deploy } = synthPlatform();
const fnKey = (name: string) =>
  Object.entries(deploy.resource.aws_lambda_function).find(([, body]) => body.function_name === name)?.[0];

interface Statement {
  readonly doc: string;
  readonly sid: string;
  readonly effect: string;
  readonly actions: string[];
  readonly resources: string[];
}

/** Every IAM statement of every role's inline policy, with the policy it belongs to. */
function allStatements(): Statement[] {
  const rolePolicies = Object.entries(deploy.data.aws_iam_policy_document).filter(([doc]) => doc.includes("_Role_"));
  return rolePolicies.flatMap(([doc, body]) =>
    (body.statement as Omit<Statement, "doc">[]).map((s) => ({ doc, ...s })),
  );
}

/** Wildcard-resource statements AWS forces on us (no resource-level permissions exist). */
const DOCUMENTED_WILDCARDS: Record<string, string[]> = {
  EcrAuthorizationToken: ["ecr:GetAuthorizationToken"],
  XRayTracing: [
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:PutTelemetryRecords",
    "xray:PutTraceSegments",
  ],
  DeliverLogs: [
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
    "logs:GetLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:UpdateLogDelivery",
  ],
};

describe("02-deploy", () => {
  test("four image functions use the same image URI with their own command, timeout and memory", () => {
    const functions = resourcesOf(deploy, "aws_lambda_function");
    expect(functions).toHaveLength(4);
    expect(new Set(functions.map((f) => f.image_uri))).toEqual(new Set(["${local.lambda_image_uri}"]));
    expect(deploy.locals.lambda_image_uri).toBe("${local.image_repo}:${var.image_tag}");
    const expected = {
      "iac-ci-dev-process-webhook": [FUNCTIONS.processWebhook.command, 300, 512],
      "iac-ci-dev-orchestrator": [FUNCTIONS.orchestrator.command, 600, 512],
      "iac-ci-dev-watchdog-check": [FUNCTIONS.watchdogCheck.command, 60, 256],
      "iac-ci-dev-worker": [FUNCTIONS.worker.command, 600, 1024],
    };
    for (const [name, [command, timeout, memory]] of Object.entries(expected)) {
      expect(deploy.raw).toHaveResourceWithProperties(LambdaFunction, {
        function_name: name,
        package_type: "Image",
        image_config: { command: [command] },
        timeout,
        memory_size: memory,
      });
    }
  });

  test("CodeBuild runs the same image, unprivileged, pulling it with its service role", () => {
    const project = findResource(deploy, "aws_codebuild_project", () => true);
    expect(project.environment.image).toBe("${local.lambda_image_uri}");
    expect(deploy.raw).toHaveResource(CodebuildProject);
    expect(project.environment).toMatchObject({
      type: "LINUX_CONTAINER",
      compute_type: "BUILD_GENERAL1_SMALL",
      privileged_mode: false,
      image_pull_credentials_type: "SERVICE_ROLE",
    });
    // The runner runs `worker.js --cli`: it gets what the worker's code reads, nothing more.
    const names = project.environment.environment_variable.map((v: { name: string }) => v.name).sort();
    expect(names).toEqual([...RUNNER_ENV].sort());
  });

  test("every function gets exactly the env vars its code reads (the contract), naming the right resources", () => {
    const refs: Record<string, RegExp> = {
      [ENV.ordersTable]: /^\$\{aws_dynamodb_table\.OrdersTable_\w+\.name\}$/,
      [ENV.orderEventsTable]: /^\$\{aws_dynamodb_table\.OrderEventsTable_\w+\.name\}$/,
      [ENV.locksTable]: /^\$\{aws_dynamodb_table\.LocksTable_\w+\.name\}$/,
      [ENV.internalBucket]: /^\$\{aws_s3_bucket\.InternalBucket_\w+\.bucket\}$/,
      [ENV.doneBucket]: /^\$\{aws_s3_bucket\.DoneBucket_\w+\.bucket\}$/,
      [FUNCTION_ENV.webhookSecretParameter]: /^\$\{aws_ssm_parameter\.WebhookSecretParameter\.name\}$/,
      [FUNCTION_ENV.orchestratorFunction]: /^\$\{aws_lambda_function\.orchestrator_\w+\.function_name\}$/,
      [FUNCTION_ENV.workerFunction]: /^\$\{aws_lambda_function\.worker_\w+\.function_name\}$/,
      [FUNCTION_ENV.runnerProject]: /^\$\{aws_codebuild_project\.Runner_\w+\.name\}$/,
      [FUNCTION_ENV.watchdogStateMachine]: /^\$\{aws_sfn_state_machine\.Watchdog_\w+\.arn\}$/,
      [FUNCTION_ENV.gitOrder]: /^\$\{jsonencode\(var\.git_order\)\}$/,
    };
    const fns = resourcesOf(deploy, "aws_lambda_function");
    expect(fns).toHaveLength(4);
    for (const { id, env } of Object.values(FUNCTIONS)) {
      const fn = fns.find((f) => f.function_name === `iac-ci-dev-${id.replace(/_/g, "-")}`);
      const variables = fn?.environment.variables as Record<string, string>;
      expect(Object.keys(variables).sort()).toEqual([...env].sort());
      for (const [name, value] of Object.entries(variables)) expect(value).toMatch(refs[name]);
    }
    // The original system gave every function all five table and bucket names; ours are narrower.
    const watchdog = fns.find((f) => f.function_name === "iac-ci-dev-watchdog-check");
    expect(Object.keys(watchdog?.environment.variables)).toEqual([ENV.internalBucket]);
  });

  test("every function sends failed asynchronous events to its own encrypted dead-letter queue", () => {
    const queues = Object.entries(deploy.resource.aws_sqs_queue);
    expect(queues).toHaveLength(4);
    for (const fn of resourcesOf(deploy, "aws_lambda_function")) {
      const [key, queue] = queues.find(([, q]) => q.name === `${fn.function_name}-dlq`) ?? [];
      expect(queue).toMatchObject({ sqs_managed_sse_enabled: true });
      expect(fn.dead_letter_config).toEqual({ target_arn: `\${aws_sqs_queue.${key}.arn}` });
    }
  });

  test("the worker is never retried by Lambda (a retry would run the commands twice)", () => {
    const configs = resourcesOf(deploy, "aws_lambda_function_event_invoke_config");
    expect(configs).toEqual([
      expect.objectContaining({
        function_name: `\${aws_lambda_function.${fnKey("iac-ci-dev-worker")}.function_name}`,
        maximum_retry_attempts: 0,
      }),
    ]);
  });

  test("each function has its own log group with retention and depends on it and its policy", () => {
    for (const [key, fn] of Object.entries(deploy.resource.aws_lambda_function)) {
      const logGroup = findResource(
        deploy,
        "aws_cloudwatch_log_group",
        (g) => g.name === `/aws/lambda/${fn.function_name}`,
      );
      expect(logGroup.retention_in_days).toBe(30);
      expect(fn.depends_on).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^aws_cloudwatch_log_group\./),
          expect.stringMatching(/^aws_iam_role_policy\./),
        ]),
      );
      expect(key).toBeDefined();
    }
  });

  test("every table is on-demand, encrypted, with TTL on `ttl` and point-in-time recovery", () => {
    const tables = resourcesOf(deploy, "aws_dynamodb_table");
    expect(tables.map((t) => t.name).sort()).toEqual([
      "iac-ci-dev-orchestrator-locks",
      "iac-ci-dev-order-events",
      "iac-ci-dev-orders",
    ]);
    for (const table of tables) {
      expect(table.billing_mode).toBe("PAY_PER_REQUEST");
      expect(table.ttl).toEqual({ enabled: true, attribute_name: "ttl" });
      expect(table.point_in_time_recovery).toEqual({ enabled: true });
      expect(table.server_side_encryption).toEqual({ enabled: true });
    }
    expect(deploy.raw).toHaveResourceWithProperties(DynamodbTable, {
      name: "iac-ci-dev-order-events",
      hash_key: "pk",
      range_key: "sk",
      global_secondary_index: [
        { name: ORDER_NAME_INDEX.name, hash_key: "order_name", range_key: "epoch", projection_type: "ALL" },
      ],
    });
    const events = findResource(deploy, "aws_dynamodb_table", (t) => t.name === "iac-ci-dev-order-events");
    expect(events.attribute).toEqual(
      expect.arrayContaining([
        { name: "order_name", type: "S" },
        { name: "epoch", type: "N" },
      ]),
    );
  });

  test("both buckets: the original names with the workspace/region hash, 1-day expiry, encryption, no public access, force_destroy", () => {
    expect(deploy.locals.bucket_hash).toBe(
      '${substr(sha256(join("", [terraform.workspace, var.aws_region])), -5, -1)}',
    );
    const buckets = resourcesOf(deploy, "aws_s3_bucket");
    expect(buckets.map((b) => b.bucket).sort()).toEqual([
      "iac-ci-dev-done-${local.bucket_hash}",
      "iac-ci-dev-internal-${local.bucket_hash}",
    ]);
    for (const bucket of buckets) expect(bucket.force_destroy).toBe(true);
    const lifecycles = resourcesOf(deploy, "aws_s3_bucket_lifecycle_configuration");
    expect(lifecycles).toHaveLength(2);
    for (const lifecycle of lifecycles) {
      expect(lifecycle.rule).toHaveLength(1);
      expect(lifecycle.rule[0].status).toBe("Enabled");
      expect(lifecycle.rule[0].expiration).toEqual([{ days: 1 }]);
    }
    for (const block of resourcesOf(deploy, "aws_s3_bucket_public_access_block")) {
      expect(block).toMatchObject({
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      });
    }
    expect(resourcesOf(deploy, "aws_s3_bucket_public_access_block")).toHaveLength(2);
    expect(resourcesOf(deploy, "aws_s3_bucket_server_side_encryption_configuration")).toHaveLength(2);
  });

  test("the internal bucket notifies the orchestrator of result.json under tmp/callbacks/runs/", () => {
    const notification = findResource(deploy, "aws_s3_bucket_notification", () => true);
    expect(notification.bucket).toMatch(/^\$\{aws_s3_bucket\.InternalBucket_\w+\.id\}$/);
    expect(notification.lambda_function).toEqual([
      expect.objectContaining({
        lambda_function_arn: `\${aws_lambda_function.${fnKey("iac-ci-dev-orchestrator")}.arn}`,
        events: ["s3:ObjectCreated:*"],
        filter_prefix: S3_PREFIX.callbacks,
        filter_suffix: "result.json",
      }),
    ]);
    const permission = findResource(deploy, "aws_lambda_permission", (p) => p.principal === "s3.amazonaws.com");
    expect(permission.function_name).toBe(`\${aws_lambda_function.${fnKey("iac-ci-dev-orchestrator")}.function_name}`);
    expect(permission.source_arn).toMatch(/InternalBucket_\w+\.arn/);
    expect(permission.source_account).toBe("${data.aws_caller_identity.current.account_id}");
    expect(notification.depends_on).toEqual([
      expect.stringMatching(/^aws_lambda_permission\.orchestrator_AllowS3Invoke/),
    ]);
  });

  test("the watchdog definition is valid JSON with the original states, retries, a timeout and logging", () => {
    const machine = findResource(deploy, "aws_sfn_state_machine", () => true);
    const definition = JSON.parse(machine.definition);
    expect(definition.StartAt).toBe("CheckResult");
    expect(Object.keys(definition.States).sort()).toEqual(["CheckResult", "IsDone", "Succeed", "WaitStep"]);
    expect(definition.States.CheckResult).toMatchObject({
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke",
      Parameters: { FunctionName: `\${aws_lambda_function.${fnKey("iac-ci-dev-watchdog-check")}.arn}` },
      Next: "IsDone",
    });
    expect(definition.States.CheckResult.Retry[0].ErrorEquals).toContain("Lambda.ServiceException");
    expect(definition.States.IsDone).toEqual({
      Type: "Choice",
      Choices: [{ Variable: "$.done", BooleanEquals: true, Next: "Succeed" }],
      Default: "WaitStep",
    });
    expect(definition.States.WaitStep).toEqual({ Type: "Wait", Seconds: 60, Next: "CheckResult" });
    expect(definition.States.Succeed).toEqual({ Type: "Succeed" });
    expect(definition.TimeoutSeconds).toBeGreaterThan(0);
    expect(machine.logging_configuration.log_destination).toMatch(
      /aws_cloudwatch_log_group\.Watchdog_LogGroup_\w+\.arn\}:\*$/,
    );
  });

  test("HTTP API: POST /webhook and GET /orders/{id} proxy to process_webhook; invoke permissions scoped by route", () => {
    const routes = resourcesOf(deploy, "aws_apigatewayv2_route")
      .map((r) => r.route_key)
      .sort();
    expect(routes).toEqual(["GET /orders/{id}", "POST /webhook"]);
    const integration = findResource(deploy, "aws_apigatewayv2_integration", () => true);
    expect(integration).toMatchObject({ integration_type: "AWS_PROXY", payload_format_version: "2.0" });
    expect(integration.integration_uri).toBe(
      `\${aws_lambda_function.${fnKey("iac-ci-dev-process-webhook")}.invoke_arn}`,
    );
    const stage = findResource(deploy, "aws_apigatewayv2_stage", () => true);
    expect(stage).toMatchObject({ name: "$default", auto_deploy: true });
    const apiPermissions = resourcesOf(deploy, "aws_lambda_permission").filter(
      (p) => p.principal === "apigateway.amazonaws.com",
    );
    expect(apiPermissions.map((p) => p.source_arn).sort()).toEqual([
      expect.stringMatching(/\.execution_arn\}\/\*\/GET\/orders\/\*$/),
      expect.stringMatching(/\.execution_arn\}\/\*\/POST\/webhook$/),
    ]);
  });

  test("process_webhook has a function URL; the webhook secret is a generated SecureString", () => {
    expect(deploy.raw).toHaveResourceWithProperties(LambdaFunctionUrl, { authorization_type: "NONE" });
    expect(deploy.raw).toHaveResourceWithProperties(SsmParameter, {
      name: "/iac-ci/dev/webhook-secret",
      type: "SecureString",
    });
    expect(deploy.output.webhook_secret.sensitive).toBe(true);
  });

  test("no IAM statement has a wildcard resource outside the documented exceptions", () => {
    const statements = allStatements();
    expect(statements.length).toBeGreaterThan(20);
    for (const statement of statements) {
      expect(statement.effect).toBe("Allow");
      const wildcard = (statement.resources as string[]).some((r) => r === "*" || /^arn:aws:[a-z0-9-]+:\*/.test(r));
      if (wildcard) {
        expect({ sid: statement.sid, actions: statement.actions }).toEqual({
          sid: statement.sid,
          actions: DOCUMENTED_WILDCARDS[statement.sid],
        });
        expect(statement.resources).toEqual(["*"]);
      }
    }
  });

  test("IAM per role is exactly the specified list, on ARNs and prefixes", () => {
    const byDoc = (prefix: string) =>
      Object.fromEntries(
        allStatements()
          .filter((s) => s.doc.startsWith(prefix))
          .map((s) => [s.sid, { actions: s.actions, resources: s.resources }]),
      );
    const worker = byDoc("worker_Role");
    expect(Object.keys(worker).sort()).toEqual([
      "ReadInternalBucketTmpExec",
      "SendToDeadLetterQueueWorker",
      "WriteLogsWorker",
      "XRayTracing",
    ]);
    expect(worker.ReadInternalBucketTmpExec).toEqual({
      actions: ["s3:GetObject"],
      resources: [expect.stringMatching(/InternalBucket_\w+\.arn\}\/tmp\/exec\/\*$/)],
    });
    const watchdog = byDoc("watchdog_check_Role");
    expect(Object.keys(watchdog).sort()).toEqual([
      "ListInternalBucketTmpCallbacksRuns",
      "ReadWriteInternalBucketTmpCallbacksRuns",
      "SendToDeadLetterQueueWatchdogCheck",
      "WriteLogsWatchdogCheck",
      "XRayTracing",
    ]);
    expect(watchdog.ReadWriteInternalBucketTmpCallbacksRuns.resources).toEqual([
      expect.stringMatching(/\/tmp\/callbacks\/runs\/\*$/),
    ]);
    const webhook = byDoc("process_webhook_Role");
    expect(Object.keys(webhook).sort()).toEqual([
      "GetPutQueryOrderEventsTable",
      "GetPutQueryOrdersTable",
      "InvokeOrchestrator",
      "ReadWebhookSecretParameter",
      "ReadWriteInternalBucketTmpExec",
      "SendToDeadLetterQueueProcessWebhook",
      "WriteLogsProcessWebhook",
      "XRayTracing",
    ]);
    expect(webhook.GetPutQueryOrdersTable.actions).toEqual(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]);
    // Exactly the one parameter it reads; no Secrets Manager grant (nothing reads a secret there).
    expect(webhook.ReadWebhookSecretParameter).toEqual({
      actions: ["ssm:GetParameter"],
      resources: [expect.stringMatching(/^\$\{aws_ssm_parameter\.WebhookSecretParameter\.arn\}$/)],
    });
    expect(webhook.InvokeOrchestrator.resources[0]).toMatch(/orchestrator_\w+\.arn\}$/);
    const orchestrator = byDoc("orchestrator_Role");
    expect(Object.keys(orchestrator).sort()).toEqual([
      "InvokeWorker",
      "ListInternalBucketTmpCallbacksRuns",
      "ReadInternalBucketTmpExec",
      "ReadWriteDoneBucket",
      "ReadWriteInternalBucketTmpCallbacksRuns",
      "ReadWriteLocksTable",
      "ReadWriteOrderEventsTable",
      "ReadWriteOrdersTable",
      "SendToDeadLetterQueueOrchestrator",
      "StartBuildRunner",
      "StartExecutionWatchdog",
      "WriteLogsOrchestrator",
      "XRayTracing",
    ]);
    expect(orchestrator.StartExecutionWatchdog.resources).toEqual([
      expect.stringMatching(/aws_sfn_state_machine\.Watchdog_\w+\.arn/),
    ]);
    expect(orchestrator.StartBuildRunner.resources).toEqual([
      expect.stringMatching(/aws_codebuild_project\.Runner_\w+\.arn/),
    ]);
    const runner = byDoc("Runner_Role");
    expect(runner.PullBuildImage.actions).toEqual([
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
    ]);
    expect(runner.ReadInternalBucketTmpExec.actions).toEqual(["s3:GetObject"]);
    expect(runner.WriteInternalBucketTmpCallbacksRuns.resources).toEqual([
      expect.stringMatching(/\/tmp\/callbacks\/runs\/\*$/),
    ]);
    expect(watchdog.ListInternalBucketTmpCallbacksRuns).toEqual({
      actions: ["s3:ListBucket"],
      resources: [expect.stringMatching(/InternalBucket_\w+\.arn\}$/)],
    });
    expect(runner.WriteBuildLogs.actions).toEqual(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]);
  });

  test("Terraform variables let CI plan a new image without re-synthesizing", () => {
    expect(Object.keys(deploy.variable).sort()).toEqual([
      "alert_emails",
      "aws_region",
      "ecr_repo",
      "git_order",
      "image_tag",
    ]);
    expect(deploy.variable.image_tag.default).toBe("latest");
    expect(deploy.provider.aws[0].region).toBe("${var.aws_region}");
    expect(Object.keys(deploy.data).sort()).toEqual(
      expect.arrayContaining(["aws_caller_identity", "aws_region", "aws_iam_policy_document"]),
    );
  });

  test("outputs name everything CI and operators need", () => {
    expect(Object.keys(deploy.output)).toEqual(
      expect.arrayContaining([
        "api_gateway_url",
        "api_gateway_id",
        "lambda_function_names",
        "lambda_function_arns",
        "dynamodb_table_names",
        "s3_bucket_names",
        "step_function_arn",
        "codebuild_project_name",
      ]),
    );
    expect(Object.keys(deploy.output.lambda_function_names.value).sort()).toEqual([
      "orchestrator",
      "process_webhook",
      "watchdog_check",
      "worker",
    ]);
  });

  test("the backend keeps state in the bootstrap bucket, locked in the lock table", () => {
    expect(deploy.terraform.backend).toEqual({
      s3: {
        bucket: "iac-ci-tfstate",
        key: "iac-ci/dev/02-deploy.tfstate",
        region: "us-east-1",
        dynamodb_table: "iac-ci-tf-locks",
        encrypt: true,
      },
    });
  });
});
