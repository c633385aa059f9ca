import fs from "node:fs";
import path from "node:path";
import { API_ROUTES, FUNCTIONS, QUICKSIGHT_DATASETS } from "../../../lambdas/sales-platform/contract";
import { LOG_RETENTION_DAYS } from "../../../stacks/sales-platform/sales-platform-stack";
import { DEFAULT_EXPECTED_STORES, PATTERNS } from "../../../stacks/sales-platform/variables";
import { NOTIFY_FAILURE } from "../../../stacks/sales-platform/workflows";
import { type Json, resourcesOf, type StackJson } from "../../support/synth";
import { synthSalesPlatform } from "../support/synth";

// GIVEN the app with default settings (prefix "sales", environment dev)
const stack: StackJson = synthSalesPlatform();
const STACK_DIR = path.resolve(__dirname, "../../..");

const entryOf = (type: string, match: (body: Json) => boolean): [string, Json] => {
  const found = Object.entries<Json>(stack.resource[type] ?? {}).filter(([, b]) => match(b));
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0];
};
const roleKey = (name: string) => entryOf("aws_iam_role", (r) => r.name === name)[0];
/** The statements of a role's one inline policy (by role name), sids removed for readability. */
const statementsOfRole = (name: string): Json[] => {
  const key = roleKey(name);
  const policy = Object.values<Json>(stack.resource.aws_iam_role_policy).find((p) => p.role.includes(`.${key}.`));
  const docKey = /data\.aws_iam_policy_document\.([\w-]+)\.json/.exec(policy.policy)?.[1] as string;
  return stack.data.aws_iam_policy_document[docKey].statement;
};
/** A role's permissions without logs and X-Ray: [actions, resources, condition?] per statement. */
const grantsOf = (name: string) =>
  statementsOfRole(name)
    .filter((s: Json) => !s.actions.every((a: string) => /^(logs|xray):/.test(a)))
    .map((s: Json) => [s.actions, s.resources, ...(s.condition ? [s.condition] : [])]);
const fnKey = (id: string) => entryOf("aws_lambda_function", (f) => f.function_name === `sales-dev-${id}`)[0];
const ref = (type: string, key: string, attr: string) => `\${${type}.${key}.${attr}}`;
const BUCKET = Object.keys(stack.resource.aws_s3_bucket)[0];
const BUCKET_ARN = ref("aws_s3_bucket", BUCKET, "arn");
const TABLE_ARN = ref("aws_dynamodb_table", Object.keys(stack.resource.aws_dynamodb_table)[0], "arn");
const TABLE_RESOURCES = [TABLE_ARN, `${TABLE_ARN}/index/*`];
const topicArn = (name: string) => ref("aws_sns_topic", entryOf("aws_sns_topic", (t) => t.name === name)[0], "arn");
const machine = (name: string) => entryOf("aws_sfn_state_machine", (m) => m.name === name);
const definitionOf = (name: string) => JSON.parse(machine(name)[1].definition);
/** An HCL pattern of the variables (RE2, in a Terraform string) as a JavaScript RegExp. */
const regex = (hcl: string) => new RegExp(hcl.replace(/\\\\/g, "\\"));

describe("sales-platform: variables", () => {
  test("every variable, with its default; s3_bucket_name and alert_email are required", () => {
    const defaults = Object.fromEntries(Object.entries<Json>(stack.variable).map(([k, v]) => [k, v.default]));
    expect(defaults).toEqual({
      s3_bucket_name: undefined,
      alert_email: undefined,
      aws_region: "us-east-1",
      frontend_origin: "http://localhost:3000",
      upload_prefix: "uploads/",
      processed_prefix: "processed/",
      rejected_prefix: "rejected/",
      expected_stores: DEFAULT_EXPECTED_STORES,
      alert_phone: "",
      bedrock_model_id: "amazon.nova-lite-v1:0",
      log_level: "INFO",
      enable_quicksight: false,
      quicksight_user_arn: "",
      daily_analysis_schedule: "cron(0 23 * * ? *)",
      daily_analysis_timezone: "America/New_York",
      enable_scheduled_analysis: true,
    });
    expect(stack.variable.enable_quicksight.type).toBe("bool");
    expect(stack.variable.enable_scheduled_analysis.type).toBe("bool");
    expect(DEFAULT_EXPECTED_STORES.split(",")).toHaveLength(11);
  });

  test("validation rules: each variable's condition uses its pattern, and the patterns accept and refuse what they should", () => {
    const conditions = (name: string) => stack.variable[name].validation.map((v: Json) => v.condition).join(" ");
    expect(conditions("alert_email")).toContain("var.alert_email");
    expect(conditions("alert_phone")).toMatch(/var\.alert_phone == "" \|\|/);
    expect(conditions("bedrock_model_id")).toContain("!can(regex(");
    expect(conditions("log_level")).toContain('contains(["DEBUG","INFO","WARNING","ERROR","CRITICAL"], var.log_level)');
    expect(conditions("expected_stores")).toContain("distinct(");
    for (const name of Object.keys(stack.variable).filter((n) => !n.startsWith("enable_"))) {
      expect(stack.variable[name].validation?.length).toBeGreaterThan(0);
    }
    const cases: [keyof typeof PATTERNS, string[], string[]][] = [
      ["email", ["ops@example.com", "a.b+c@x.co.uk"], ["ops", "a@b", "a b@c.de"]],
      ["phone", ["+15551234567", "+442071838750"], ["5551234567", "+0123", "+1555123456789012"]],
      ["bucketBase", ["my-sales-data", "abc"], ["My-Bucket", "-bad", "ab", "x".repeat(56)]],
      ["prefix", ["uploads/", "data/raw/", "date=1/"], ["uploads", "/uploads/", "a//"]],
      ["origin", ["http://localhost:3000", "https://app.example.com"], ["https://app.example.com/", "ftp://x", "*"]],
      ["modelId", ["amazon.nova-lite-v1:0", "anthropic.claude-3-haiku-20240307-v1:0"], ["nova", ""]],
      ["profileModelId", ["us.amazon.nova-lite-v1:0", "eu.anthropic.x"], ["amazon.nova-lite-v1:0"]],
      ["schedule", ["cron(0 23 * * ? *)", "rate(1 day)"], ["0 23 * * *", "cron 0"]],
      ["timezone", ["America/New_York", "UTC", "America/Argentina/Buenos_Aires"], ["Mars", "New York"]],
      ["quicksightUser", ["arn:aws:quicksight:us-east-1:123456789012:user/default/alice"], ["alice"]],
    ];
    for (const [pattern, good, bad] of cases) {
      for (const g of good) expect([pattern, g, regex(PATTERNS[pattern]).test(g)]).toEqual([pattern, g, true]);
      for (const b of bad) expect([pattern, b, regex(PATTERNS[pattern]).test(b)]).toEqual([pattern, b, false]);
    }
  });

  test("rules across variables are preconditions: distinct, non-nested prefixes; QuickSight needs its user", () => {
    const bucket = stack.resource.aws_s3_bucket[BUCKET];
    const [prefixes, quicksight] = bucket.lifecycle.precondition;
    expect(prefixes.condition).toContain("startswith(a, b) || startswith(b, a)");
    expect(quicksight.condition).toBe('${!var.enable_quicksight || var.quicksight_user_arn != ""}');
  });

  test("terraform.tfvars.example sets every variable, with the defaults for the optional ones", () => {
    const example = fs.readFileSync(path.join(STACK_DIR, "stacks/sales-platform/terraform.tfvars.example"), "utf8");
    const set = Object.fromEntries(
      [...example.matchAll(/^(\w+)\s*=\s*(.+)$/gm)].map(([, k, v]) => [k, JSON.parse(v.trim())]),
    );
    expect(Object.keys(set).sort()).toEqual(Object.keys(stack.variable).sort());
    for (const [name, v] of Object.entries<Json>(stack.variable)) {
      if (v.default !== undefined) expect([name, set[name]]).toEqual([name, v.default]);
    }
    expect(fs.readFileSync(path.join(STACK_DIR, ".gitignore"), "utf8").split("\n")).toContain("*.tfvars");
  });
});

describe("sales-platform: storage and messaging", () => {
  test("one bucket <s3_bucket_name>-<7 random chars>: versioned, encrypted, private, CORS for the frontend, EventBridge on", () => {
    const suffix = Object.entries<Json>(stack.resource.random_string)[0];
    expect(suffix[1]).toMatchObject({ length: 7, special: false, upper: false });
    expect(stack.resource.aws_s3_bucket[BUCKET].bucket).toBe(
      `\${var.s3_bucket_name}-\${random_string.${suffix[0]}.result}`,
    );
    expect(resourcesOf(stack, "aws_s3_bucket_versioning")[0].versioning_configuration.status).toBe("Enabled");
    expect(
      resourcesOf(stack, "aws_s3_bucket_server_side_encryption_configuration")[0].rule[0]
        .apply_server_side_encryption_by_default.sse_algorithm,
    ).toBe("AES256");
    expect(resourcesOf(stack, "aws_s3_bucket_public_access_block")[0]).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(resourcesOf(stack, "aws_s3_bucket_cors_configuration")[0].cors_rule).toEqual([
      expect.objectContaining({ allowed_origins: ["${var.frontend_origin}"], allowed_methods: ["GET", "PUT", "HEAD"] }),
    ]);
    expect(resourcesOf(stack, "aws_s3_bucket_notification")[0]).toMatchObject({ eventbridge: true });
    const folders = resourcesOf(stack, "aws_s3_object")
      .map((o) => o.key)
      .filter((k: string) => !k.includes("manifests/"));
    expect(folders.sort()).toEqual([
      "${var.processed_prefix}",
      "${var.rejected_prefix}",
      "${var.upload_prefix}",
      "quicksight/",
    ]);
  });

  test("single table PK/SK with GSI1, on demand, PITR and encryption on", () => {
    expect(resourcesOf(stack, "aws_dynamodb_table")).toEqual([
      expect.objectContaining({
        name: "sales-dev-sales-data",
        hash_key: "PK",
        range_key: "SK",
        billing_mode: "PAY_PER_REQUEST",
        point_in_time_recovery: { enabled: true },
        server_side_encryption: { enabled: true },
        global_secondary_index: [{ name: "GSI1", hash_key: "GSI1PK", range_key: "GSI1SK", projection_type: "ALL" }],
      }),
    ]);
  });

  test("alerts and daily reports topics, encrypted (alerts under its own key, which CloudWatch alarms may use); e-mail to both; SMS to alerts only when alert_phone is set", () => {
    expect(resourcesOf(stack, "aws_sns_topic").map((t) => [t.name, t.kms_master_key_id])).toEqual([
      ["sales-dev-alerts", expect.stringMatching(/^\$\{aws_kms_key\.AlertsKey_\w+\.arn\}$/)],
      ["sales-dev-daily-reports", "alias/aws/sns"],
    ]);
    const subs = resourcesOf(stack, "aws_sns_topic_subscription").map((s) => [s.protocol, s.endpoint, s.count]);
    expect(subs).toEqual([
      ["email", "${var.alert_email}", undefined],
      ["sms", "${var.alert_phone}", '${can(regex("^[+]", var.alert_phone)) ? 1 : 0}'],
      ["email", "${var.alert_email}", undefined],
    ]);
  });
});

describe("sales-platform: functions", () => {
  const functions = resourcesOf(stack, "aws_lambda_function");

  test("all 19 functions: TypeScript bundles on arm64, zip, LOG_LEVEL from log_level, each with its own role", () => {
    expect(functions.map((f) => f.function_name).sort()).toEqual(
      Object.values(FUNCTIONS)
        .map((f) => `sales-dev-${f.id}`)
        .sort(),
    );
    for (const f of functions) {
      expect(f).toMatchObject({
        architectures: ["arm64"],
        package_type: "Zip",
        runtime: "nodejs22.x",
        handler: "index.handler",
      });
      expect(f.environment.variables.LOG_LEVEL).toBe("${var.log_level}");
      expect(f.tracing_config).toEqual({ mode: "Active" });
    }
    const roles = new Set(functions.map((f) => f.role));
    expect(roles.size).toBe(functions.length);
  });

  test("every function's log group keeps logs 14 days, as do the state machines' and the API's", () => {
    const groups = resourcesOf(stack, "aws_cloudwatch_log_group");
    for (const f of functions) {
      expect(groups.find((g) => g.name === `/aws/lambda/${f.function_name}`)?.retention_in_days).toBe(
        LOG_RETENTION_DAYS,
      );
    }
    expect(new Set(groups.map((g) => g.retention_in_days))).toEqual(new Set([14]));
    expect(groups.map((g) => g.name)).toEqual(
      expect.arrayContaining([
        "/aws/vendedlogs/states/sales-dev-upload-processor",
        "/aws/vendedlogs/states/sales-dev-daily-analysis",
        "/aws/apigateway/sales-dev-api/prod",
      ]),
    );
  });

  test("bundles stay small (< 1 MB each) and are deployed with their code hash", () => {
    for (const f of functions) expect(f.source_code_hash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const bundles = fs.readdirSync(path.join(STACK_DIR, "build", "bundles"));
    for (const spec of Object.values(FUNCTIONS)) {
      const file = bundles.find((b) => b.startsWith(`${spec.id}-`) && b.endsWith(".zip"));
      expect([spec.id, file !== undefined]).toEqual([spec.id, true]);
      const bytes = fs.statSync(path.join(STACK_DIR, "build", "bundles", file as string)).size;
      expect([spec.id, bytes < 1024 * 1024]).toEqual([spec.id, true]);
    }
  });

  test("only the asynchronously invoked trigger has a dead-letter queue", () => {
    const withDlq = functions.filter((f) => f.dead_letter_config).map((f) => f.function_name);
    expect(withDlq).toEqual(["sales-dev-trigger-daily-analysis"]);
  });
});

describe("sales-platform: exact IAM", () => {
  const up = "${var.upload_prefix}";
  const pr = "${var.processed_prefix}";
  const rj = "${var.rejected_prefix}";
  const obj = (prefix: string) => [`${BUCKET_ARN}/${prefix}*`];

  test("S3 by prefix: each function touches only the prefixes its step needs", () => {
    expect(grantsOf("sales-dev-process-upload-role")).toEqual([
      [["s3:GetObject"], obj(up)],
      [["s3:DeleteObject"], obj(up)],
      [["s3:PutObject"], obj(pr)],
      [["s3:PutObject"], obj(rj)],
    ]);
    expect(grantsOf("sales-dev-generate-upload-url-role")).toEqual([[["s3:PutObject"], obj(up)]]);
    expect(grantsOf("sales-dev-calculate-metrics-role")).toEqual([[["s3:GetObject"], obj(pr)]]);
    expect(grantsOf("sales-dev-list-files-role")).toEqual(
      [up, pr, rj].map((p) => [
        ["s3:ListBucket"],
        [BUCKET_ARN],
        [{ test: "StringLike", variable: "s3:prefix", values: [`${p}*`] }],
      ]),
    );
    expect(grantsOf("sales-dev-generate-download-url-role")).toEqual(
      [up, pr, rj].map((p) => [["s3:GetObject"], obj(p)]),
    );
    expect(grantsOf("sales-dev-export-to-quicksight-role")).toEqual([
      [["dynamodb:Query"], TABLE_RESOURCES],
      [["s3:PutObject"], obj("quicksight/")],
    ]);
  });

  test("DynamoDB: the actions each function uses on the one table and its index, nothing more", () => {
    expect(grantsOf("sales-dev-write-metrics-role")).toEqual([[["dynamodb:PutItem"], TABLE_RESOURCES]]);
    expect(grantsOf("sales-dev-get-trends-role")).toEqual([[["dynamodb:Query"], TABLE_RESOURCES]]);
    expect(grantsOf("sales-dev-get-analytics-role")).toEqual([
      [["dynamodb:GetItem", "dynamodb:Query"], TABLE_RESOURCES],
    ]);
    const dailyStart = ref("aws_sfn_state_machine", machine("sales-dev-daily-analysis")[0], "arn");
    expect(grantsOf("sales-dev-trigger-daily-analysis-role")).toEqual([
      [["sqs:SendMessage"], [expect.stringMatching(/aws_sqs_queue\..*\.arn/)]],
      [["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], TABLE_RESOURCES],
      [["states:StartExecution"], [dailyStart]],
    ]);
    expect(grantsOf("sales-dev-check-all-stores-role")).toEqual([
      [
        ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"],
        TABLE_RESOURCES,
      ],
      [["states:StartExecution"], [dailyStart]],
    ]);
  });

  test("Bedrock InvokeModel on exactly the configured model, for the recommendations function only", () => {
    const modelArn = expect.stringMatching(
      /^arn:\$\{data\.aws_partition\.\w+\.partition\}:bedrock:\$\{data\.aws_region\.\w+\.region\}::foundation-model\/\$\{var\.bedrock_model_id\}$/,
    );
    expect(grantsOf("sales-dev-generate-recommendations-role")).toEqual([
      [["dynamodb:PutItem"], TABLE_RESOURCES],
      [["bedrock:InvokeModel"], [modelArn]],
    ]);
    const bedrockStatements = Object.values<Json>(stack.data.aws_iam_policy_document)
      .flatMap((d) => d.statement)
      .filter((s: Json) => s.actions.some((a: string) => a.startsWith("bedrock:")));
    expect(bedrockStatements).toHaveLength(1);
  });

  test("sns:Publish on exactly the two topics: reports by generate-report, alerts by the two state machines", () => {
    const publishers = Object.entries<Json>(stack.data.aws_iam_policy_document).flatMap(([doc, d]) =>
      d.statement
        .filter((s: Json) => s.actions.includes("sns:Publish"))
        .map((s: Json) => [doc.split("_")[0], s.resources]),
    );
    expect(publishers.sort()).toEqual(
      [
        ["DailyAnalysis", [topicArn("sales-dev-alerts")]],
        ["UploadProcessor", [topicArn("sales-dev-alerts")]],
        ["generate-report", [topicArn("sales-dev-daily-reports")]],
      ].sort(),
    );
  });

  test("state machine roles invoke exactly their own steps", () => {
    const invoked = (role: string) =>
      statementsOfRole(role)
        .filter((s: Json) => s.actions.includes("lambda:InvokeFunction"))
        .map((s: Json) => /aws_lambda_function\.([\w-]+)_\w+\.arn/.exec(s.resources[0])?.[1])
        .sort();
    expect(invoked("sales-dev-upload-processor-role")).toEqual(
      ["calculate-metrics", "check-all-stores", "process-upload", "write-metrics"].sort(),
    );
    expect(invoked("sales-dev-daily-analysis-role")).toEqual(
      [
        "analyze-trends",
        "calc-company-metrics",
        "calc-product-metrics",
        "combine-insights",
        "detect-anomalies",
        "export-to-quicksight",
        "generate-recommendations",
        "generate-report",
        "get-store-summaries",
      ].sort(),
    );
  });

  test("no wildcard resource except the reasoned statements; every role is one of ours, at most 64 characters", () => {
    const wildcards = Object.values<Json>(stack.data.aws_iam_policy_document)
      .flatMap((d) => d.statement)
      .filter((s: Json) => s.resources.includes("*"))
      .map((s: Json) => s.sid);
    expect([...new Set(wildcards)].sort()).toEqual(["DeliverLogs", "DescribeLogGroups", "XRayTracing"]);
    for (const r of resourcesOf(stack, "aws_iam_role")) expect(r.name.length).toBeLessThanOrEqual(64);
    expect(stack.resource.aws_iam_role_policy_attachment).toBeUndefined();
  });
});

describe("sales-platform: workflows", () => {
  const upload = definitionOf("sales-dev-upload-processor");
  const daily = definitionOf("sales-dev-daily-analysis");
  const fnArn = (id: string) => ref("aws_lambda_function", fnKey(id), "arn");

  test("upload-processor: process, route (rejected alerts, folder markers end), metrics, write, check", () => {
    expect(upload.StartAt).toBe("ProcessUpload");
    expect(upload.States.ProcessUpload.Parameters.FunctionName).toBe(fnArn("process-upload"));
    expect(upload.States.RouteUpload).toMatchObject({
      Type: "Choice",
      Choices: [
        { Variable: "$.status", StringEquals: "REJECTED", Next: "NotifyRejected" },
        { Variable: "$.status", StringEquals: "IGNORED", Next: "Ignored" },
      ],
      Default: "CalculateMetrics",
    });
    expect(upload.States.NotifyRejected).toMatchObject({
      Resource: "arn:aws:states:::sns:publish",
      Parameters: {
        TopicArn: topicArn("sales-dev-alerts"),
        Subject: "Sales upload rejected",
        "Message.$": "$.message",
      },
      ResultPath: null,
      Next: "Rejected",
    });
    const chain = ["CalculateMetrics", "WriteMetrics", "CheckAllStores"].map((s) => [
      s,
      upload.States[s].Parameters.FunctionName,
      upload.States[s].Next,
    ]);
    expect(chain).toEqual([
      ["CalculateMetrics", fnArn("calculate-metrics"), "WriteMetrics"],
      ["WriteMetrics", fnArn("write-metrics"), "CheckAllStores"],
      ["CheckAllStores", fnArn("check-all-stores"), "Done"],
    ]);
  });

  test("every Lambda step retries transient errors and catches the rest into an alert, then fails", () => {
    for (const def of [upload, daily]) {
      const tasks = Object.entries<Json>(def.States).filter(([, s]) => s.Resource === "arn:aws:states:::lambda:invoke");
      expect(tasks.length).toBeGreaterThan(3);
      for (const [, task] of tasks) {
        expect(task.Retry.flatMap((r: Json) => r.ErrorEquals)).toEqual(
          expect.arrayContaining(["Lambda.TooManyRequestsException", "States.Timeout", "ThrottlingException"]),
        );
        expect(task.Retry.flatMap((r: Json) => r.ErrorEquals)).not.toContain("InvalidInput");
        expect(task.Catch).toEqual([{ ErrorEquals: ["States.ALL"], Next: NOTIFY_FAILURE, ResultPath: "$.error" }]);
      }
      expect(def.States[NOTIFY_FAILURE]).toMatchObject({
        Resource: "arn:aws:states:::sns:publish",
        Parameters: { TopicArn: topicArn("sales-dev-alerts"), "Message.$": "States.JsonToString($)" },
        Next: "Failed",
      });
      expect(def.States.Failed).toMatchObject({ Type: "Fail", ErrorPath: "$.error.Error", CausePath: "$.error.Cause" });
    }
  });

  test("daily-analysis: summaries, four analyses in parallel into $.analysis, then recommend, combine, report, export", () => {
    expect(daily.StartAt).toBe("GetStoreSummaries");
    const analyze = daily.States.Analyze;
    expect(analyze.Type).toBe("Parallel");
    expect(analyze.Branches.map((b: Json) => b.States[b.StartAt].Parameters.FunctionName)).toEqual(
      ["calc-company-metrics", "calc-product-metrics", "detect-anomalies", "analyze-trends"].map(fnArn),
    );
    expect(analyze.ResultSelector).toEqual({
      "company.$": "$[0]",
      "products.$": "$[1]",
      "anomalies.$": "$[2]",
      "trends.$": "$[3]",
    });
    expect(analyze.ResultPath).toBe("$.analysis");
    const order: string[] = [];
    for (let s = "Analyze"; daily.States[s].Next; s = daily.States[s].Next) order.push(daily.States[s].Next);
    expect(order).toEqual([
      "GenerateRecommendations",
      "CombineInsights",
      "GenerateReport",
      "ExportToQuickSight",
      "Done",
    ]);
  });

  test("both machines log to their own log group (ERROR, with execution data) and trace", () => {
    for (const name of ["sales-dev-upload-processor", "sales-dev-daily-analysis"]) {
      const m = machine(name)[1];
      expect(m.logging_configuration).toMatchObject({ level: "ERROR", include_execution_data: true });
      expect(m.logging_configuration.log_destination).toMatch(/aws_cloudwatch_log_group\..*\.arn\}:\*$/);
      expect(m.tracing_configuration).toEqual({ enabled: true });
    }
  });
});

describe("sales-platform: events", () => {
  const [uploadRuleKey, uploadRule] = entryOf(
    "aws_cloudwatch_event_rule",
    (r) => r.name === "sales-dev-upload-created",
  );
  const [scheduleKey, schedule] = entryOf(
    "aws_cloudwatch_event_rule",
    (r) => r.name === "sales-dev-daily-analysis-schedule",
  );

  test("S3 Object Created under the upload prefix of this bucket starts upload-processor through an input transformer", () => {
    expect(JSON.parse(uploadRule.event_pattern)).toEqual({
      source: ["aws.s3"],
      "detail-type": ["Object Created"],
      detail: {
        bucket: { name: [ref("aws_s3_bucket", BUCKET, "bucket")] },
        object: { key: [{ prefix: "${var.upload_prefix}" }] },
      },
    });
    const target = resourcesOf(stack, "aws_cloudwatch_event_target").find((t) => t.rule.includes(uploadRuleKey));
    expect(target).toMatchObject({
      arn: ref("aws_sfn_state_machine", machine("sales-dev-upload-processor")[0], "arn"),
      input_transformer: {
        input_paths: {
          bucket: "$.detail.bucket.name",
          key: "$.detail.object.key",
          size: "$.detail.object.size",
          time: "$.time",
        },
        input_template: '{"bucket": <bucket>, "key": <key>, "size": <size>, "eventTime": <time>}',
      },
    });
    // Its own role, which may start exactly that state machine.
    expect(grantsOf("sales-dev-upload-events-role")).toEqual([
      [["states:StartExecution"], [ref("aws_sfn_state_machine", machine("sales-dev-upload-processor")[0], "arn")]],
    ]);
    expect(target?.role_arn).toBe(ref("aws_iam_role", roleKey("sales-dev-upload-events-role"), "arn"));
  });

  test("the scheduled fallback runs on daily_analysis_schedule and exists only when enable_scheduled_analysis", () => {
    const on = "${var.enable_scheduled_analysis ? 1 : 0}";
    expect(schedule).toMatchObject({ schedule_expression: "${var.daily_analysis_schedule}", count: on });
    const target = resourcesOf(stack, "aws_cloudwatch_event_target").find((t) => t.rule.includes(scheduleKey));
    expect(target).toMatchObject({
      count: on,
      arn: ref("aws_lambda_function", fnKey("trigger-daily-analysis"), "arn"),
    });
    expect(target?.rule).toBe(`\${one(aws_cloudwatch_event_rule.${scheduleKey}[*].name)}`);
    const permission = resourcesOf(stack, "aws_lambda_permission").find((p) => p.principal === "events.amazonaws.com");
    expect(permission).toMatchObject({
      count: on,
      source_arn: `\${one(aws_cloudwatch_event_rule.${scheduleKey}[*].arn)}`,
    });
  });
});

describe("sales-platform: REST API", () => {
  const [apiKey, api] = entryOf("aws_api_gateway_rest_api", () => true);
  const body = JSON.parse(api.body);

  test("an OpenAPI 3.0 body with the five routes, each integrated with its function by operationId", () => {
    expect(body.openapi).toBe("3.0.1");
    expect(body.info.description.length).toBeGreaterThan(10);
    const operations = Object.entries<Json>(body.paths).flatMap(([p, item]) =>
      Object.entries<Json>(item)
        .filter(([m]) => m !== "options")
        .map(([m, op]) => [op.operationId, m.toUpperCase(), p, op["x-amazon-apigateway-integration"]]),
    );
    expect(operations.map(([id, m, p]) => [id, m, p]).sort()).toEqual(
      Object.entries(API_ROUTES)
        .map(([id, r]) => [id, r.method, r.path])
        .sort(),
    );
    for (const [id, , , integration] of operations) {
      const fn = FUNCTIONS[API_ROUTES[id as keyof typeof API_ROUTES].fn].id;
      expect(integration).toEqual({
        type: "aws_proxy",
        httpMethod: "POST",
        uri: ref("aws_lambda_function", fnKey(fn), "invoke_arn"),
        passthroughBehavior: "when_no_match",
      });
    }
    expect(api.endpoint_configuration).toEqual({ types: ["REGIONAL"] });
  });

  test("CORS for frontend_origin: preflight answers on every path and on gateway errors", () => {
    for (const item of Object.values<Json>(body.paths)) {
      const preflight = item.options["x-amazon-apigateway-integration"];
      expect(preflight.type).toBe("mock");
      expect(preflight.responses.default.responseParameters["method.response.header.Access-Control-Allow-Origin"]).toBe(
        "'${var.frontend_origin}'",
      );
    }
    expect(body["x-amazon-apigateway-gateway-responses"].DEFAULT_4XX.responseParameters).toEqual({
      "gatewayresponse.header.Access-Control-Allow-Origin": "'${var.frontend_origin}'",
    });
    expect(body.components.securitySchemes).toBeUndefined();
  });

  test("stage prod with JSON access logs and X-Ray; redeployed when the body changes; throttled", () => {
    const stage = resourcesOf(stack, "aws_api_gateway_stage")[0];
    expect(stage).toMatchObject({ stage_name: "prod", xray_tracing_enabled: true });
    expect(JSON.parse(stage.access_log_settings.format)).toHaveProperty("requestId", "$context.requestId");
    const deployment = resourcesOf(stack, "aws_api_gateway_deployment")[0];
    expect(deployment.triggers).toEqual({ redeployment: `\${sha1(aws_api_gateway_rest_api.${apiKey}.body)}` });
    expect(deployment.lifecycle).toEqual({ create_before_destroy: true });
    expect(resourcesOf(stack, "aws_api_gateway_method_settings")[0].settings).toMatchObject({
      logging_level: "ERROR",
      metrics_enabled: true,
      throttling_rate_limit: 50,
    });
    expect(stack.output.api_gateway_url.value).toMatch(/aws_api_gateway_stage\.\w+\.invoke_url/);
  });

  test("each function may be invoked by the API for its own route only", () => {
    const permissions = resourcesOf(stack, "aws_lambda_permission").filter(
      (p) => p.principal === "apigateway.amazonaws.com",
    );
    expect(permissions.map((p) => p.source_arn.replace(/^\$\{[^}]+\}/, "<api>")).sort()).toEqual(
      Object.values(API_ROUTES)
        .map((r) => `<api>/*/${r.method}${r.path}`)
        .sort(),
    );
  });
});

describe("sales-platform: QuickSight and outputs", () => {
  test("data sources and datasets only when enable_quicksight, owned by quicksight_user_arn", () => {
    const on = "${var.enable_quicksight ? 1 : 0}";
    const sources = resourcesOf(stack, "aws_quicksight_data_source");
    const sets = resourcesOf(stack, "aws_quicksight_data_set");
    expect(sources).toHaveLength(Object.keys(QUICKSIGHT_DATASETS).length);
    expect(sets).toHaveLength(Object.keys(QUICKSIGHT_DATASETS).length);
    for (const s of [...sources, ...sets]) expect(s.count).toBe(on);
    expect(sources[0]).toMatchObject({
      type: "S3",
      permission: [expect.objectContaining({ principal: "${var.quicksight_user_arn}" })],
    });
    expect(sets[0].physical_table_map[0].s3_source.data_source_arn).toMatch(
      /^\$\{one\(aws_quicksight_data_source\.\w+\[\*\]\.arn\)\}$/,
    );
    expect(grantsOf("sales-dev-quicksight-read-role")).toEqual([
      [["s3:GetObject"], [`${BUCKET_ARN}/quicksight/*`]],
      [["s3:ListBucket"], [BUCKET_ARN], [{ test: "StringLike", variable: "s3:prefix", values: ["quicksight/*"] }]],
    ]);
  });

  test("the original system's seven outputs", () => {
    expect(Object.keys(stack.output)).toEqual(
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
    expect(stack.output.sns_topic_arn.value).toBe(topicArn("sales-dev-alerts"));
    expect(stack.output.s3_bucket_name.value).toBe(ref("aws_s3_bucket", BUCKET, "bucket"));
  });
});

describe("sales-platform: settings", () => {
  test("prefix and environment name everything; the state key is sales-platform/<env>/sales-platform.tfstate", () => {
    const other = synthSalesPlatform({ SALES_PLATFORM_PREFIX: "acme", PLATFORM_ENV: "prod" });
    expect(resourcesOf(other, "aws_lambda_function").every((f) => f.function_name.startsWith("acme-prod-"))).toBe(true);
    expect(other.terraform.backend.s3.key).toBe("sales-platform/prod/sales-platform.tfstate");
    expect(stack.provider.aws[0].region).toBe("${var.aws_region}");
  });

  test("AWS_IAM authorization signs every route; the API Gateway account setting can be left to the account", () => {
    const other = synthSalesPlatform({
      SALES_PLATFORM_API_AUTHORIZATION: "AWS_IAM",
      SALES_PLATFORM_MANAGE_API_GATEWAY_ACCOUNT: "false",
    });
    const doc = JSON.parse(resourcesOf(other, "aws_api_gateway_rest_api")[0].body);
    for (const route of Object.values(API_ROUTES)) {
      expect(doc.paths[route.path][route.method.toLowerCase()].security).toEqual([{ sigv4: [] }]);
    }
    expect(doc.components.securitySchemes.sigv4["x-amazon-apigateway-authtype"]).toBe("awsSigv4");
    expect(other.resource.aws_api_gateway_account).toBeUndefined();
    expect(stack.resource.aws_api_gateway_account).toBeDefined();
  });

  test("invalid settings fail synth naming the setting", () => {
    expect(() => synthSalesPlatform({ SALES_PLATFORM_PREFIX: "Bad_Prefix" })).toThrow(
      /SALES_PLATFORM_PREFIX="Bad_Prefix"/,
    );
    expect(() => synthSalesPlatform({ SALES_PLATFORM_API_AUTHORIZATION: "COGNITO" })).toThrow(
      /must be one of NONE, AWS_IAM/,
    );
  });
});
