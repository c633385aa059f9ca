import fs from "node:fs";
import path from "node:path";
import { ApiGatewayV2Client, GetApisCommand, GetRoutesCommand } from "@aws-sdk/client-apigatewayv2";
import { BatchGetProjectsCommand, CodeBuildClient, ListProjectsCommand } from "@aws-sdk/client-codebuild";
import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";
import { DescribeRepositoriesCommand, ECRClient, GetLifecyclePolicyCommand } from "@aws-sdk/client-ecr";
import {
  CreateRoleCommand,
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  IAMClient,
  ListOpenIDConnectProvidersCommand,
  ListRolesCommand,
} from "@aws-sdk/client-iam";
import { GetFunctionCommand, LambdaClient, ListFunctionsCommand } from "@aws-sdk/client-lambda";
import {
  DeleteObjectsCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { DescribeStateMachineCommand, ListStateMachinesCommand, SFNClient } from "@aws-sdk/client-sfn";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { FUNCTIONS } from "../../../lambdas/iac-ci/contract";
import { allSettled, background, LOCK_TABLE, STATE_BUCKET, startSystemEmulator } from "../../support/deploy";
import { cdktf, expectOk, type RunResult, startProcess, terraform, waitFor } from "../../support/terraform";

// iac-ci on its own emulator, in deploy order, exactly as users run it: `cdktf deploy
// <stack>` per stack, plain `terraform init/plan` for CI, import, lock, destroy. dev and stage
// share one state store, as two teams would.
jest.setTimeout(900_000);

// 00-bootstrap also creates the GitHub OIDC provider and deploy roles for this repository.
const GITHUB_REPOSITORY = "acme/iac-ci";
const emulator = startSystemEmulator("iac-ci");
const work = emulator.work;
const withRepo = (extra: Record<string, string> = {}) => ({ PLATFORM_GITHUB_REPOSITORY: GITHUB_REPOSITORY, ...extra });
const envFor = (environment: string, extra: Record<string, string> = {}) => emulator.env(environment, withRepo(extra));
const stackDir = (environment: string, stack: string) => emulator.stackDir(environment, stack);

const config = emulator.clientConfig();
const s3 = new S3Client(config);
const dynamo = new DynamoDBClient(config);
const lambda = new LambdaClient(config);
const sfn = new SFNClient(config);
const apis = new ApiGatewayV2Client(config);
const codebuild = new CodeBuildClient(config);
const iam = new IAMClient(config);
const ecr = new ECRClient(config);
const ssm = new SSMClient(config);

const synth = (environment: string, extra: Record<string, string> = {}) => emulator.synth(environment, withRepo(extra));
const deploy = (environment: string, stack: string, extra: Record<string, string> = {}) =>
  emulator.deploy(environment, stack, withRepo(extra));
const destroy = (environment: string, stack: string) => emulator.destroy(environment, stack, withRepo());
const expectCleanPlan = (environment: string, stack: string, extra: Record<string, string> = {}) =>
  emulator.expectCleanPlan(environment, stack, withRepo(extra));

async function stateObjectExists(key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: STATE_BUCKET, Key: key }));
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  await synth("dev");
});

afterAll(() => emulator.stop());

describe("the iac-ci platform on the emulator", () => {
  test("00-bootstrap deploys with local state and re-plans clean", async () => {
    expectOk(await deploy("dev", "00-bootstrap"), "cdktf deploy 00-bootstrap");
    expect(fs.existsSync(path.join(work, "dev", "terraform.00-bootstrap.tfstate"))).toBe(true);
    await expectCleanPlan("dev", "00-bootstrap");
    // The state bucket carries its default tags from creation on (CreateBucket's own tags).
    const tags = await s3.send(new GetBucketTaggingCommand({ Bucket: STATE_BUCKET }));
    expect(tags.TagSet).toEqual(expect.arrayContaining([{ Key: "environment", Value: "dev" }]));
    const versioning = await s3.send(new GetBucketVersioningCommand({ Bucket: STATE_BUCKET }));
    expect(versioning.Status).toBe("Enabled");
    const lockTable = await dynamo.send(new DescribeTableCommand({ TableName: LOCK_TABLE }));
    expect(lockTable.Table?.KeySchema).toEqual([{ AttributeName: "LockID", KeyType: "HASH" }]);
    const backups = await dynamo.send(new DescribeContinuousBackupsCommand({ TableName: LOCK_TABLE }));
    expect(backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe(
      "ENABLED",
    );

    // GitHub OIDC: the provider exists, and the deploy role trusts only this repository's environments.
    const providers = await iam.send(new ListOpenIDConnectProvidersCommand({}));
    const providerArn = providers.OpenIDConnectProviderList?.[0]?.Arn;
    expect(providerArn).toMatch(/oidc-provider\/token\.actions\.githubusercontent\.com$/);
    const provider = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providerArn }));
    expect(provider.ClientIDList).toEqual(["sts.amazonaws.com"]);
    const deployRole = await iam.send(new GetRoleCommand({ RoleName: "iac-ci-github-deploy-iac-ci" }));
    expect(deployRole.Role?.Path).toBe("/github/");
    const trust = JSON.parse(decodeURIComponent(deployRole.Role?.AssumeRolePolicyDocument ?? "{}"));
    expect(trust.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
          "ForAnyValue:StringEquals": {
            "token.actions.githubusercontent.com:sub": [
              "repo:acme/iac-ci:environment:dev",
              "repo:acme/iac-ci:environment:stage",
              "repo:acme/iac-ci:environment:prod",
            ],
          },
        },
      },
    ]);
    const planRole = await iam.send(new GetRoleCommand({ RoleName: "iac-ci-github-plan-iac-ci" }));
    expect(decodeURIComponent(planRole.Role?.AssumeRolePolicyDocument ?? "")).toContain(
      "repo:acme/iac-ci:pull_request",
    );
    // From here on, as CI deploys: with iac-ci's GitHub deploy role, under IAM enforcement.
    await emulator.deployAsCi("iac-ci", { repository: GITHUB_REPOSITORY });
  });

  describe("dev and stage, side by side", () => {
    // stage's story (roles made by hand, a deploy that fails on them, adoption) runs in the
    // background while dev's tests run, as two teams would share one state store; each stage
    // test below awaits its own step. Most of a deploy is the provider's consistency waits, so
    // overlapping the two environments roughly halves the suite.
    const adoptedByConfig = ["iac-ci-stage-worker-role", "iac-ci-stage-watchdog-role"];
    const importedByHand = "iac-ci-stage-orchestrator-role";
    const handMade = [...adoptedByConfig, importedByHand];
    const adopt = { PLATFORM_ADOPT_ROLES: adoptedByConfig.join(",") };
    const trust = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
    /** The Terraform address of the role with this name in stage's synthesized 02-deploy. */
    const roleAddress = (roleName: string) => {
      const json = JSON.parse(fs.readFileSync(path.join(stackDir("stage", "02-deploy"), "cdk.tf.json"), "utf8"));
      const entry = Object.entries<{ name: string }>(json.resource.aws_iam_role).find(([, r]) => r.name === roleName);
      if (!entry) throw new Error(`no aws_iam_role named ${roleName}`);
      return `aws_iam_role.${entry[0]}`;
    };
    let stage: {
      withoutAdoption: Promise<RunResult>;
      imported: Promise<RunResult>;
      adopted: Promise<RunResult>;
    };

    beforeAll(() => {
      const ready = background(
        (async () => {
          await synth("stage");
          for (const RoleName of handMade) {
            await iam.send(
              new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: trust, Description: "made by hand" }),
            );
          }
          expectOk(await deploy("stage", "01-ecr"), "cdktf deploy 01-ecr (stage)");
        })(),
      );
      const withoutAdoption = background(ready.then(() => deploy("stage", "02-deploy")));
      const imported = background(
        withoutAdoption.then(() =>
          terraform(
            stackDir("stage", "02-deploy"),
            ["import", "-input=false", "-lock-timeout=60s", roleAddress(importedByHand), importedByHand],
            envFor("stage"),
          ),
        ),
      );
      const adopted = background(
        imported.then(async () => {
          await synth("stage", adopt);
          return deploy("stage", "02-deploy", adopt);
        }),
      );
      stage = { withoutAdoption, imported, adopted };
    });

    test("CI flow: cdktf synth, then plain terraform init and plan per stack, with the plan role", async () => {
      const ciOut = path.join(work, "ci", "cdktf.out");
      fs.mkdirSync(path.dirname(ciOut), { recursive: true });
      // A pull request's job: iac-ci's plan role, from the pull request's token.
      const planner = await emulator.githubRole("iac-ci", "plan", { repository: GITHUB_REPOSITORY });
      const env = envFor("dev", planner);
      expectOk(await cdktf(["synth", "--output", ciOut], env), "cdktf synth");
      // The system's stacks are independent here (each plans against what exists), as in CI's
      // matrix; 00-bootstrap is applied by hand, never planned by CI.
      await allSettled(
        ["01-ecr", "02-deploy"].map(async (stack) => {
          const dir = path.join(ciOut, "stacks", stack);
          const init = expectOk(await terraform(dir, ["init", "-input=false"], env), `terraform init ${stack}`);
          expect(init.output).toContain('Successfully configured the backend "s3"');
          const vars = stack === "02-deploy" ? ["-var", "image_tag=0123abc"] : [];
          const plan = expectOk(
            await terraform(dir, ["plan", "-input=false", ...vars], env),
            `terraform plan ${stack}`,
          );
          expect(plan.output).toMatch(/Plan: \d+ to add, 0 to change, 0 to destroy/);
        }),
      );
    });

    test("01-ecr deploys with state in the emulator's bucket and re-plans clean", async () => {
      expectOk(await deploy("dev", "01-ecr"), "cdktf deploy 01-ecr");
      expect(await stateObjectExists("iac-ci/dev/01-ecr.tfstate")).toBe(true);
      await expectCleanPlan("dev", "01-ecr");
      const repos = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ["iac-ci-dev"] }));
      expect(repos.repositories?.[0]).toMatchObject({
        imageTagMutability: "MUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
      });
      const lifecycle = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: "iac-ci-dev" }));
      expect(JSON.parse(lifecycle.lifecyclePolicyText ?? "{}").rules[0].selection.countNumber).toBe(10);
    });

    test("02-deploy deploys every resource, locked in the lock table, and re-plans clean", async () => {
      expectOk(await deploy("dev", "02-deploy"), "cdktf deploy 02-deploy");
      expect(await stateObjectExists("iac-ci/dev/02-deploy.tfstate")).toBe(true);
      await expectCleanPlan("dev", "02-deploy");

      // The backend used the lock table: Terraform keeps the state digest there.
      const locks = await dynamo.send(new ScanCommand({ TableName: LOCK_TABLE }));
      const lockIds = (locks.Items ?? []).map((i) => i.LockID?.S);
      expect(lockIds).toEqual(
        expect.arrayContaining([
          `${STATE_BUCKET}/iac-ci/dev/01-ecr.tfstate-md5`,
          `${STATE_BUCKET}/iac-ci/dev/02-deploy.tfstate-md5`,
        ]),
      );

      for (const table of ["iac-ci-dev-orders", "iac-ci-dev-order-events", "iac-ci-dev-orchestrator-locks"]) {
        const ttl = await dynamo.send(new DescribeTimeToLiveCommand({ TableName: table }));
        expect(ttl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: "ENABLED", AttributeName: "ttl" });
      }
      const events = await dynamo.send(new DescribeTableCommand({ TableName: "iac-ci-dev-order-events" }));
      expect(events.Table?.GlobalSecondaryIndexes?.[0]).toMatchObject({
        IndexName: "order_name_index",
        Projection: { ProjectionType: "ALL" },
      });

      const buckets = (await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name ?? "") ?? [];
      const internal = buckets.find((b) => /^iac-ci-dev-internal-[0-9a-f]{5}$/.test(b));
      const done = buckets.find((b) => /^iac-ci-dev-done-[0-9a-f]{5}$/.test(b));
      expect(internal).toBeDefined();
      expect(done).toBeDefined();
      for (const bucket of [internal, done]) {
        const lifecycle = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
        expect(lifecycle.Rules?.[0]).toMatchObject({ Status: "Enabled", Expiration: { Days: 1 } });
      }
      const notification = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: internal }));
      const target = notification.LambdaFunctionConfigurations?.[0];
      expect(target?.LambdaFunctionArn).toMatch(/:function:iac-ci-dev-orchestrator$/);
      expect(target?.Events).toEqual(["s3:ObjectCreated:*"]);
      expect(target?.Filter?.Key?.FilterRules).toEqual(
        expect.arrayContaining([
          { Name: expect.stringMatching(/^prefix$/i), Value: "tmp/callbacks/runs/" },
          { Name: expect.stringMatching(/^suffix$/i), Value: "result.json" },
        ]),
      );

      const images = new Set<string>();
      for (const fn of Object.values(FUNCTIONS)) {
        const name = `iac-ci-dev-${fn.id.replace(/_/g, "-")}`;
        const got = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
        expect(got.Configuration?.PackageType).toBe("Image");
        expect(got.Configuration?.ImageConfigResponse?.ImageConfig?.Command).toEqual([fn.command]);
        // Exactly the variables its code reads (the contract), as deployed.
        expect(Object.keys(got.Configuration?.Environment?.Variables ?? {}).sort()).toEqual([...fn.env].sort());
        images.add(got.Code?.ImageUri ?? "");
      }
      expect([...images]).toEqual([
        expect.stringMatching(/^\d{12}\.dkr\.ecr\.us-east-1\.amazonaws\.com\/iac-ci-dev:latest$/),
      ]);

      const machines = await sfn.send(new ListStateMachinesCommand({}));
      const watchdog = machines.stateMachines?.find((m) => m.name === "iac-ci-dev-watchdog");
      const described = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: watchdog?.stateMachineArn }));
      expect(Object.keys(JSON.parse(described.definition ?? "{}").States).sort()).toEqual([
        "CheckResult",
        "IsDone",
        "Succeed",
        "WaitStep",
      ]);

      const api = (await apis.send(new GetApisCommand({}))).Items?.find((a) => a.Name === "iac-ci-dev-api");
      const routes = await apis.send(new GetRoutesCommand({ ApiId: api?.ApiId }));
      expect(routes.Items?.map((r) => r.RouteKey).sort()).toEqual(["GET /orders/{id}", "POST /webhook"]);

      const projects = await codebuild.send(new BatchGetProjectsCommand({ names: ["iac-ci-dev-runner"] }));
      expect(projects.projects?.[0]?.environment).toMatchObject({
        type: "LINUX_CONTAINER",
        computeType: "BUILD_GENERAL1_SMALL",
        privilegedMode: false,
      });

      const secret = await ssm.send(
        new GetParameterCommand({ Name: "/iac-ci/dev/webhook-secret", WithDecryption: true }),
      );
      expect(secret.Parameter?.Type).toBe("SecureString");
      expect(secret.Parameter?.Value).toHaveLength(48);
    });

    test("a second Terraform on 02-deploy fails on the state lock, changes nothing, and succeeds after release", async () => {
      const env = envFor("dev");
      const dir = stackDir("dev", "02-deploy");
      const lockId = `${STATE_BUCKET}/iac-ci/dev/02-deploy.tfstate`;
      const before = await s3.send(
        new HeadObjectCommand({ Bucket: STATE_BUCKET, Key: "iac-ci/dev/02-deploy.tfstate" }),
      );

      // `terraform console` holds the state lock for as long as it runs.
      const holder = startProcess("terraform", [`-chdir=${dir}`, "console"], env);
      try {
        await waitFor("the lock holder's lock item", async () => {
          const items = (await dynamo.send(new ScanCommand({ TableName: LOCK_TABLE }))).Items ?? [];
          return items.some((i) => i.LockID?.S === lockId) || undefined;
        });
        const blocked = await terraform(
          dir,
          ["apply", "-auto-approve", "-input=false", "-lock-timeout=0s", "-var", "image_tag=blocked"],
          env,
        );
        expect(blocked.status).not.toBe(0);
        expect(blocked.output).toContain("Error acquiring the state lock");
        expect(blocked.output).toContain("ConditionalCheckFailedException");
      } finally {
        holder.child.stdin.end("exit\n");
        await holder.exited;
      }
      const after = await s3.send(new HeadObjectCommand({ Bucket: STATE_BUCKET, Key: "iac-ci/dev/02-deploy.tfstate" }));
      expect(after.ETag).toBe(before.ETag);
      const fn = await lambda.send(new GetFunctionCommand({ FunctionName: "iac-ci-dev-worker" }));
      expect(fn.Code?.ImageUri).toMatch(/:latest$/);

      const items = (await dynamo.send(new ScanCommand({ TableName: LOCK_TABLE }))).Items ?? [];
      expect(items.some((i) => i.LockID?.S === lockId)).toBe(false);
      expect(
        (await terraform(dir, ["plan", "-detailed-exitcode", "-input=false", "-lock-timeout=0s"], env)).status,
      ).toBe(0);
    });

    describe("roles made by hand in stage", () => {
      test("without adoption the deploy fails with AWS's EntityAlreadyExists", async () => {
        const result = await stage.withoutAdoption;
        expect(result.status).not.toBe(0);
        expect(result.output).toMatch(/EntityAlreadyExists/);
        expect(result.output).toMatch(/iac-ci-stage-(worker|watchdog)-role/);
      });

      test("`terraform import` on the synthesized stack adopts a role by hand", async () => {
        const result = expectOk(await stage.imported, "terraform import");
        expect(result.output).toContain("Import successful!");
      });

      test("with PLATFORM_ADOPT_ROLES the deploy imports them, and the next plan is clean", async () => {
        expectOk(await stage.adopted, "cdktf deploy 02-deploy (stage, adopting roles)");
        const state = expectOk(
          await terraform(stackDir("stage", "02-deploy"), ["state", "list"], envFor("stage", adopt)),
          "state list",
        );
        expect(state.output).toMatch(/aws_iam_role\.worker_Role_\w+/);
        expect(state.output).toMatch(/aws_iam_role\.Watchdog_Role_\w+/);
        // stage re-plans clean, and dev is untouched by it: both environments live side by side.
        await allSettled([expectCleanPlan("stage", "02-deploy", adopt), expectCleanPlan("dev", "02-deploy")]);
        for (const RoleName of handMade) {
          const role = await iam.send(new GetRoleCommand({ RoleName }));
          // The code's definition, no longer the hand-made one.
          expect(role.Role?.Description).toBe("Managed by CDK for Terraform");
        }
        expect(await stateObjectExists("iac-ci/stage/02-deploy.tfstate")).toBe(true);
      });

      test("rollback of an adoption: `terraform state rm` releases a role without deleting it", async () => {
        const dir = stackDir("stage", "02-deploy");
        const env = envFor("stage");
        const address = roleAddress(importedByHand);
        expectOk(await terraform(dir, ["state", "rm", "-lock-timeout=60s", address], env), "terraform state rm");
        expect((await iam.send(new GetRoleCommand({ RoleName: importedByHand }))).Role).toBeDefined();
        // Take it back so the environment can be destroyed cleanly.
        expectOk(
          await terraform(dir, ["import", "-input=false", "-lock-timeout=60s", address, importedByHand], env),
          "terraform import (re-adopt)",
        );
      });
    });
  });

  test("destroy in reverse order leaves nothing managed; the state bucket refuses while it holds state", async () => {
    // Each environment in reverse order (02-deploy, then 01-ecr); the two environments at once.
    await allSettled(
      ["stage", "dev"].map(async (environment) => {
        for (const stack of ["02-deploy", "01-ecr"]) {
          expectOk(await destroy(environment, stack), `cdktf destroy ${stack} (${environment})`);
        }
      }),
    );
    expect((await lambda.send(new ListFunctionsCommand({}))).Functions ?? []).toEqual([]);
    expect((await sfn.send(new ListStateMachinesCommand({}))).stateMachines ?? []).toEqual([]);
    expect((await apis.send(new GetApisCommand({}))).Items ?? []).toEqual([]);
    expect((await codebuild.send(new ListProjectsCommand({}))).projects ?? []).toEqual([]);
    expect((await ecr.send(new DescribeRepositoriesCommand({}))).repositories ?? []).toEqual([]);
    expect((await dynamo.send(new ListTablesCommand({}))).TableNames).toEqual([LOCK_TABLE]);
    const roles = (await iam.send(new ListRolesCommand({}))).Roles?.map((r) => r.RoleName) ?? [];
    // Only 00-bootstrap's GitHub roles (a plan and a deploy role per system) remain until the store itself goes.
    expect(roles.filter((r) => !/^iac-ci-github-(deploy|plan)-[a-z-]+$/.test(r ?? ""))).toEqual([]);
    expect(roles.length).toBe(10);
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual([STATE_BUCKET]);

    const refused = await destroy("dev", "00-bootstrap");
    expect(refused.status).not.toBe(0);
    expect(refused.output).toContain("BucketNotEmpty");

    // Only once its state is gone (all versions) does the store go.
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: STATE_BUCKET }));
    const objects = [...(versions.Versions ?? []), ...(versions.DeleteMarkers ?? [])].map((v) => ({
      Key: v.Key,
      VersionId: v.VersionId,
    }));
    expect(objects.length).toBeGreaterThan(0);
    await s3.send(new DeleteObjectsCommand({ Bucket: STATE_BUCKET, Delete: { Objects: objects } }));
    expectOk(await destroy("dev", "00-bootstrap"), "cdktf destroy 00-bootstrap (after emptying)");
    expect((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).toEqual([]);
    expect((await dynamo.send(new ListTablesCommand({}))).TableNames).toEqual([]);
    expect((await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? []).toEqual([]);
    expect((await iam.send(new ListRolesCommand({}))).Roles ?? []).toEqual([]);
  });
});
