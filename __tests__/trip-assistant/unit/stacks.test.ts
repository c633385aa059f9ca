// The trip assistant's two stacks as synthesized Terraform JSON: what the system's specification
// and the issue ask for, and what must never be there (wildcards, the key in an output, a second
// way into the functions).
import { ConfigError } from "../../../config";
import { ENV, FUNCTIONS, LIVE_ALIAS, OPENAI_DEFAULTS } from "../../../lambdas/trip-assistant/contract";
import { stacksOf } from "../../../stacks/registry";
import { DEPLOY_ACTIONS, LOG_RETENTION_DAYS } from "../../../stacks/trip-assistant/app-stack";
import { KEEP_IMAGES } from "../../../stacks/trip-assistant/ecr-stack";
import { type Json, resourcesOf, type StackJson, synthApp } from "../../support/synth";

// GIVEN the app with default settings (project trip-assistant, environment dev, real AWS)
const { json, stacks } = synthApp();
const app: StackJson = json("trip-assistant");
const ecr: StackJson = json("trip-assistant-ecr");

const keyOf = (stack: StackJson, type: string, match: (body: Json) => boolean): string => {
  const found = Object.entries<Json>(stack.resource[type] ?? {}).filter(([, body]) => match(body));
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0][0];
};
const fnKey = (name: string) => keyOf(app, "aws_lambda_function", (f) => f.function_name === name);
const roleOfFunction = (name: string) =>
  /aws_iam_role\.(\w+)\.arn/.exec(app.resource.aws_lambda_function[fnKey(name)].role)?.[1] as string;
/** The statements of a role's one inline policy, by the role's Terraform key. */
const statementsOfRole = (stack: StackJson, roleKey: string): Json[] => {
  const policy = Object.values<Json>(stack.resource.aws_iam_role_policy).find((p) => p.role.includes(`.${roleKey}.`));
  const docKey = /data\.aws_iam_policy_document\.(\w+)\.json/.exec(policy.policy)?.[1] as string;
  return stack.data.aws_iam_policy_document[docKey].statement;
};
const ref = (type: string, key: string, attr: string) => `\${${type}.${key}.${attr}}`;

describe("trip-assistant-ecr: the two repositories", () => {
  test("one repository per function and environment: immutable tags, scan on push, last 10 images kept", () => {
    const repos = resourcesOf(ecr, "aws_ecr_repository");
    expect(repos.map((r) => r.name).sort()).toEqual(["trip-assistant-agent-dev", "trip-assistant-api-dev"]);
    for (const repo of repos) {
      expect(repo).toMatchObject({
        image_tag_mutability: "IMMUTABLE",
        image_scanning_configuration: { scan_on_push: true },
        force_delete: true,
      });
    }
    const policies = resourcesOf(ecr, "aws_ecr_lifecycle_policy").map((p) => JSON.parse(p.policy).rules);
    expect(policies).toHaveLength(2);
    for (const rules of policies) {
      expect(rules).toEqual([
        expect.objectContaining({
          selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: KEEP_IMAGES },
        }),
      ]);
    }
  });

  test("force_delete only in dev: stage and prod repositories keep their images", () => {
    for (const environment of ["stage", "prod"]) {
      const other = synthApp({ PLATFORM_ENV: environment }).json("trip-assistant-ecr");
      const repos = resourcesOf(other, "aws_ecr_repository");
      expect(repos.map((r) => [r.name, r.force_delete])).toEqual(
        expect.arrayContaining([
          [`trip-assistant-agent-${environment}`, false],
          [`trip-assistant-api-${environment}`, false],
        ]),
      );
    }
  });

  test("Lambda may pull each repository's images for the function of the same name only", () => {
    const statements = resourcesOf(ecr, "aws_ecr_repository_policy").map((p) => JSON.parse(p.policy).Statement[0]);
    const sources = statements.map((s) => s.Condition.StringLike["aws:SourceArn"][0]).sort();
    expect(sources).toEqual([
      expect.stringMatching(
        /:lambda:\$\{data\.aws_region\.current_region\.region\}:\$\{data\.aws_caller_identity\.current\.account_id\}:function:trip-assistant-agent-dev$/,
      ),
      expect.stringMatching(/:function:trip-assistant-api-dev$/),
    ]);
    for (const s of statements) expect(s.Principal).toEqual({ Service: "lambda.amazonaws.com" });
    expect(Object.keys(ecr.output).sort()).toEqual([
      "agent_ecr_repository_arn",
      "agent_ecr_repository_url",
      "api_ecr_repository_arn",
      "api_ecr_repository_url",
    ]);
  });
});

describe("region and state", () => {
  test("aws_region (default us-east-2) drives both providers; state stays in the platform's store and region", () => {
    for (const stack of [app, ecr]) {
      expect(stack.variable.aws_region).toMatchObject({ type: "string", default: "us-east-2" });
      // A tfvars file setting environment (as the original's) is accepted for the synthesized one only.
      expect(stack.variable.environment).toMatchObject({ type: "string", default: "dev" });
      expect(stack.variable.environment.validation[0].condition).toBe('${var.environment == "dev"}');
      expect(stack.provider.aws[0].region).toBe("${var.aws_region}");
      expect(stack.terraform.backend.s3).toMatchObject({
        bucket: "iac-ci-tfstate",
        region: "us-east-1",
        dynamodb_table: "iac-ci-tf-locks",
      });
    }
    expect(ecr.terraform.backend.s3.key).toBe("trip-assistant/dev/trip-assistant-ecr.tfstate");
    expect(app.terraform.backend.s3.key).toBe("trip-assistant/dev/trip-assistant.tfstate");
  });

  test("the ECR stage is deployed first: the registry orders it before the app; no cdktf dependency, so `cdktf deploy trip-assistant` runs alone", () => {
    expect(stacksOf("trip-assistant").map((s) => s.name)).toEqual(["trip-assistant-ecr", "trip-assistant"]);
    expect((stacks.get("trip-assistant") as Json).dependencies).toEqual([]);
  });
});

describe("the OpenAI API key", () => {
  test("a SecureString /<project>/<env>/openai-api-key whose value is the sensitive variable, required against AWS", () => {
    expect(resourcesOf(app, "aws_ssm_parameter")).toEqual([
      expect.objectContaining({
        name: "/trip-assistant/dev/openai-api-key",
        type: "SecureString",
        value: "${var.openai_api_key}",
      }),
    ]);
    expect(app.variable.openai_api_key).toMatchObject({ type: "string", sensitive: true, nullable: false });
    expect(app.variable.openai_api_key).not.toHaveProperty("default");
    expect(app.variable.image_tag).not.toHaveProperty("default");
  });

  test("outputs name the parameter and its ARN, never its value", () => {
    expect(app.output.ssm_parameter_name.value).toMatch(/aws_ssm_parameter\.TripAssistantOpenaiApiKey\.name/);
    expect(app.output.ssm_parameter_arn.value).toMatch(/aws_ssm_parameter\.TripAssistantOpenaiApiKey\.arn/);
    for (const [name, output] of Object.entries<Json>(app.output)) {
      expect(`${name} ${JSON.stringify(output)}`).not.toMatch(/openai_api_key|OpenaiApiKey\.value|insecure_value/);
    }
  });

  test("on the emulator the deploy-time variables get placeholders, so `npm start` runs unattended", () => {
    const emulated = synthApp({ PLATFORM_AWS_ENDPOINT: "http://127.0.0.1:5000" }).json("trip-assistant");
    expect(emulated.variable.openai_api_key).toMatchObject({
      sensitive: true,
      default: expect.stringMatching(/^sk-emulator/),
    });
    expect(emulated.variable.image_tag.default).toBe("emulator");
  });
});

describe("the two functions", () => {
  test.each([
    ["agent", "trip-assistant-agent-dev"],
    ["api", "trip-assistant-api-dev"],
  ] as const)("%s: an arm64 image, 512 MB / 30 s, publishing versions, its image moved by the CD pipeline", (key, name) => {
    expect(app.resource.aws_lambda_function[fnKey(name)]).toMatchObject({
      package_type: "Image",
      architectures: ["arm64"],
      memory_size: 512,
      timeout: 30,
      publish: true,
      image_uri: `\${data.aws_caller_identity.current.account_id}.dkr.ecr.\${data.aws_region.current_region.region}.amazonaws.com/${name}:\${var.image_tag}`,
      image_config: { command: [FUNCTIONS[key].command] },
      lifecycle: { ignore_changes: ["image_uri"] },
    });
    expect(resourcesOf(app, "aws_cloudwatch_log_group")).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: `/aws/lambda/${name}`, retention_in_days: LOG_RETENTION_DAYS }),
      ]),
    );
  });

  test("environment: exactly what each handler reads; the API names the agent's live alias", () => {
    const agentAlias = keyOf(app, "aws_lambda_alias", (a) =>
      a.function_name.includes(fnKey("trip-assistant-agent-dev")),
    );
    expect(app.resource.aws_lambda_function[fnKey("trip-assistant-agent-dev")].environment.variables).toEqual({
      [ENV.ssmParameterName]: "${aws_ssm_parameter.TripAssistantOpenaiApiKey.name}",
      [ENV.environment]: "dev",
      [ENV.openaiBaseUrl]: "${var.openai_base_url}",
      [ENV.openaiModel]: "${var.openai_model}",
    });
    expect(app.resource.aws_lambda_function[fnKey("trip-assistant-api-dev")].environment.variables).toEqual({
      [ENV.environment]: "dev",
      [ENV.agentFunction]: ref("aws_lambda_alias", agentAlias, "arn"),
    });
    expect(app.variable.openai_base_url.default).toBe(OPENAI_DEFAULTS.baseUrl);
    expect(app.variable.openai_model.default).toBe(OPENAI_DEFAULTS.model);
  });

  test("each has a `live` alias on its first published version, which Terraform never moves back", () => {
    for (const name of ["trip-assistant-agent-dev", "trip-assistant-api-dev"]) {
      const fn = fnKey(name);
      const alias = keyOf(app, "aws_lambda_alias", (a) => a.function_name.includes(`.${fn}.`));
      expect(app.resource.aws_lambda_alias[alias]).toMatchObject({
        name: LIVE_ALIAS,
        function_name: ref("aws_lambda_function", fn, "function_name"),
        function_version: ref("aws_lambda_function", fn, "version"),
        lifecycle: { ignore_changes: ["function_version", "routing_config"] },
      });
    }
  });

  test("the agent's role: its logs, GetParameter on exactly the key's parameter, and decrypting it through SSM only", () => {
    const statements = statementsOfRole(app, roleOfFunction("trip-assistant-agent-dev"));
    expect(statements).toEqual([
      {
        sid: "WriteLogsTripAssistantAgent",
        effect: "Allow",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.TripAssistantAgent_LogGroup_\w+\.arn\}:\*$/)],
      },
      {
        sid: "ReadTripAssistantOpenaiApiKey",
        effect: "Allow",
        actions: ["ssm:GetParameter"],
        resources: ["${aws_ssm_parameter.TripAssistantOpenaiApiKey.arn}"],
      },
      {
        sid: "DecryptTripAssistantOpenaiApiKey",
        effect: "Allow",
        actions: ["kms:Decrypt"],
        resources: ["${data.aws_kms_key.ssm_key.arn}"],
        condition: [
          {
            test: "StringEquals",
            variable: "kms:ViaService",
            values: ["ssm.${data.aws_region.current_region.region}.amazonaws.com"],
          },
          {
            test: "StringEquals",
            variable: "kms:EncryptionContext:PARAMETER_ARN",
            values: ["${aws_ssm_parameter.TripAssistantOpenaiApiKey.arn}"],
          },
        ],
      },
    ]);
    expect(app.data.aws_kms_key.ssm_key.key_id).toBe("alias/aws/ssm");
  });

  test("the API's role: its logs and invoking exactly the agent's live alias (no other version, not the function)", () => {
    const agentAlias = keyOf(app, "aws_lambda_alias", (a) =>
      a.function_name.includes(fnKey("trip-assistant-agent-dev")),
    );
    expect(statementsOfRole(app, roleOfFunction("trip-assistant-api-dev"))).toEqual([
      expect.objectContaining({
        sid: "WriteLogsTripAssistantApi",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
      }),
      {
        sid: "InvokeTripAssistantAgentLive",
        effect: "Allow",
        actions: ["lambda:InvokeFunction"],
        resources: [ref("aws_lambda_alias", agentAlias, "arn")],
      },
    ]);
  });

  test("no managed policies, no X-Ray or queue grants, no wildcard resource anywhere", () => {
    const statements = Object.values<Json>(app.data.aws_iam_policy_document).flatMap((d) => d.statement);
    expect(
      statements.filter((s) =>
        s.resources.some((r: string) => r === "*" || (r.endsWith(":*") && !r.includes("log_group"))),
      ),
    ).toEqual([]);
    expect(JSON.stringify(statements)).not.toMatch(/xray:|sqs:/);
    for (const exclusive of resourcesOf(app, "aws_iam_role_policy_attachments_exclusive")) {
      expect(exclusive.policy_arns).toEqual([]);
    }
  });
});

describe("the HTTP API", () => {
  test("`<project>-<env>`, $default stage auto-deploying, the catch-all $default route to the API's live alias", () => {
    const apiAlias = keyOf(app, "aws_lambda_alias", (a) => a.function_name.includes(fnKey("trip-assistant-api-dev")));
    expect(resourcesOf(app, "aws_apigatewayv2_api")).toEqual([
      expect.objectContaining({ name: "trip-assistant-dev", protocol_type: "HTTP" }),
    ]);
    expect(resourcesOf(app, "aws_apigatewayv2_stage")).toEqual([
      expect.objectContaining({ name: "$default", auto_deploy: true }),
    ]);
    expect(resourcesOf(app, "aws_apigatewayv2_integration")).toEqual([
      expect.objectContaining({
        integration_type: "AWS_PROXY",
        payload_format_version: "2.0",
        integration_uri: ref("aws_lambda_alias", apiAlias, "invoke_arn"),
      }),
    ]);
    expect(resourcesOf(app, "aws_apigatewayv2_route")).toEqual([
      expect.objectContaining({ route_key: "$default", authorization_type: "NONE" }),
    ]);
    // API Gateway may invoke the alias, for this API's $default route only.
    expect(resourcesOf(app, "aws_lambda_permission")).toEqual([
      expect.objectContaining({
        principal: "apigateway.amazonaws.com",
        action: "lambda:InvokeFunction",
        function_name: ref("aws_lambda_function", fnKey("trip-assistant-api-dev"), "function_name"),
        qualifier: ref("aws_lambda_alias", apiAlias, "name"),
        source_arn: expect.stringMatching(
          /^\$\{aws_apigatewayv2_api\.TripAssistantHttpApi_\w+\.execution_arn\}\/\*\/\$default$/,
        ),
      }),
    ]);
    expect(app.output.api_url.value).toMatch(
      /aws_apigatewayv2_stage\.TripAssistantHttpApi_DefaultStage_\w+\.invoke_url/,
    );
  });

  test("CORS: any origin in dev; elsewhere the setting's origins, none when unset, and never *", () => {
    const cors = (stack: StackJson) => resourcesOf(stack, "aws_apigatewayv2_api")[0].cors_configuration;
    expect(cors(app)).toMatchObject({ allow_origins: ["*"], allow_methods: ["GET", "POST", "OPTIONS"] });
    expect(cors(synthApp({ PLATFORM_ENV: "prod" }).json("trip-assistant"))).toBeUndefined();
    const origins = "https://trips.example.com,https://www.trips.example.com";
    expect(
      cors(synthApp({ PLATFORM_ENV: "prod", TRIP_ASSISTANT_CORS_ORIGINS: origins }).json("trip-assistant")),
    ).toMatchObject({
      allow_origins: origins.split(","),
    });
    expect(() => synthApp({ PLATFORM_ENV: "stage", TRIP_ASSISTANT_CORS_ORIGINS: "*" })).toThrow(ConfigError);
    expect(() => synthApp({ TRIP_ASSISTANT_CORS_ORIGINS: "https://x.example/path" })).toThrow(/is not an origin/);
  });

  test("outputs: api_url, both functions' names, ARNs and invoke ARNs, both repository URLs, the parameter's name and ARN, the alerts topic", () => {
    expect(Object.keys(app.output).sort()).toEqual(
      [
        "agent_ecr_repository_url",
        "alerts_topic_arn",
        "agent_lambda_function_name",
        "agent_lambda_function_arn",
        "agent_lambda_invoke_arn",
        "agent_live_alias_arn",
        "api_ecr_repository_url",
        "api_lambda_function_name",
        "api_lambda_function_arn",
        "api_lambda_invoke_arn",
        "api_live_alias_arn",
        "api_url",
        "health_url",
        "region",
        "ssm_parameter_arn",
        "ssm_parameter_name",
      ].sort(),
    );
    expect(app.output.api_lambda_function_arn.value).toMatch(/^\$\{aws_lambda_function\.\w+\.arn\}$/);
    expect(app.output.api_lambda_invoke_arn.value).toMatch(/^\$\{aws_lambda_function\.\w+\.invoke_arn\}$/);
    expect(app.output.agent_lambda_invoke_arn.value).toMatch(/^\$\{aws_lambda_function\.\w+\.invoke_arn\}$/);
    expect(app.output.agent_ecr_repository_url.value).toMatch(/\.amazonaws\.com\/trip-assistant-agent-dev$/);
    expect(app.output.health_url.value).toMatch(
      /^\$\{trimsuffix\(aws_apigatewayv2_stage\.\w+\.invoke_url, "\/"\)\}\/api\/health$/,
    );
  });
});

describe("the CD pipeline's GitHub OIDC role", () => {
  test("absent without a GitHub repository", () => {
    expect(
      resourcesOf(app, "aws_iam_role")
        .map((r) => r.name)
        .sort(),
    ).toEqual(["trip-assistant-agent-dev-role", "trip-assistant-api-dev-role"]);
    expect(app.output.github_deploy_role_arn).toBeUndefined();
  });

  test("trusted by GitHub's OIDC provider for this repository's environment only; exactly the deploy permissions", () => {
    const withRepo = synthApp({ PLATFORM_GITHUB_REPOSITORY: "acme/trips", PLATFORM_ENV: "stage" }).json(
      "trip-assistant",
    );
    const roleKey = keyOf(withRepo, "aws_iam_role", (r) => r.name === "trip-assistant-github-deploy-stage");
    const trust = JSON.parse(withRepo.resource.aws_iam_role[roleKey].assume_role_policy);
    expect(trust.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: {
          Federated:
            "arn:${data.aws_partition.Partition.partition}:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/token.actions.githubusercontent.com",
        },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": "repo:acme/trips:environment:stage",
          },
        },
      },
    ]);
    const fn = (name: string) =>
      `\${aws_lambda_function.${keyOf(withRepo, "aws_lambda_function", (f) => f.function_name === name)}.arn}`;
    const alias = (name: string) => {
      const fnK = keyOf(withRepo, "aws_lambda_function", (f) => f.function_name === name);
      return `\${aws_lambda_alias.${keyOf(withRepo, "aws_lambda_alias", (a) => a.function_name.includes(`.${fnK}.`))}.arn}`;
    };
    const repo = (name: string) =>
      `arn:\${data.aws_partition.Partition.partition}:ecr:\${data.aws_region.current_region.region}:\${data.aws_caller_identity.current.account_id}:repository/${name}`;
    const [agent, api] = ["trip-assistant-agent-stage", "trip-assistant-api-stage"];
    expect(statementsOfRole(withRepo, roleKey)).toEqual([
      {
        sid: "DeployFunctionCode",
        effect: "Allow",
        actions: [...DEPLOY_ACTIONS.functionCode].sort(),
        resources: [fn(agent), fn(api)],
      },
      {
        sid: "MoveLiveAliases",
        effect: "Allow",
        actions: [...DEPLOY_ACTIONS.alias].sort(),
        resources: [fn(agent), fn(api), alias(agent), alias(api)],
      },
      {
        sid: "PushImages",
        effect: "Allow",
        actions: [...DEPLOY_ACTIONS.push].sort(),
        resources: [repo(agent), repo(api)],
      },
      { sid: "RegistryLogin", effect: "Allow", actions: ["ecr:GetAuthorizationToken"], resources: ["*"] },
    ]);
    expect(DEPLOY_ACTIONS.functionCode).toEqual([
      "lambda:GetFunction",
      "lambda:PublishVersion",
      "lambda:UpdateFunctionCode",
    ]);
    expect(DEPLOY_ACTIONS.alias).toEqual(["lambda:GetAlias", "lambda:UpdateAlias"]);
    expect(withRepo.output.github_deploy_role_arn.value).toMatch(new RegExp(`aws_iam_role\\.${roleKey}\\.arn`));
  });
});

describe("settings", () => {
  test("the project name and environment name everything, within AWS's limits", () => {
    const other = synthApp({ TRIP_ASSISTANT_PROJECT_NAME: "voyage", PLATFORM_ENV: "prod" });
    const otherApp = other.json("trip-assistant");
    expect(
      resourcesOf(otherApp, "aws_lambda_function")
        .map((f) => f.function_name)
        .sort(),
    ).toEqual(["voyage-agent-prod", "voyage-api-prod"]);
    expect(resourcesOf(otherApp, "aws_ssm_parameter")[0].name).toBe("/voyage/prod/openai-api-key");
    expect(
      resourcesOf(other.json("trip-assistant-ecr"), "aws_ecr_repository")
        .map((r) => r.name)
        .sort(),
    ).toEqual(["voyage-agent-prod", "voyage-api-prod"]);
    expect(otherApp.terraform.backend.s3.key).toBe("trip-assistant/prod/trip-assistant.tfstate");
    // The longest name the setting allows still fits IAM's 64 characters.
    const longest = "a".repeat(32);
    const roles = resourcesOf(
      synthApp({ TRIP_ASSISTANT_PROJECT_NAME: longest, PLATFORM_ENV: "stage", PLATFORM_GITHUB_REPOSITORY: "a/b" }).json(
        "trip-assistant",
      ),
      "aws_iam_role",
    ).map((r) => r.name);
    expect(roles).toContain(`${longest}-github-deploy-stage`);
    for (const name of roles) expect(name.length).toBeLessThanOrEqual(64);
  });

  test("an invalid project name fails synth, naming the setting", () => {
    expect(() => synthApp({ TRIP_ASSISTANT_PROJECT_NAME: "Trip_Assistant" })).toThrow(
      /TRIP_ASSISTANT_PROJECT_NAME="Trip_Assistant": must be 2-32 characters/,
    );
  });
});
