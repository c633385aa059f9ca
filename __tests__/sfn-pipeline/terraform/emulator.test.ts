import fs from "node:fs";
import path from "node:path";
import {
  ApiGatewayV2Client,
  GetApisCommand,
  GetIntegrationsCommand,
  GetRoutesCommand,
} from "@aws-sdk/client-apigatewayv2";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolesCommand,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { GetFunctionCommand, LambdaClient, ListFunctionsCommand } from "@aws-sdk/client-lambda";
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { githubRoleName } from "../../../constructs/github-oidc";
import { expectAdopted, makeRoleByHand } from "../../support/adoption";
import { ACCOUNT_ID, startSystemEmulator } from "../../support/deploy";
import { expectOk, terraform } from "../../support/terraform";

// The step-function pipeline on its own emulator, as docs/import-runbook.md tells it: the roles
// exist already (made by hand), the deploy fails with EntityAlreadyExists, adoption imports them,
// the next plan is clean; then an execution is started with the SDK and read back, and everything
// is destroyed. Everything after 00-bootstrap runs as CI runs it, with the system's GitHub roles
// (AssumeRoleWithWebIdentity) under the local cloud's IAM enforcement: the deploy role applies,
// re-plans and destroys; the plan role plans and cannot change anything; a deploy role missing
// one action fails naming it.
jest.setTimeout(900_000);

const STACK = "sfn-pipeline";
const LAMBDA_ROLE = "fastapi-test-lambda-role-dev";
const SFN_ROLE = "fastapi-test-sfn-role-dev";
const adopt = { PLATFORM_ADOPT_ROLES: `${LAMBDA_ROLE},${SFN_ROLE}` };
const REPOSITORY = "acme/platform";
const emulator = startSystemEmulator(STACK);
const config = emulator.clientConfig();
const iam = new IAMClient(config);
const lambda = new LambdaClient(config);
const sfn = new SFNClient(config);
const apis = new ApiGatewayV2Client(config);
const logs = new CloudWatchLogsClient(config);

afterAll(() => emulator.stop());

describe("the step-function pipeline on the emulator", () => {
  test("the roles exist already (made by hand, as a user might have); 00-bootstrap deploys", async () => {
    // The pipeline's roles as made by hand, with broad managed policies attached, and a
    // leftover inline policy of a hand-made experiment.
    for (const [RoleName, service, managed] of [
      [LAMBDA_ROLE, "lambda.amazonaws.com", "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"],
      [SFN_ROLE, "states.amazonaws.com", "arn:aws:iam::aws:policy/CloudWatchLogsFullAccess"],
    ]) {
      await makeRoleByHand(iam, RoleName, service, managed);
    }
    await emulator.synth("dev", { PLATFORM_GITHUB_REPOSITORY: REPOSITORY });
    expectOk(
      await emulator.deploy("dev", "00-bootstrap", { PLATFORM_GITHUB_REPOSITORY: REPOSITORY }),
      "cdktf deploy 00-bootstrap",
    );
  });

  test("only a dev deployment job of the repository gets the deploy role; from here on it deploys", async () => {
    // A pull request's token, another repository's, or another environment's are refused by the trust policy.
    for (const subject of [
      `repo:${REPOSITORY}:pull_request`,
      "repo:someone/else:environment:dev",
      `repo:${REPOSITORY}:ref:refs/heads/feature`,
    ]) {
      await expect(emulator.githubRole(STACK, "deploy", { repository: REPOSITORY, subject })).rejects.toThrow(
        /Not authorized to perform sts:AssumeRoleWithWebIdentity/,
      );
    }
    emulator.actAs(await emulator.githubRole(STACK, "deploy", { repository: REPOSITORY, environment: "dev" }));
  });

  test("without adoption the deploy fails with AWS's EntityAlreadyExists naming the role", async () => {
    const result = await emulator.deploy("dev", STACK);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/EntityAlreadyExists/);
    expect(result.output).toMatch(new RegExp(`${LAMBDA_ROLE}|${SFN_ROLE}`));
  });

  test("with PLATFORM_ADOPT_ROLES the deploy imports both roles and re-plans clean", async () => {
    await emulator.synth("dev", adopt);
    const json = JSON.parse(fs.readFileSync(path.join(emulator.stackDir("dev", STACK), "cdk.tf.json"), "utf8"));
    expect(json.import.map((i: { id: string }) => i.id).sort()).toEqual([LAMBDA_ROLE, SFN_ROLE]);
    expectOk(await emulator.deploy("dev", STACK, adopt), "cdktf deploy sfn-pipeline (adopting roles)");
    await emulator.expectCleanPlan("dev", STACK, adopt);
    const state = expectOk(
      await terraform(emulator.stackDir("dev", STACK), ["state", "list"], emulator.env("dev", adopt)),
      "state list",
    );
    expect(state.output).toMatch(/aws_iam_role\.LambdaRole_\w+/);
    expect(state.output).toMatch(/aws_iam_role\.Pipeline_Role_\w+/);
    // The adopted roles now carry the code's definition and exactly its one least-privilege
    // policy: the hand-attached managed policy and the leftover inline policy are gone.
    for (const RoleName of [LAMBDA_ROLE, SFN_ROLE]) await expectAdopted(iam, RoleName);
  });

  test("a CI-style plain terraform plan of the synthesized stack (without adoption settings) is clean too", async () => {
    // Once the roles are in state, the import blocks are no-ops: dropping the setting changes nothing.
    await emulator.synth("dev");
    await emulator.expectCleanPlan("dev", STACK);
    // The original's own command form works as written, and another environment is refused by name.
    await emulator.expectCleanPlan("dev", STACK, {}, [
      "-var",
      `aws_account_id=${ACCOUNT_ID}`,
      "-var",
      "environment=dev",
    ]);
    const other = await terraform(
      emulator.stackDir("dev", STACK),
      ["plan", "-input=false", "-lock=false", "-var", `aws_account_id=${ACCOUNT_ID}`, "-var", "environment=prod"],
      emulator.env("dev"),
    );
    expect(other.status).not.toBe(0);
    // (Terraform wraps a diagnostic's lines.)
    expect(other.output.replace(/\s+/g, " ")).toContain(
      "This stack was synthesized for environment dev (its names and state key carry it)",
    );
  });

  test("the pipeline is deployed as the code says: zips, the original role names, the API route, finite logs", async () => {
    for (const name of ["fastapi-test-lambda-one-dev", "fastapi-test-lambda-two-dev"]) {
      const fn = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
      expect(fn.Configuration).toMatchObject({ PackageType: "Zip", Handler: "index.handler", Runtime: "nodejs22.x" });
      expect(fn.Configuration?.Role).toMatch(new RegExp(`:role/${LAMBDA_ROLE}$`));
    }
    const machine = (await sfn.send(new ListStateMachinesCommand({}))).stateMachines?.find(
      (m) => m.name === "fastapi-test-pipeline-dev",
    );
    const described = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: machine?.stateMachineArn }));
    expect(described.roleArn).toMatch(new RegExp(`:role/${SFN_ROLE}$`));
    const definition = JSON.parse(described.definition ?? "{}");
    expect(definition.StartAt).toBe("LambdaOne");
    expect(definition.States.LambdaOne.Next).toBe("LambdaTwo");

    const api = (await apis.send(new GetApisCommand({}))).Items?.find((a) => a.Name === "fastapi-test-api-dev");
    const routes = await apis.send(new GetRoutesCommand({ ApiId: api?.ApiId }));
    expect(routes.Items?.map((r) => [r.RouteKey, r.AuthorizationType])).toEqual([["POST /runs", "AWS_IAM"]]);
    const integrations = await apis.send(new GetIntegrationsCommand({ ApiId: api?.ApiId }));
    expect(integrations.Items?.[0]).toMatchObject({ IntegrationSubtype: "StepFunctions-StartExecution" });

    const groups = await logs.send(new DescribeLogGroupsCommand({}));
    const retention = Object.fromEntries((groups.logGroups ?? []).map((g) => [g.logGroupName, g.retentionInDays]));
    expect(retention).toMatchObject({
      "/aws/lambda/fastapi-test-lambda-one-dev": 30,
      "/aws/lambda/fastapi-test-lambda-two-dev": 30,
      "/aws/vendedlogs/states/fastapi-test-pipeline-dev": 30,
    });

    const outputs = expectOk(
      await terraform(emulator.stackDir("dev", STACK), ["output", "-json"], emulator.env("dev")),
      "terraform output",
    );
    expect(JSON.parse(outputs.output.slice(outputs.output.indexOf("{"))).state_machine_arn.value).toBe(
      machine?.stateMachineArn,
    );
  });

  test("an execution started with the SDK (as the original FastAPI app does) is read back", async () => {
    const machine = (await sfn.send(new ListStateMachinesCommand({}))).stateMachines?.find(
      (m) => m.name === "fastapi-test-pipeline-dev",
    );
    const input = { requestId: "emulator-1", items: [{ sku: "A-1", quantity: 2, unitPrice: 1.25 }] };
    const started = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machine?.stateMachineArn,
        name: "emulator-1",
        input: JSON.stringify(input),
      }),
    );
    expect(started.executionArn).toMatch(/:execution:fastapi-test-pipeline-dev:emulator-1$/);
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    // moto records the execution but runs no Lambda task (that needs Docker): it stays RUNNING.
    // The steps' behaviour is proven in-process (__tests__/sfn-pipeline/unit/handlers.test.ts).
    expect(execution.status).toBe("RUNNING");
    expect(JSON.parse(execution.input ?? "{}")).toEqual(input);
  });

  test("the plan role plans clean, and cannot change anything: a destroy with it is refused and nothing goes", async () => {
    const planner = await emulator.githubRole(STACK, "plan", { repository: REPOSITORY });
    await emulator.expectCleanPlan("dev", STACK, planner);
    const refused = await terraform(
      emulator.stackDir("dev", STACK),
      ["destroy", "-auto-approve", "-input=false", "-lock-timeout=60s"],
      emulator.env("dev", planner),
    );
    expect(refused.status).not.toBe(0);
    expect(refused.output).toMatch(
      new RegExp(
        `assumed-role/${githubRoleName("iac-ci", "plan", STACK)}/.*is not authorized to perform: (lambda|states|logs|iam|apigateway):`,
      ),
    );
    // Nothing was deleted: the deploy role still re-plans clean.
    await emulator.expectCleanPlan("dev", STACK);
  });

  test("a deploy role missing one action (lambda:DeleteFunction) fails the destroy naming it; the real role then destroys everything", async () => {
    // The deploy role's own policy minus one action, on a role the admin may assume.
    const deployRole = githubRoleName("iac-ci", "deploy", STACK);
    const policy = await iam.send(new GetRolePolicyCommand({ RoleName: deployRole, PolicyName: "deploy" }));
    const document = JSON.parse(decodeURIComponent(policy.PolicyDocument ?? "{}"));
    let dropped = 0;
    for (const statement of document.Statement) {
      const actions = ([] as string[]).concat(statement.Action);
      statement.Action = actions.filter((a) => a !== "lambda:DeleteFunction");
      dropped += actions.length - statement.Action.length;
    }
    expect(dropped).toBe(1);
    const probe = "sfn-pipeline-probe-deployer";
    await iam.send(
      new CreateRoleCommand({
        RoleName: probe,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` }, Action: "sts:AssumeRole" },
          ],
        }),
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({ RoleName: probe, PolicyName: "deploy", PolicyDocument: JSON.stringify(document) }),
    );
    const assumed = await new STSClient(config).send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/${probe}`, RoleSessionName: "probe" }),
    );
    const c = assumed.Credentials;
    const failed = await emulator.destroy("dev", STACK, {
      AWS_ACCESS_KEY_ID: c?.AccessKeyId ?? "",
      AWS_SECRET_ACCESS_KEY: c?.SecretAccessKey ?? "",
      AWS_SESSION_TOKEN: c?.SessionToken ?? "",
    });
    expect(failed.status).not.toBe(0);
    expect(failed.output).toMatch(
      /is not authorized to perform: lambda:DeleteFunction on resource: arn:aws:lambda:us-east-1:\d{12}:function:fastapi-test-lambda-(one|two)-dev/,
    );
    expect((await lambda.send(new ListFunctionsCommand({}))).Functions?.length).toBe(2);
  });

  test("destroy removes the system; 00-bootstrap goes once its state is emptied", async () => {
    expectOk(await emulator.destroy("dev", STACK), "cdktf destroy sfn-pipeline (deploy role)");
    expect((await lambda.send(new ListFunctionsCommand({}))).Functions ?? []).toEqual([]);
    expect((await sfn.send(new ListStateMachinesCommand({}))).stateMachines ?? []).toEqual([]);
    expect((await apis.send(new GetApisCommand({}))).Items ?? []).toEqual([]);
    // The adopted roles were managed, so they go too; 00-bootstrap's GitHub roles (and the probe) stay.
    const left = (await iam.send(new ListRolesCommand({}))).Roles?.map((r) => r.RoleName ?? "") ?? [];
    expect(left.filter((r) => !r.includes("-github-") && r !== "sfn-pipeline-probe-deployer")).toEqual([]);
    await emulator.destroyBootstrap("dev");
  });
});
