import fs from "node:fs";
import path from "node:path";
import {
  ApiGatewayV2Client,
  GetApisCommand,
  GetIntegrationsCommand,
  GetRoutesCommand,
  GetStageCommand,
} from "@aws-sdk/client-apigatewayv2";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
} from "@aws-sdk/client-dynamodb";
import { GetRolePolicyCommand, IAMClient } from "@aws-sdk/client-iam";
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListFunctionsCommand,
  ListLayersCommand,
} from "@aws-sdk/client-lambda";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { handler } from "../../../lambdas/model-share/api";
import { ENV, ROUTES, routeKeyOf } from "../../../lambdas/model-share/contract";
import { expectAdopted, importedIds, makeRoleByHand } from "../../support/adoption";
import { allSettled, startSystemEmulator } from "../../support/deploy";
import { pathFormOf } from "../../support/localcloud";
import { expectOk, terraform } from "../../support/terraform";

// model-share on its own emulator: 00-bootstrap once, then dev and stage side by side (stage with
// its switches flipped: layer on, a named CORS origin, plain writes), each re-planned clean; the
// handler runs against the table Terraform made; flipping use_layer and enable_pitr on the
// deployed dev plans exactly those changes and applies them; a "*" origin is refused outside
// dev; then everything is destroyed. PITR stays on in every saved plan (the security gate
// scans them).
jest.setTimeout(1_800_000);

const STACK = "model-share";
const STAGE_ORIGIN = "https://stage.example.org";
/** stage's Terraform variables, as CI would pass them (TF_VAR_*: the same as -var). */
const STAGE_VARS = {
  TF_VAR_use_layer: "true",
  TF_VAR_cors_allow_origins: JSON.stringify([STAGE_ORIGIN]),
  TF_VAR_safe_concurrency: "false",
};
const settingsOf = (env: string) => (env === "stage" ? STAGE_VARS : {});
/** stage's API role exists already (made by hand): its synth adopts it (docs/import-runbook.md). */
const STAGE_ROLE = "aimodelshare-stage-playground-api-role";
const ADOPT_STAGE_ROLE = { PLATFORM_ADOPT_ROLES: STAGE_ROLE };

const emulator = startSystemEmulator(STACK);
const config = emulator.clientConfig();
const lambda = new LambdaClient(config);
const dynamo = new DynamoDBClient(config);
const apis = new ApiGatewayV2Client(config);
const logs = new CloudWatchLogsClient(config);
const iam = new IAMClient(config);

afterAll(() => emulator.stop());

async function outputs(env: string): Promise<Record<string, { value: unknown }>> {
  const out = expectOk(
    await terraform(emulator.stackDir(env, STACK), ["output", "-json"], emulator.env(env, settingsOf(env))),
    `terraform output (${env})`,
  );
  return JSON.parse(out.output.slice(out.output.indexOf("{")));
}

async function apiNamed(name: string) {
  const api = (await apis.send(new GetApisCommand({}))).Items?.find((a) => a.Name === name);
  if (!api) throw new Error(`no API ${name}`);
  return api;
}

describe("the model-share playground API on the emulator, dev and stage side by side", () => {
  test("both environments synthesize (stage adopting its hand-made API role); 00-bootstrap (the shared state store) deploys once", async () => {
    await makeRoleByHand(iam, STAGE_ROLE, "lambda.amazonaws.com");
    await allSettled([emulator.synth("dev"), emulator.synth("stage", ADOPT_STAGE_ROLE)]);
    const stageJson = JSON.parse(fs.readFileSync(path.join(emulator.stackDir("stage", STACK), "cdk.tf.json"), "utf8"));
    expect(importedIds(stageJson)).toEqual([STAGE_ROLE]);
    expectOk(await emulator.deploy("dev", "00-bootstrap"), "cdktf deploy 00-bootstrap");
    // From here on, as CI deploys: with model-share's GitHub deploy role, under IAM enforcement.
    await emulator.deployAsCi(STACK);
  });

  test("dev and stage deploy at the same time, each with its own state key, and re-plan clean", async () => {
    const [dev, stage] = await allSettled([emulator.deploy("dev", STACK), emulator.deploy("stage", STACK, STAGE_VARS)]);
    for (const [env, result] of [
      ["dev", dev],
      ["stage", stage],
    ] as const) {
      if (result.status !== 0) fs.writeFileSync(path.join(emulator.work, `deploy-${env}.log`), result.output);
    }
    expectOk(dev, "cdktf deploy model-share (dev)");
    expectOk(stage, "cdktf deploy model-share (stage, switches flipped)");
    await allSettled([emulator.expectCleanPlan("dev", STACK), emulator.expectCleanPlan("stage", STACK, STAGE_VARS)]);
    // The deploy role imported stage's hand-made role and made it the code's: one inline policy, no managed one.
    await expectAdopted(iam, STAGE_ROLE);
  });

  test("the functions: zip, Node.js 22, arm64, 256 MB, 10 s; stage runs with the layer, dev without", async () => {
    const dev = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: "aimodelshare-dev-playground-api" }),
    );
    const stage = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: "aimodelshare-stage-playground-api" }),
    );
    for (const fn of [dev, stage]) {
      expect(fn).toMatchObject({
        PackageType: "Zip",
        Runtime: "nodejs22.x",
        Handler: "index.handler",
        MemorySize: 256,
        Timeout: 10,
        Architectures: ["arm64"],
      });
    }
    expect(dev.Layers ?? []).toEqual([]);
    const layers = (await lambda.send(new ListLayersCommand({}))).Layers ?? [];
    expect(layers.map((l) => l.LayerName)).toEqual(["aimodelshare-stage-playground-kit"]);
    expect(stage.Layers?.map((l) => l.Arn)).toEqual([layers[0].LatestMatchingVersion?.LayerVersionArn]);

    expect(dev.Environment?.Variables).toEqual({
      [ENV.table]: "aimodelshare-dev-playground-scores",
      [ENV.safeConcurrency]: "true",
      [ENV.corsAllowOrigins]: "*",
    });
    expect(stage.Environment?.Variables).toEqual({
      [ENV.table]: "aimodelshare-stage-playground-scores",
      [ENV.safeConcurrency]: "false",
      [ENV.corsAllowOrigins]: STAGE_ORIGIN,
    });
    expect((await outputs("dev")).layer_arns.value).toEqual([]);
    expect((await outputs("stage")).layer_arns.value).toEqual([layers[0].LatestMatchingVersion?.LayerVersionArn]);
  });

  test("the tables: on demand, keyed as the contract says, with the byUser index and PITR on", async () => {
    for (const [env, pitr] of [
      ["dev", "ENABLED"],
      ["stage", "ENABLED"],
    ]) {
      const TableName = `aimodelshare-${env}-playground-scores`;
      const table = (await dynamo.send(new DescribeTableCommand({ TableName }))).Table;
      expect(table?.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");
      expect(table?.KeySchema).toEqual([
        { AttributeName: "tableId", KeyType: "HASH" },
        { AttributeName: "username", KeyType: "RANGE" },
      ]);
      expect(table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(["byUser"]);
      const backups = await dynamo.send(new DescribeContinuousBackupsCommand({ TableName }));
      expect([
        env,
        backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus,
      ]).toEqual([env, pitr]);
    }
  });

  test("the APIs: seven proxy routes each, $default auto-deploys, CORS from the variable", async () => {
    for (const [env, origins] of [
      ["dev", ["*"]],
      ["stage", [STAGE_ORIGIN]],
    ] as const) {
      const api = await apiNamed(`aimodelshare-${env}-api`);
      expect(api.CorsConfiguration?.AllowOrigins).toEqual(origins);
      expect(api.CorsConfiguration?.ExposeHeaders).toEqual(["location"]);
      const routes = (await apis.send(new GetRoutesCommand({ ApiId: api.ApiId }))).Items ?? [];
      expect(routes.map((r) => r.RouteKey).sort()).toEqual(Object.values(ROUTES).map(routeKeyOf).sort());
      const integrations = (await apis.send(new GetIntegrationsCommand({ ApiId: api.ApiId }))).Items ?? [];
      expect(integrations).toHaveLength(1);
      expect(integrations[0]).toMatchObject({ IntegrationType: "AWS_PROXY", PayloadFormatVersion: "2.0" });
      expect(integrations[0].IntegrationUri).toContain(`aimodelshare-${env}-playground-api`);
      const stage = await apis.send(new GetStageCommand({ ApiId: api.ApiId, StageName: "$default" }));
      expect(stage.AutoDeploy).toBe(true);
      expect(stage.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 });
      // The local cloud's address of the $default stage (on AWS the provider's invoke URL).
      expect((await outputs(env)).api_url.value).toMatch(
        new RegExp(`^http://${api.ApiId}\\.execute-api\\.localhost:\\d+/$`),
      );
    }
  });

  test("logs are kept 14 days; the role may use exactly its own table", async () => {
    const groups = (await logs.send(new DescribeLogGroupsCommand({}))).logGroups ?? [];
    const retention = Object.fromEntries(groups.map((g) => [g.logGroupName, g.retentionInDays]));
    for (const env of ["dev", "stage"]) {
      expect(retention[`/aws/lambda/aimodelshare-${env}-playground-api`]).toBe(14);
      expect(retention[`/aws/apigateway/aimodelshare-${env}-api`]).toBe(14);
    }
    const policy = await iam.send(
      new GetRolePolicyCommand({ RoleName: "aimodelshare-dev-playground-api-role", PolicyName: "least-privilege" }),
    );
    const document = JSON.parse(decodeURIComponent(policy.PolicyDocument ?? "{}"));
    const data = document.Statement.find((s: { Sid: string }) => s.Sid === "PlaygroundDataPlaygroundTable");
    expect([...data.Resource].sort()).toEqual([
      expect.stringMatching(/:table\/aimodelshare-dev-playground-scores$/),
      expect.stringMatching(/:table\/aimodelshare-dev-playground-scores\/index\/\*$/),
    ]);
  });

  test("the handler works against the table Terraform made (key schema and index as deployed)", async () => {
    process.env.AWS_ENDPOINT_URL = emulator.endpoint;
    process.env.AWS_REGION = "us-east-1";
    process.env.AWS_ACCESS_KEY_ID = emulator.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = emulator.credentials.secretAccessKey;
    process.env[ENV.table] = "aimodelshare-dev-playground-scores";
    process.env[ENV.safeConcurrency] = "true";
    process.env[ENV.corsAllowOrigins] = "*";
    const call = async (routeKey: string, path: Record<string, string>, body?: unknown) => {
      const result = await handler({
        routeKey,
        rawPath: "/",
        pathParameters: path,
        body: body === undefined ? undefined : JSON.stringify(body),
        isBase64Encoded: false,
        requestContext: { http: { method: routeKey.split(" ")[0] }, requestId: "emulator" },
      } as unknown as APIGatewayProxyEventV2);
      return { status: result.statusCode, body: JSON.parse(result.body ?? "null") };
    };
    expect((await call(routeKeyOf(ROUTES.createTable), {}, { tableId: "deployed" })).status).toBe(201);
    const put = await call(
      routeKeyOf(ROUTES.putUser),
      { tableId: "deployed", username: "ada" },
      {
        submissionCount: 3,
        totalCount: 4,
      },
    );
    expect(put.status).toBe(201);
    const tables = await call(routeKeyOf(ROUTES.listTables), {});
    expect(tables.body.tables).toEqual([expect.objectContaining({ tableId: "deployed", userCount: 1 })]);
    const users = await call(routeKeyOf(ROUTES.listUsers), { tableId: "deployed" });
    expect(users.body.users).toEqual([expect.objectContaining({ username: "ada", submissionCount: 3 })]);
  });

  test("the deployed API answers on its local URL: the function runs under its role, through the route's permission", async () => {
    // The output is the Host form a user pastes into curl; Node's resolver needs the path form.
    const url = pathFormOf((await outputs("stage")).api_url.value as string);
    const send = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { "content-type": "application/json", origin: STAGE_ORIGIN },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      // biome-ignore lint/suspicious/noExplicitAny: the API's JSON
      return { status: res.status, body: (await res.json()) as any };
    };
    expect(await send("POST", "tables", { tableId: "over-http" })).toMatchObject({ status: 201 });
    expect((await send("PUT", "tables/over-http/users/ada", { submissionCount: 2, totalCount: 5 })).status).toBe(201);
    const users = await send("GET", "tables/over-http/users");
    expect(users.body.users).toEqual([expect.objectContaining({ username: "ada", submissionCount: 2 })]);
    const bad = await send("POST", "tables", { tableId: "" });
    expect(bad.status).toBe(400);
  });

  test("flipping use_layer and enable_pitr on the deployed dev plans exactly those changes, and applies them", async () => {
    const dir = emulator.stackDir("dev", STACK);
    const env = emulator.env("dev");
    const plan = await terraform(
      dir,
      [
        "plan",
        "-detailed-exitcode",
        "-input=false",
        "-out=switch.tfplan",
        "-var",
        "use_layer=true",
        "-var",
        "enable_pitr=false",
      ],
      env,
    );
    expect(plan.status).toBe(2);
    const shown = expectOk(await terraform(dir, ["show", "-json", "switch.tfplan"], env), "terraform show");
    const changes = JSON.parse(shown.output.slice(shown.output.indexOf("{"))).resource_changes.filter(
      (c: { change: { actions: string[] } }) => c.change.actions.join() !== "no-op",
    );
    const summary = changes.map((c: { type: string; change: { actions: string[] } }) => [
      c.type,
      c.change.actions.join(),
    ]);
    expect(summary.sort()).toEqual(
      [
        ["aws_dynamodb_table", "update"],
        ["aws_lambda_function", "update"],
        ["aws_lambda_layer_version", "create"],
        // The role's policy document reads the table's ARN; Terraform defers reading a data
        // source whose dependency has changes to the apply, so the policy shows as "update".
        ["aws_iam_policy_document", "read"],
        ["aws_iam_role_policy", "update"],
      ].sort(),
    );
    const fnChange = changes.find((c: { type: string }) => c.type === "aws_lambda_function").change;
    expect(fnChange.after_unknown.layers).toBe(true);
    const tableChange = changes.find((c: { type: string }) => c.type === "aws_dynamodb_table").change;
    expect(tableChange.after.point_in_time_recovery[0].enabled).toBe(false);

    expectOk(await terraform(dir, ["apply", "-input=false", "switch.tfplan"], env), "terraform apply switch.tfplan");
    const TableName = "aimodelshare-dev-playground-scores";
    const backups = await dynamo.send(new DescribeContinuousBackupsCommand({ TableName }));
    expect(backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe(
      "DISABLED",
    );
    const fn = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: "aimodelshare-dev-playground-api" }),
    );
    expect(fn.Layers?.map((l) => l.Arn)).toEqual([expect.stringMatching(/:layer:aimodelshare-dev-playground-kit:1$/)]);
  });

  test('a "*" origin is refused outside dev by the variable\'s validation, before anything changes', async () => {
    const plan = await terraform(
      emulator.stackDir("stage", STACK),
      ["plan", "-input=false", "-lock=false", "-var", 'cors_allow_origins=["*"]'],
      emulator.env("stage", STAGE_VARS),
    );
    expect(plan.status).toBe(1);
    expect(plan.output).toMatch(/cors_allow_origins may hold "\*" only in dev; this stack is stage/);
  });

  test("both environments are destroyed side by side; then 00-bootstrap", async () => {
    const [dev, stage] = await allSettled([
      emulator.destroy("dev", STACK),
      emulator.destroy("stage", STACK, STAGE_VARS),
    ]);
    expectOk(dev, "cdktf destroy model-share (dev)");
    expectOk(stage, "cdktf destroy model-share (stage)");
    expect((await lambda.send(new ListFunctionsCommand({}))).Functions ?? []).toEqual([]);
    expect((await lambda.send(new ListLayersCommand({}))).Layers ?? []).toEqual([]);
    expect((await apis.send(new GetApisCommand({}))).Items ?? []).toEqual([]);
    expect((await dynamo.send(new ListTablesCommand({}))).TableNames).toEqual(["iac-ci-tf-locks"]);
    await emulator.destroyBootstrap("dev");
    expect((await dynamo.send(new ListTablesCommand({}))).TableNames ?? []).toEqual([]);
  });
});
