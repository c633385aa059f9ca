import { Apigatewayv2Stage } from "@cdktf/provider-aws/lib/apigatewayv2-stage";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { ConfigError } from "../../../config";
import { BY_USER_INDEX, ENV, FUNCTION, KIT, ROUTES, routeKeyOf } from "../../../lambdas/model-share/contract";
import { TABLE_ACTIONS } from "../../../stacks/model-share/model-share-stack";
import { CORS_ORIGIN_PATTERN } from "../../../stacks/model-share/settings";
import { loadConfig } from "../../../stacks/registry";
import { type Json, resourcesOf, type StackJson, synthApp } from "../../support/synth";

// GIVEN the app with default settings (environment dev, name prefix aimodelshare)
const stack: StackJson = synthApp().json("model-share");
const synth = (env: Record<string, string>) => synthApp(env).json("model-share");
const only = (json: StackJson, type: string): Json => {
  const all = resourcesOf(json, type);
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0];
};
const keyOf = (json: StackJson, type: string): string => Object.keys(json.resource[type])[0];
/** The statements of the function role's one inline policy. */
const roleStatements = (json: StackJson): Json[] => Object.values<Json>(json.data.aws_iam_policy_document)[0].statement;

describe("model-share: the HTTP API", () => {
  test("the seven routes, each a Lambda proxy (payload 2.0) to the one function", () => {
    const routes = resourcesOf(stack, "aws_apigatewayv2_route");
    expect(routes.map((r) => r.route_key).sort()).toEqual(Object.values(ROUTES).map(routeKeyOf).sort());
    expect(routes.map((r) => r.route_key)).toEqual(
      expect.arrayContaining([
        "POST /tables",
        "GET /tables",
        "GET /tables/{tableId}",
        "PATCH /tables/{tableId}",
        "GET /tables/{tableId}/users",
        "GET /tables/{tableId}/users/{username}",
        "PUT /tables/{tableId}/users/{username}",
      ]),
    );
    const integration = only(stack, "aws_apigatewayv2_integration");
    expect(integration).toMatchObject({
      integration_type: "AWS_PROXY",
      payload_format_version: "2.0",
      integration_uri: `\${aws_lambda_function.${keyOf(stack, "aws_lambda_function")}.invoke_arn}`,
    });
    const integrationKey = keyOf(stack, "aws_apigatewayv2_integration");
    for (const r of routes) expect(r.target).toBe(`integrations/\${aws_apigatewayv2_integration.${integrationKey}.id}`);
  });

  test("routes are public by default (browser clients) and SigV4-only with MODEL_SHARE_API_AUTHORIZATION=AWS_IAM", () => {
    expect(new Set(resourcesOf(stack, "aws_apigatewayv2_route").map((r) => r.authorization_type))).toEqual(
      new Set(["NONE"]),
    );
    const iam = synth({ MODEL_SHARE_API_AUTHORIZATION: "AWS_IAM" });
    expect(new Set(resourcesOf(iam, "aws_apigatewayv2_route").map((r) => r.authorization_type))).toEqual(
      new Set(["AWS_IAM"]),
    );
  });

  test("API Gateway may invoke the function for exactly the seven method+path pairs", () => {
    const arns = resourcesOf(stack, "aws_lambda_permission").map((p) => {
      expect(p.principal).toBe("apigateway.amazonaws.com");
      return p.source_arn.replace(/^\$\{[^}]+\}/, "<api>");
    });
    expect(arns.sort()).toEqual(
      [
        "<api>/*/POST/tables",
        "<api>/*/GET/tables",
        "<api>/*/GET/tables/*",
        "<api>/*/PATCH/tables/*",
        "<api>/*/GET/tables/*/users",
        "<api>/*/GET/tables/*/users/*",
        "<api>/*/PUT/tables/*/users/*",
      ].sort(),
    );
  });

  test("$default stage: auto-deploy, JSON access logs kept 14 days, throttling (settings change it)", () => {
    expect(stack.raw).toHaveResourceWithProperties(Apigatewayv2Stage, {
      name: "$default",
      auto_deploy: true,
      default_route_settings: { throttling_rate_limit: 50, throttling_burst_limit: 100 },
    });
    const stage = only(stack, "aws_apigatewayv2_stage");
    expect(JSON.parse(stage.access_log_settings.format)).toMatchObject({ requestId: "$context.requestId" });
    const groups = resourcesOf(stack, "aws_cloudwatch_log_group").map((g) => [g.name, g.retention_in_days]);
    expect(groups).toEqual(
      expect.arrayContaining([
        ["/aws/apigateway/aimodelshare-dev-api", 14],
        ["/aws/lambda/aimodelshare-dev-playground-api", 14],
      ]),
    );
    const tuned = synth({ MODEL_SHARE_THROTTLE_RATE_LIMIT: "5", MODEL_SHARE_THROTTLE_BURST_LIMIT: "10" });
    expect(only(tuned, "aws_apigatewayv2_stage").default_route_settings).toMatchObject({
      throttling_rate_limit: 5,
      throttling_burst_limit: 10,
    });
  });
});

describe("CORS from cors_allow_origins", () => {
  test("the API's CORS configuration is the variable; methods, headers and exposed headers are the contract's", () => {
    expect(only(stack, "aws_apigatewayv2_api").cors_configuration).toEqual({
      allow_origins: "${var.cors_allow_origins}",
      allow_methods: ["GET", "POST", "PUT", "PATCH", "OPTIONS"],
      allow_headers: ["content-type", "authorization"],
      expose_headers: ["location"],
      max_age: 300,
    });
    expect(only(stack, "aws_lambda_function").environment.variables[ENV.corsAllowOrigins]).toBe(
      '${join(",", var.cors_allow_origins)}',
    );
  });

  test("defaults: * in dev only; stage and prod allow no origin until one is named", () => {
    expect(stack.variable.cors_allow_origins).toMatchObject({ type: "list(string)", default: ["*"], nullable: false });
    expect(synth({ PLATFORM_ENV: "stage" }).variable.cors_allow_origins.default).toEqual([]);
    expect(synth({ PLATFORM_ENV: "prod" }).variable.cors_allow_origins.default).toEqual([]);
    const named = synth({
      PLATFORM_ENV: "prod",
      MODEL_SHARE_CORS_ALLOW_ORIGINS: "https://a.example.org,http://localhost:3000",
    });
    expect(named.variable.cors_allow_origins.default).toEqual(["https://a.example.org", "http://localhost:3000"]);
  });

  test("outside dev the variable refuses * at plan time; in dev it does not", () => {
    const conditions = (json: StackJson) => json.variable.cors_allow_origins.validation.map((v: Json) => v.condition);
    expect(conditions(stack)).not.toContain('${!contains(var.cors_allow_origins, "*")}');
    for (const env of ["stage", "prod"]) {
      const v = synth({ PLATFORM_ENV: env }).variable.cors_allow_origins.validation;
      expect(v).toContainEqual({
        condition: '${!contains(var.cors_allow_origins, "*")}',
        error_message: `cors_allow_origins may hold "*" only in dev; this stack is ${env}: name the origins.`,
      });
    }
  });

  test("the variable's origin rule (Terraform regex) accepts and refuses what the setting's rule does", () => {
    const condition: string = stack.variable.cors_allow_origins.validation[0].condition;
    const tfRegex = new RegExp(/can\(regex\("([^"]+)", o\)\)/.exec(condition)?.[1] as string);
    for (const origin of [
      "*",
      "https://app.example.org",
      "http://localhost:3000",
      "https://a.b.c:8443",
      "https://app.example.org/",
      "https://app.example.org/path",
      "app.example.org",
      "ftp://x.org",
      "https://*.example.org",
      "",
    ]) {
      expect([origin, tfRegex.test(origin)]).toEqual([origin, CORS_ORIGIN_PATTERN.test(origin)]);
    }
  });

  test("a * origin setting outside dev, or a malformed origin, fails synth naming the setting", () => {
    expect(() => synthApp({ PLATFORM_ENV: "prod", MODEL_SHARE_CORS_ALLOW_ORIGINS: "*" })).toThrow(ConfigError);
    expect(() => synthApp({ PLATFORM_ENV: "prod", MODEL_SHARE_CORS_ALLOW_ORIGINS: "*" })).toThrow(
      /MODEL_SHARE_CORS_ALLOW_ORIGINS="\*": "\*" is allowed only in dev \(this is prod\)/,
    );
    expect(() => loadConfig({ env: { MODEL_SHARE_CORS_ALLOW_ORIGINS: "https://ok.org,example.org/x" } })).toThrow(
      /MODEL_SHARE_CORS_ALLOW_ORIGINS="example.org\/x": must be \* or an origin/,
    );
  });
});

describe("the table", () => {
  test("on demand, encrypted, keyed by tableId/username with the byUser index", () => {
    expect(stack.raw).toHaveResourceWithProperties(DynamodbTable, {
      name: "aimodelshare-dev-playground-scores",
      billing_mode: "PAY_PER_REQUEST",
      hash_key: "tableId",
      range_key: "username",
      server_side_encryption: { enabled: true },
    });
    expect(only(stack, "aws_dynamodb_table").global_secondary_index).toEqual([
      {
        name: BY_USER_INDEX.name,
        hash_key: BY_USER_INDEX.partitionKey,
        range_key: BY_USER_INDEX.sortKey,
        projection_type: "ALL",
      },
    ]);
  });

  test("point-in-time recovery follows enable_pitr (a bool, on by default, never null)", () => {
    expect(only(stack, "aws_dynamodb_table").point_in_time_recovery).toEqual({ enabled: "${var.enable_pitr}" });
    expect(stack.variable.enable_pitr).toMatchObject({ type: "bool", default: true, nullable: false });
  });
});

describe("the function", () => {
  test("TypeScript bundled into a zip, 256 MB, 10 s, arm64, Node.js 22, no dead-letter queue", () => {
    expect(stack.raw).toHaveResourceWithProperties(LambdaFunction, {
      function_name: "aimodelshare-dev-playground-api",
      package_type: "Zip",
      handler: "index.handler",
      runtime: "nodejs22.x",
      memory_size: 256,
      timeout: 10,
      architectures: ["arm64"],
    });
    const fn = only(stack, "aws_lambda_function");
    expect(fn.filename).toMatch(/^assets\/PlaygroundApi_Code_\w+\/\w+\/api-[0-9a-f]{8}\.zip$/);
    expect(fn.source_code_hash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(fn.dead_letter_config).toBeUndefined();
    expect(stack.resource.aws_sqs_queue).toBeUndefined();
  });

  test("its environment is exactly the contract's: the table, safe_concurrency and the CORS origins", () => {
    const variables = only(stack, "aws_lambda_function").environment.variables;
    expect(Object.keys(variables).sort()).toEqual([...FUNCTION.env].sort());
    expect(variables).toEqual({
      [ENV.table]: `\${aws_dynamodb_table.${keyOf(stack, "aws_dynamodb_table")}.name}`,
      [ENV.safeConcurrency]: "${tostring(var.safe_concurrency)}",
      [ENV.corsAllowOrigins]: '${join(",", var.cors_allow_origins)}',
    });
    expect(stack.variable.safe_concurrency).toMatchObject({ type: "bool", default: true, nullable: false });
  });

  test("its role may write its own log group, trace, and use exactly its table and indexes with five actions", () => {
    const role = only(stack, "aws_iam_role");
    expect(role.name).toBe("aimodelshare-dev-playground-api-role");
    expect(JSON.parse(role.assume_role_policy).Statement[0].Principal).toEqual({ Service: "lambda.amazonaws.com" });
    const table = `\${aws_dynamodb_table.${keyOf(stack, "aws_dynamodb_table")}.arn}`;
    const logGroup = Object.entries<Json>(stack.resource.aws_cloudwatch_log_group).find(([, g]) =>
      g.name.startsWith("/aws/lambda/"),
    )?.[0];
    expect(roleStatements(stack)).toEqual([
      {
        sid: "WriteLogsPlaygroundApi",
        effect: "Allow",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [`\${aws_cloudwatch_log_group.${logGroup}.arn}:*`],
      },
      expect.objectContaining({ sid: "XRayTracing", resources: ["*"] }),
      {
        sid: "PlaygroundDataPlaygroundTable",
        effect: "Allow",
        actions: [...TABLE_ACTIONS].sort(),
        resources: [table, `${table}/index/*`],
      },
    ]);
    // No scans, deletes or batch writes; no managed policy.
    expect(roleStatements(stack).flatMap((s) => s.actions)).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/Scan|Delete|Batch/)]),
    );
    expect(stack.resource.aws_iam_role_policy_attachment).toBeUndefined();
  });
});

describe("the optional layer (use_layer)", () => {
  test("use_layer is a bool, off by default; the layer version is counted by it", () => {
    expect(stack.variable.use_layer).toMatchObject({ type: "bool", default: false, nullable: false });
    expect(only(stack, "aws_lambda_layer_version")).toMatchObject({
      count: "${var.use_layer ? 1 : 0}",
      layer_name: "aimodelshare-dev-playground-kit",
      compatible_runtimes: ["nodejs22.x"],
      compatible_architectures: ["arm64"],
      source_code_hash: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/),
    });
  });

  test("the function runs with the layer exactly when it exists; layer_arns is empty otherwise", () => {
    const layerKey = keyOf(stack, "aws_lambda_layer_version");
    expect(only(stack, "aws_lambda_function").layers).toBe(`\${aws_lambda_layer_version.${layerKey}[*].arn}`);
    expect(stack.output.layer_arns.value).toBe(`\${aws_lambda_layer_version.${layerKey}[*].arn}`);
    expect(only(stack, "aws_lambda_layer_version").description).toContain(KIT.moduleName);
  });
});

describe("environments, names, state and tags", () => {
  test("names are <name_prefix>-<environment>-<what>; the state key is model-share/<env>/model-share.tfstate", () => {
    const prod = synth({ PLATFORM_ENV: "prod", MODEL_SHARE_NAME_PREFIX: "ams" });
    expect(only(prod, "aws_lambda_function").function_name).toBe("ams-prod-playground-api");
    expect(only(prod, "aws_dynamodb_table").name).toBe("ams-prod-playground-scores");
    expect(only(prod, "aws_apigatewayv2_api").name).toBe("ams-prod-api");
    expect(only(prod, "aws_iam_role").name).toBe("ams-prod-playground-api-role");
    expect(prod.terraform.backend.s3).toMatchObject({
      key: "model-share/prod/model-share.tfstate",
      bucket: "iac-ci-tfstate",
      dynamodb_table: "iac-ci-tf-locks",
      encrypt: true,
    });
    expect(stack.terraform.backend.s3.key).toBe("model-share/dev/model-share.tfstate");
  });

  test("every resource is tagged with project (the name prefix), system and environment", () => {
    const tags = synth({ PLATFORM_ENV: "stage" }).provider.aws[0].default_tags[0].tags;
    expect(tags).toMatchObject({
      project: "aimodelshare",
      system: "model-share",
      environment: "stage",
      stack: "model-share",
    });
  });

  test("the GitHub deploy role of 00-bootstrap may manage this system's names and state", () => {
    const bootstrap = synthApp({ PLATFORM_GITHUB_REPOSITORY: "octo/model-share" }).json("00-bootstrap");
    const resources = Object.values<Json>(bootstrap.data.aws_iam_policy_document)
      .flatMap((d) => d.statement ?? [])
      .flatMap((st: Json) => st.resources ?? []);
    for (const pattern of [
      /^arn:aws:s3:::iac-ci-tfstate\/model-share\/\*$/,
      /:function:aimodelshare-\*$/,
      /:table\/aimodelshare-\*$/,
      /:role\/aimodelshare-\*$/,
      // One pattern covers /aws/lambda/ and /aws/apigateway/ (IAM's `*` spans "/").
      /:log-group:\/aws\/\*\/aimodelshare-\*$/,
    ]) {
      expect(resources.some((r: string) => pattern.test(r))).toBe(true);
    }
  });

  test.each([
    ["MODEL_SHARE_NAME_PREFIX", "AIModelShare", /MODEL_SHARE_NAME_PREFIX="AIModelShare": must be 2-32 characters/],
    ["MODEL_SHARE_NAME_PREFIX", "a".repeat(33), /must be 2-32 characters/],
    ["MODEL_SHARE_LOG_RETENTION_DAYS", "10", /MODEL_SHARE_LOG_RETENTION_DAYS="10": must be one of 1, 3, 5/],
    ["MODEL_SHARE_API_AUTHORIZATION", "JWT", /MODEL_SHARE_API_AUTHORIZATION="JWT": must be one of NONE, AWS_IAM/],
    ["MODEL_SHARE_THROTTLE_RATE_LIMIT", "0", /MODEL_SHARE_THROTTLE_RATE_LIMIT="0": must be an integer from 1/],
  ])("%s=%s is refused naming the setting", (name, value, message) => {
    expect(() => loadConfig({ env: { [name]: value } })).toThrow(message);
  });

  test("the longest name stays within IAM's 64 characters at the longest prefix and environment", () => {
    const json = synth({ PLATFORM_ENV: "stage", MODEL_SHARE_NAME_PREFIX: "a".repeat(32) });
    expect(only(json, "aws_iam_role").name.length).toBeLessThanOrEqual(64);
    expect(only(json, "aws_lambda_function").function_name.length).toBeLessThanOrEqual(64);
  });
});
