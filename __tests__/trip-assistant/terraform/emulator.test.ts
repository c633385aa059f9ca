import fs from "node:fs";
import path from "node:path";
import {
  ApiGatewayV2Client,
  GetApisCommand,
  GetIntegrationsCommand,
  GetRoutesCommand,
  GetStagesCommand,
} from "@aws-sdk/client-apigatewayv2";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  DescribeRepositoriesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  GetRepositoryPolicyCommand,
  PutImageCommand,
} from "@aws-sdk/client-ecr";
import { GetRoleCommand, GetRolePolicyCommand, IAMClient } from "@aws-sdk/client-iam";
import {
  GetAliasCommand,
  GetFunctionCommand,
  GetPolicyCommand,
  LambdaClient,
  ListFunctionsCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
} from "@aws-sdk/client-lambda";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { ENV, FUNCTIONS, LIVE_ALIAS } from "../../../lambdas/trip-assistant/contract";
import { expectAdopted, importedIds, makeRoleByHand } from "../../support/adoption";
import { ACCOUNT_ID, startSystemEmulator } from "../../support/deploy";
import { expectOk, type RunResult, terraform } from "../../support/terraform";

// The trip assistant on its own emulator: 00-bootstrap, then both stages of the system
// (trip-assistant-ecr, trip-assistant) with the key passed as TF_VAR_openai_api_key (never on a
// command line), `terraform plan` clean, the deployed world read back in the default region
// (us-east-2), the CD pipeline's moves done with the SDK (new image, version 2, `live` -> 2,
// rollback to 1) with a clean plan after each, and destroy. Image functions are created, never run
// (moto's MOTO_LAMBDA_STUB_ECR; no Docker here): the handlers are proven in-process (../handlers,
// ../unit).
jest.setTimeout(1_200_000);

const SYSTEM = "trip-assistant";
const ECR_STACK = "trip-assistant-ecr";
const APP_STACK = "trip-assistant";
const REGION = "us-east-2";
const AGENT = "trip-assistant-agent-dev";
const API = "trip-assistant-api-dev";
const SECRET = "sk-emulator-Zq8Wm3Lr5Tx1Vb7Nc4Hd";
const REPOSITORY = "acme/trip-assistant";
/** The agent's role exists already (made by hand): the synth adopts it (docs/import-runbook.md). */
const AGENT_ROLE = "trip-assistant-agent-dev-role";
/** What a user exports before deploying: the key and the first image tag as TF_VAR_*, the GitHub repository. */
const settings = {
  TF_VAR_openai_api_key: SECRET,
  TF_VAR_image_tag: "v1",
  PLATFORM_GITHUB_REPOSITORY: REPOSITORY,
  PLATFORM_ADOPT_ROLES: AGENT_ROLE,
};

const emulator = startSystemEmulator(SYSTEM);
const config = { ...emulator.clientConfig(), region: REGION };
const lambda = new LambdaClient(config);
const ssm = new SSMClient(config);
const ecr = new ECRClient(config);
const apis = new ApiGatewayV2Client(config);
const logs = new CloudWatchLogsClient(config);
const iam = new IAMClient(config);
/** Every Terraform/cdktf output of this file, to prove the key never reaches a log. */
const outputs: string[] = [];

afterAll(() => emulator.stop());

const run = async (what: string, result: Promise<RunResult>) => {
  const r = await result;
  outputs.push(r.output);
  return expectOk(r, what);
};
const outputsOf = async (stack: string) => {
  const out = await run(
    `terraform output ${stack}`,
    terraform(emulator.stackDir("dev", stack), ["output", "-json"], emulator.env("dev", settings)),
  );
  return JSON.parse(out.output.slice(out.output.indexOf("{")));
};
const live = async (FunctionName: string) =>
  (await lambda.send(new GetAliasCommand({ FunctionName, Name: LIVE_ALIAS }))).FunctionVersion;
const versions = async (FunctionName: string) =>
  ((await lambda.send(new ListVersionsByFunctionCommand({ FunctionName }))).Versions ?? [])
    .map((v) => v.Version)
    .filter((v) => v !== "$LATEST");

describe("the trip assistant on the emulator", () => {
  test("00-bootstrap, then the ECR stage, then the app deploy with the key from TF_VAR_openai_api_key (adopting the hand-made agent role)", async () => {
    await makeRoleByHand(iam, AGENT_ROLE, "lambda.amazonaws.com");
    await emulator.synth("dev", settings);
    // The key is no literal of the synthesized JSON: it arrives at plan time.
    const appJson = fs.readFileSync(path.join(emulator.stackDir("dev", APP_STACK), "cdk.tf.json"), "utf8");
    expect(appJson).not.toContain(SECRET);
    await run("cdktf deploy 00-bootstrap", emulator.deploy("dev", "00-bootstrap", settings));
    // From here on, as CI deploys: with trip-assistant's GitHub deploy role, under IAM enforcement.
    await emulator.deployAsCi(SYSTEM, { repository: REPOSITORY });
    await run(`cdktf deploy ${ECR_STACK}`, emulator.deploy("dev", ECR_STACK, settings));
    await run(`cdktf deploy ${APP_STACK}`, emulator.deploy("dev", APP_STACK, settings));
    expect(importedIds(JSON.parse(appJson))).toEqual([AGENT_ROLE]);
    await expectAdopted(iam, AGENT_ROLE);
  });

  test("terraform plan of both stages is clean (-detailed-exitcode 0)", async () => {
    await emulator.expectCleanPlan("dev", ECR_STACK, settings);
    await emulator.expectCleanPlan("dev", APP_STACK, settings);
  });

  test("the key is a SecureString of the original name; outputs give its name and ARN only", async () => {
    const parameter = await ssm.send(
      new GetParameterCommand({ Name: "/trip-assistant/dev/openai-api-key", WithDecryption: true }),
    );
    expect(parameter.Parameter).toMatchObject({ Type: "SecureString", Value: SECRET });
    const out = await outputsOf(APP_STACK);
    expect(out.ssm_parameter_name.value).toBe("/trip-assistant/dev/openai-api-key");
    expect(out.ssm_parameter_arn.value).toBe(parameter.Parameter?.ARN);
    expect(JSON.stringify(out)).not.toContain(SECRET);
  });

  test("the repositories: immutable tags, scan on push, last 10 kept, Lambda may pull for its function", async () => {
    // By name: the two were created side by side, in no particular order.
    const described = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [AGENT, API] }));
    const repos = (described.repositories ?? []).sort((a, b) =>
      String(a.repositoryName).localeCompare(String(b.repositoryName)),
    );
    expect(
      repos.map((r) => [r.repositoryName, r.imageTagMutability, r.imageScanningConfiguration?.scanOnPush]),
    ).toEqual([
      [AGENT, "IMMUTABLE", true],
      [API, "IMMUTABLE", true],
    ]);
    for (const name of [AGENT, API]) {
      const lifecycle = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: name }));
      expect(JSON.parse(lifecycle.lifecyclePolicyText ?? "{}").rules[0].selection.countNumber).toBe(10);
      const policy = await ecr.send(new GetRepositoryPolicyCommand({ repositoryName: name }));
      expect(JSON.parse(policy.policyText ?? "{}").Statement[0].Condition.StringLike["aws:SourceArn"][0]).toMatch(
        new RegExp(`:lambda:${REGION}:\\d{12}:function:${name}$`),
      );
    }
    const ecrOut = await outputsOf(ECR_STACK);
    expect(ecrOut.agent_ecr_repository_url.value).toBe(repos[0].repositoryUri);
    const appOut = await outputsOf(APP_STACK);
    expect(appOut.agent_ecr_repository_url.value).toBe(repos[0].repositoryUri);
    expect(appOut.api_ecr_repository_url.value).toBe(repos[1].repositoryUri);
  });

  test("an image tag, once pushed, never moves (IMMUTABLE)", async () => {
    const manifest = (digest: string) =>
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.docker.distribution.manifest.v2+json",
        config: {
          mediaType: "application/vnd.docker.container.image.v1+json",
          size: 7023,
          digest: `sha256:${digest.repeat(64)}`,
        },
        layers: [],
      });
    await ecr.send(new PutImageCommand({ repositoryName: AGENT, imageTag: "v1", imageManifest: manifest("a") }));
    await expect(
      ecr.send(new PutImageCommand({ repositoryName: AGENT, imageTag: "v1", imageManifest: manifest("b") })),
    ).rejects.toMatchObject({ name: "ImageTagAlreadyExistsException" });
  });

  test("the functions: arm64 images of the first tag, 512 MB / 30 s, the contract's environment, `live` on version 1", async () => {
    const repoUrl = (await outputsOf(APP_STACK)).agent_ecr_repository_url.value as string;
    for (const [name, key] of [
      [AGENT, "agent"],
      [API, "api"],
    ] as const) {
      const fn = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
      expect(fn.Configuration).toMatchObject({
        PackageType: "Image",
        Architectures: ["arm64"],
        MemorySize: 512,
        Timeout: 30,
      });
      expect(fn.Code?.ImageUri).toBe(`${repoUrl.replace(AGENT, name)}:v1`);
      expect(Object.keys(fn.Configuration?.Environment?.Variables ?? {}).sort()).toEqual(
        [...FUNCTIONS[key].env].sort(),
      );
      expect(await versions(name)).toEqual(["1"]);
      expect(await live(name)).toBe("1");
    }
    const agentAlias = await lambda.send(new GetAliasCommand({ FunctionName: AGENT, Name: LIVE_ALIAS }));
    const api = await lambda.send(new GetFunctionCommand({ FunctionName: API }));
    expect(api.Configuration?.Environment?.Variables?.[ENV.agentFunction]).toBe(agentAlias.AliasArn);
    const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/aws/lambda/trip-assistant-" }));
    expect((groups.logGroups ?? []).map((g) => [g.logGroupName, g.retentionInDays])).toEqual([
      [`/aws/lambda/${AGENT}`, 7],
      [`/aws/lambda/${API}`, 7],
    ]);
  });

  test("the HTTP API: `$default` route to the API's live alias, `$default` stage auto-deploying, invoke allowed on the alias", async () => {
    const api = (await apis.send(new GetApisCommand({}))).Items?.find((a) => a.Name === "trip-assistant-dev");
    expect(api?.CorsConfiguration?.AllowOrigins).toEqual(["*"]);
    const routes = await apis.send(new GetRoutesCommand({ ApiId: api?.ApiId }));
    expect(routes.Items?.map((r) => [r.RouteKey, r.AuthorizationType])).toEqual([["$default", "NONE"]]);
    const alias = await lambda.send(new GetAliasCommand({ FunctionName: API, Name: LIVE_ALIAS }));
    const integrations = await apis.send(new GetIntegrationsCommand({ ApiId: api?.ApiId }));
    expect(integrations.Items).toEqual([
      expect.objectContaining({ IntegrationType: "AWS_PROXY", PayloadFormatVersion: "2.0" }),
    ]);
    expect(integrations.Items?.[0].IntegrationUri).toContain(alias.AliasArn);
    const stages = await apis.send(new GetStagesCommand({ ApiId: api?.ApiId }));
    expect(stages.Items?.map((s) => [s.StageName, s.AutoDeploy])).toEqual([["$default", true]]);
    const policy = await lambda.send(new GetPolicyCommand({ FunctionName: API, Qualifier: LIVE_ALIAS }));
    const statement = JSON.parse(policy.Policy ?? "{}").Statement[0];
    expect(statement.Principal).toEqual({ Service: "apigateway.amazonaws.com" });
    expect(JSON.stringify(statement.Condition)).toMatch(new RegExp(`${api?.ApiId}/\\*/\\$default`));
    expect((await outputsOf(APP_STACK)).api_url.value).toContain(api?.ApiId);
  });

  test("the CD pipeline's role trusts this repository's dev environment through GitHub's OIDC provider", async () => {
    const role = await iam.send(new GetRoleCommand({ RoleName: "trip-assistant-github-deploy-dev" }));
    const trust = JSON.parse(decodeURIComponent(role.Role?.AssumeRolePolicyDocument ?? "{}"));
    expect(trust.Statement[0].Principal.Federated).toMatch(
      /^arn:aws:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/,
    );
    expect(trust.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]).toBe(
      `repo:${REPOSITORY}:environment:dev`,
    );
    const policy = await iam.send(
      new GetRolePolicyCommand({ RoleName: "trip-assistant-github-deploy-dev", PolicyName: "deploy" }),
    );
    const sids = JSON.parse(decodeURIComponent(policy.PolicyDocument ?? "{}")).Statement.map(
      (s: { Sid: string }) => s.Sid,
    );
    expect(sids).toEqual(["DeployFunctionCode", "MoveLiveAliases", "PushImages", "RegistryLogin"]);
  });

  test("a CD deploy with the SDK (new image, version 2, live -> 2) leaves the plan clean, whatever image_tag says", async () => {
    // As the CD workflow does it: with the stack's own CD role, from a dev deployment job's token.
    const cd = await emulator.githubRole(SYSTEM, "deploy", {
      repository: REPOSITORY,
      roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/trip-assistant-github-deploy-dev`,
    });
    const lambda = new LambdaClient({
      ...config,
      credentials: {
        accessKeyId: cd.AWS_ACCESS_KEY_ID,
        secretAccessKey: cd.AWS_SECRET_ACCESS_KEY,
        sessionToken: cd.AWS_SESSION_TOKEN,
      },
    });
    const before = (await lambda.send(new GetFunctionCommand({ FunctionName: AGENT }))).Code?.ImageUri as string;
    for (const name of [AGENT, API]) {
      const image = before.replace(AGENT, name).replace(/:v1$/, ":v2");
      await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ImageUri: image }));
      const published = await lambda.send(new PublishVersionCommand({ FunctionName: name, Description: "v2" }));
      expect(published.Version).toBe("2");
      await lambda.send(new UpdateAliasCommand({ FunctionName: name, Name: LIVE_ALIAS, FunctionVersion: "2" }));
      expect(await live(name)).toBe("2");
      expect((await lambda.send(new GetFunctionCommand({ FunctionName: name }))).Code?.ImageUri).toBe(image);
    }
    // Terraform neither moves the image back nor the alias: both belong to the pipeline now.
    await emulator.expectCleanPlan("dev", APP_STACK, settings);
    await emulator.expectCleanPlan("dev", APP_STACK, settings, ["-var", "image_tag=v9"]);
  });

  test("a rollback (live back to 1) leaves the plan clean too, and version 2 stays for a retry", async () => {
    for (const name of [AGENT, API]) {
      await lambda.send(new UpdateAliasCommand({ FunctionName: name, Name: LIVE_ALIAS, FunctionVersion: "1" }));
      expect(await live(name)).toBe("1");
      expect(await versions(name)).toEqual(["1", "2"]);
    }
    await emulator.expectCleanPlan("dev", APP_STACK, settings);
    // A re-apply changes nothing either: live stays where the pipeline left it.
    await run(`cdktf deploy ${APP_STACK} (again)`, emulator.deploy("dev", APP_STACK, settings));
    expect(await live(AGENT)).toBe("1");
    expect(await live(API)).toBe("1");
  });

  test("the key never appeared in any Terraform or cdktf output", () => {
    expect(outputs.length).toBeGreaterThan(5);
    for (const out of outputs) expect(out).not.toContain(SECRET);
  });

  test("destroy removes the system (dev's repositories with their images); 00-bootstrap goes once its state is emptied", async () => {
    await run(`cdktf destroy ${APP_STACK}`, emulator.destroy("dev", APP_STACK, settings));
    await run(`cdktf destroy ${ECR_STACK}`, emulator.destroy("dev", ECR_STACK, settings));
    expect((await lambda.send(new ListFunctionsCommand({}))).Functions ?? []).toEqual([]);
    expect((await apis.send(new GetApisCommand({}))).Items ?? []).toEqual([]);
    expect((await ecr.send(new DescribeRepositoriesCommand({}))).repositories ?? []).toEqual([]);
    await expect(
      ssm.send(new GetParameterCommand({ Name: "/trip-assistant/dev/openai-api-key" })),
    ).rejects.toMatchObject({
      name: "ParameterNotFound",
    });
    await emulator.destroyBootstrap("dev");
  });
});
