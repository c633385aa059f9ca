import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import {
  APIGatewayClient,
  GetResourcesCommand,
  GetRestApisCommand,
  GetStageCommand,
} from "@aws-sdk/client-api-gateway";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand } from "@aws-sdk/client-eventbridge";
import { IAMClient } from "@aws-sdk/client-iam";
import { GetFunctionCommand, LambdaClient, ListFunctionsCommand } from "@aws-sdk/client-lambda";
import {
  GetBucketNotificationConfigurationCommand,
  GetBucketVersioningCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
} from "@aws-sdk/client-sfn";
import { ListSubscriptionsByTopicCommand, ListTopicsCommand, SNSClient } from "@aws-sdk/client-sns";
import { FUNCTIONS } from "../../../lambdas/sales-platform/contract";
import { expectAdopted, importedIds, makeRoleByHand } from "../../support/adoption";
import { startSystemEmulator } from "../../support/deploy";
import { expectOk, ROOT, terraform } from "../../support/terraform";

// The sales data platform on its own emulator, the way docs/sales-platform.md runs it:
// 00-bootstrap, `terraform plan -var-file=` the shipped example, then a user's tfvars file: plan
// -out, apply, a clean re-plan with the same file, what the variables switch (QuickSight, the
// schedule) seen in plans, a real upload starting the upload processor through S3 -> EventBridge,
// then destroy (bucket emptied first, as docs/sales-platform.md says).
jest.setTimeout(1_800_000);

const STACK = "sales-platform";
const emulator = startSystemEmulator(STACK);
const config = emulator.clientConfig();
const dir = () => emulator.stackDir("dev", STACK);
const env = () => emulator.env("dev");
const EXAMPLE = path.join(ROOT, "stacks", "sales-platform", "terraform.tfvars.example");
const TFVARS = path.join(emulator.work, "emulator-terraform.tfvars");
const varFile = [`-var-file=${TFVARS}`];
let bucket = "";

const s3 = new S3Client(config);
const iam = new IAMClient(config);
/** A role a user made by hand before the first deploy. */
const ADOPTED_ROLE = "sales-dev-process-upload-role";
const sfn = new SFNClient(config);
const outputs: Record<string, string> = {};

afterAll(() => emulator.stop());

describe("the sales data platform on the emulator", () => {
  test("00-bootstrap deploys; the stack validates; `terraform plan -var-file=terraform.tfvars.example` plans the whole system", async () => {
    // The upload processor's role exists already (made by hand): the synth adopts it
    // (docs/import-runbook.md). The deploy role may own the data bucket the user's tfvars name
    // (s3_bucket_name below).
    await makeRoleByHand(iam, ADOPTED_ROLE, "lambda.amazonaws.com");
    await emulator.synth("dev", {
      SALES_PLATFORM_DEPLOY_BUCKETS: "emulator-sales",
      PLATFORM_ADOPT_ROLES: ADOPTED_ROLE,
    });
    expect(importedIds(JSON.parse(fs.readFileSync(path.join(dir(), "cdk.tf.json"), "utf8")))).toEqual([ADOPTED_ROLE]);
    expectOk(await emulator.deploy("dev", "00-bootstrap"), "cdktf deploy 00-bootstrap");
    // From here on, as CI deploys: with sales-platform's GitHub deploy role, under IAM enforcement.
    await emulator.deployAsCi(STACK);
    expectOk(await terraform(dir(), ["init", "-input=false"], env()), "terraform init");
    const validate = expectOk(await terraform(dir(), ["validate", "-json"], env()), "terraform validate");
    expect(JSON.parse(validate.output.slice(validate.output.indexOf("{")))).toMatchObject({
      valid: true,
      error_count: 0,
    });
    const plan = expectOk(
      await terraform(dir(), ["plan", "-input=false", "-lock-timeout=60s", `-var-file=${EXAMPLE}`], env()),
      "terraform plan -var-file=terraform.tfvars.example",
    );
    // Everything is new but the hand-made role, which is imported and made the code's.
    expect(plan.output).toMatch(/Plan: 1 to import, \d+ to add, [01] to change, 0 to destroy/);
    expect(plan.output).toContain("+ bucket                      = (known after apply)");
    // Without the required variables, Terraform says which are missing.
    const missing = await terraform(dir(), ["plan", "-input=false", "-lock-timeout=60s"], env());
    expect(missing.status).not.toBe(0);
    expect(missing.output).toMatch(/No value for required variable[\s\S]*s3_bucket_name|variable "s3_bucket_name"/);
  });

  test("a bad value is refused by the variable's validation, naming the rule", async () => {
    const bad = await terraform(
      dir(),
      [
        "plan",
        "-input=false",
        "-lock-timeout=60s",
        `-var-file=${EXAMPLE}`,
        "-var=alert_phone=5551234",
        "-var=log_level=LOUD",
      ],
      env(),
    );
    expect(bad.status).not.toBe(0);
    expect(bad.output).toContain("alert_phone must be empty or an E.164 number");
    expect(bad.output).toContain("log_level must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL");
  });

  test("a user's tfvars: plan -out, apply; the outputs are the original system's", async () => {
    // The user's copy of the example, as docs/sales-platform.md says: cp terraform.tfvars.example <name>-terraform.tfvars.
    fs.writeFileSync(
      TFVARS,
      fs
        .readFileSync(EXAMPLE, "utf8")
        .replace('s3_bucket_name = "my-sales-data"', 's3_bucket_name = "emulator-sales"')
        .replace('alert_phone = ""', 'alert_phone = "+15551234567"'),
    );
    expectOk(
      await terraform(dir(), ["plan", "-input=false", "-lock-timeout=60s", "-out=tfplan", ...varFile], env()),
      "terraform plan -out",
    );
    const apply = await terraform(dir(), ["apply", "-input=false", "-lock-timeout=60s", "tfplan"], env());
    emulator.timings["terraform apply (sales-platform)"] = apply.seconds;
    expectOk(apply, "terraform apply tfplan");
    const out = expectOk(await terraform(dir(), ["output", "-json"], env()), "terraform output");
    const json = JSON.parse(out.output.slice(out.output.indexOf("{")));
    for (const [k, v] of Object.entries<{ value: string }>(json)) outputs[k] = v.value;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining([
        "api_gateway_url",
        "s3_bucket_name",
        "s3_bucket_arn",
        "upload_processor_arn",
        "daily_analysis_arn",
        "dynamodb_table_name",
        "sns_topic_arn",
      ]),
    );
    // Without QuickSight the dashboard outputs are empty strings: a null output breaks cdktf deploy.
    expect([outputs.quicksight_dashboard_id, outputs.quicksight_dashboard_url]).toEqual(["", ""]);
    bucket = outputs.s3_bucket_name;
    expect(bucket).toMatch(/^emulator-sales-[a-z0-9]{7}$/);
    // Deployed to the local cloud, the API URL is the stage's local address (on AWS the provider's).
    expect(outputs.api_gateway_url).toMatch(/^http:\/\/\w+\.execute-api\.localhost:\d+\/prod$/);
    // The deploy role imported the hand-made role: the code's one inline policy, no managed policy.
    await expectAdopted(iam, ADOPTED_ROLE);
  });

  test("the deployed world re-plans clean with the same tfvars", async () => {
    await emulator.expectCleanPlan("dev", STACK, {}, varFile);
  });

  test("resources are as the README lists them", async () => {
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe("Enabled");
    expect(
      (await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }))).EventBridgeConfiguration,
    ).toEqual({});
    const table = await new DynamoDBClient(config).send(
      new DescribeTableCommand({ TableName: outputs.dynamodb_table_name }),
    );
    expect(table.Table?.KeySchema?.map((k) => k.AttributeName)).toEqual(["PK", "SK"]);
    expect(table.Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(["GSI1"]);
    expect(table.Table?.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");

    const lambda = new LambdaClient(config);
    const names = ((await lambda.send(new ListFunctionsCommand({ MaxItems: 50 }))).Functions ?? []).map(
      (f) => f.FunctionName,
    );
    expect(names.sort()).toEqual(
      Object.values(FUNCTIONS)
        .map((f) => `sales-dev-${f.id}`)
        .sort(),
    );
    const fn = await lambda.send(new GetFunctionCommand({ FunctionName: "sales-dev-process-upload" }));
    expect(fn.Configuration).toMatchObject({ Architectures: ["arm64"], PackageType: "Zip", Runtime: "nodejs22.x" });
    expect(fn.Configuration?.Environment?.Variables).toMatchObject({
      LOG_LEVEL: "INFO",
      DATA_BUCKET: bucket,
      UPLOAD_PREFIX: "uploads/",
      EXPECTED_STORES: "0001,0002,0003,0004,0005,0006,0007,0008,0009,0010,0011",
    });

    const machines = (await sfn.send(new ListStateMachinesCommand({}))).stateMachines?.map((m) => m.name);
    expect(machines?.sort()).toEqual(["sales-dev-daily-analysis", "sales-dev-upload-processor"]);
    const upload = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: outputs.upload_processor_arn }));
    expect(JSON.parse(upload.definition ?? "{}").States.ProcessUpload.Parameters.FunctionName).toMatch(
      /:function:sales-dev-process-upload$/,
    );

    const events = new EventBridgeClient(config);
    const rule = await events.send(new DescribeRuleCommand({ Name: "sales-dev-upload-created" }));
    expect(JSON.parse(rule.EventPattern ?? "{}").detail.bucket.name).toEqual([bucket]);
    const schedule = await events.send(new DescribeRuleCommand({ Name: "sales-dev-daily-analysis-schedule" }));
    expect(schedule.ScheduleExpression).toBe("cron(0 23 * * ? *)");
    const targets = await events.send(new ListTargetsByRuleCommand({ Rule: "sales-dev-daily-analysis-schedule" }));
    expect(targets.Targets?.[0].Arn).toMatch(/:function:sales-dev-trigger-daily-analysis$/);

    const apigw = new APIGatewayClient(config);
    const api = (await apigw.send(new GetRestApisCommand({}))).items?.find((a) => a.name === "sales-dev-api");
    const paths = (await apigw.send(new GetResourcesCommand({ restApiId: api?.id }))).items?.map((r) => r.path);
    expect(paths).toEqual(
      expect.arrayContaining(["/uploads/url", "/files", "/files/download-url", "/analytics", "/trends"]),
    );
    const stage = await apigw.send(new GetStageCommand({ restApiId: api?.id, stageName: "prod" }));
    expect(stage.accessLogSettings?.destinationArn).toMatch(/log-group:\/aws\/apigateway\/sales-dev-api\/prod/);

    const sns = new SNSClient(config);
    const topics = (await sns.send(new ListTopicsCommand({}))).Topics?.map((t) => t.TopicArn?.split(":").pop());
    expect(topics?.sort()).toEqual(["sales-dev-alerts", "sales-dev-daily-reports"]);
    const subs = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: outputs.sns_topic_arn }));
    expect(subs.Subscriptions?.map((s) => [s.Protocol, s.Endpoint]).sort()).toEqual([
      ["email", "ops@example.com"],
      ["sms", "+15551234567"],
    ]);

    const groups = (await new CloudWatchLogsClient(config).send(new DescribeLogGroupsCommand({}))).logGroups ?? [];
    const ours = groups.filter((g) => /sales-dev/.test(g.logGroupName ?? ""));
    expect(ours.length).toBeGreaterThanOrEqual(19 + 2 + 1);
    expect(new Set(ours.map((g) => g.retentionInDays))).toEqual(new Set([14]));
  });

  test("a store's upload under uploads/ starts upload-processor through S3 -> EventBridge, with the transformed input", async () => {
    const before =
      (await sfn.send(new ListExecutionsCommand({ stateMachineArn: outputs.upload_processor_arn }))).executions ?? [];
    const key = "uploads/0001/2026-01-30/sales.csv";
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "date,store_id\n" }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "processed/not-an-upload.parquet", Body: "x" }));
    const after =
      (await sfn.send(new ListExecutionsCommand({ stateMachineArn: outputs.upload_processor_arn }))).executions ?? [];
    expect(after.length - before.length).toBe(1);
    const started = after.find((e) => !before.some((b) => b.executionArn === e.executionArn));
    const input = JSON.parse(
      (await sfn.send(new DescribeExecutionCommand({ executionArn: started?.executionArn }))).input ?? "{}",
    );
    expect(input).toEqual({ bucket, key, size: 14, eventTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) });
  });

  test("the variables switch QuickSight on and the schedule off, in plans of the same synthesized stack", async () => {
    const quicksight = expectOk(
      await terraform(
        dir(),
        [
          "plan",
          "-input=false",
          "-lock-timeout=60s",
          ...varFile,
          "-var=enable_quicksight=true",
          "-var=quicksight_user_arn=arn:aws:quicksight:us-east-1:123456789012:user/default/analyst",
          "-var=enable_scheduled_analysis=false",
        ],
        env(),
      ),
      "plan with QuickSight on and the schedule off",
    );
    // 5 data sources, 5 datasets and the dashboard over them.
    expect(quicksight.output).toMatch(/Plan: 11 to add, 0 to change, 3 to destroy/);
    expect(quicksight.output.match(/aws_quicksight_data_set\.\S+ will be created/g)).toHaveLength(5);
    expect(quicksight.output).toMatch(/aws_quicksight_dashboard\.QuicksightDashboard\[0\] will be created/);
    // From empty (without QuickSight, as applied) to the dashboard's console URL.
    expect(quicksight.output).toMatch(
      /quicksight_dashboard_url = "" -> "https:\/\/us-east-1\.quicksight\.aws\.amazon\.com\/sn\/dashboards\/sales-dev-qs-dashboard"/,
    );
    expect(quicksight.output).toMatch(/aws_cloudwatch_event_rule\.DailyAnalysisSchedule_\w+\[0\] will be destroyed/);
    const noUser = await terraform(
      dir(),
      ["plan", "-input=false", "-lock-timeout=60s", ...varFile, "-var=enable_quicksight=true"],
      env(),
    );
    expect(noUser.status).not.toBe(0);
    expect(noUser.output).toContain("enable_quicksight needs quicksight_user_arn");
  });

  test("destroy: the bucket is emptied first (docs/sales-platform.md), then everything goes; 00-bootstrap last", async () => {
    // As destroy.yml does it: scripts/empty-buckets.js with the deploy role, every version and marker.
    const before = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect((before.Versions ?? []).length).toBeGreaterThan(0);
    const emptied = spawnSync("node", [path.join(ROOT, "scripts", "empty-buckets.js"), dir()], {
      env: { ...env(), AWS_ENDPOINT_URL: emulator.endpoint },
      encoding: "utf8",
    });
    expect({ status: emptied.status, output: `${emptied.stdout}${emptied.stderr}` }).toMatchObject({
      status: 0,
      output: expect.stringContaining(`emptied ${bucket}`),
    });
    const after = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect([...(after.Versions ?? []), ...(after.DeleteMarkers ?? [])]).toEqual([]);
    const destroy = await terraform(
      dir(),
      ["destroy", "-auto-approve", "-input=false", "-lock-timeout=60s", ...varFile],
      env(),
    );
    emulator.timings["terraform destroy (sales-platform)"] = destroy.seconds;
    expectOk(destroy, "terraform destroy");
    expect(((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name)).not.toContain(bucket);
    expect((await sfn.send(new ListStateMachinesCommand({}))).stateMachines ?? []).toEqual([]);
    expect((await new LambdaClient(config).send(new ListFunctionsCommand({}))).Functions ?? []).toEqual([]);
    await emulator.destroyBootstrap("dev");
  });
});
