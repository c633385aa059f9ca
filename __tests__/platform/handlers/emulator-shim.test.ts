import { randomBytes } from "node:crypto";
import {
  BatchGetProjectsCommand,
  CodeBuildClient,
  CreateProjectCommand,
  DeleteProjectCommand,
} from "@aws-sdk/client-codebuild";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateFunctionCommand, GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { CreateBucketCommand, GetBucketTaggingCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateStateMachineCommand,
  ListStateMachineVersionsCommand,
  SFNClient,
  ValidateStateMachineDefinitionCommand,
} from "@aws-sdk/client-sfn";
import { emulatorClientConfig } from "../../support/aws";

// What scripts/moto_server.py adds to moto 5.2.5 (docs/emulator.md). Each of these fails on
// plain moto, and each gap made a real `terraform apply` hang, fail or never re-plan clean.
const config = emulatorClientConfig();
const suffix = () => randomBytes(4).toString("hex");
const ACCOUNT = "123456789012";

async function makeRole(service: string): Promise<string> {
  const iam = new IAMClient(config);
  const role = await iam.send(
    new CreateRoleCommand({
      RoleName: `shim-${suffix()}`,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
      }),
    }),
  );
  return role.Role?.Arn ?? "";
}

describe("the moto shim", () => {
  test("CreateBucket keeps the tags sent with it; a bucket created without tags has none", async () => {
    const s3 = new S3Client(config);
    const tagged = `shim-tagged-${suffix()}`;
    await s3.send(
      new CreateBucketCommand({
        Bucket: tagged,
        CreateBucketConfiguration: {
          Tags: [
            { Key: "environment", Value: "dev" },
            { Key: "empty", Value: "" },
          ],
        },
      }),
    );
    expect((await s3.send(new GetBucketTaggingCommand({ Bucket: tagged }))).TagSet).toEqual([
      { Key: "environment", Value: "dev" },
      { Key: "empty", Value: "" },
    ]);

    const plain = `shim-plain-${suffix()}`;
    await s3.send(new CreateBucketCommand({ Bucket: plain }));
    await expect(s3.send(new GetBucketTaggingCommand({ Bucket: plain }))).rejects.toMatchObject({
      name: "NoSuchTagSet",
    });
  });

  test("ValidateStateMachineDefinition answers OK, or FAIL naming the broken transition", async () => {
    const sfn = new SFNClient(config);
    const good = { StartAt: "A", States: { A: { Type: "Pass", Next: "B" }, B: { Type: "Succeed" } } };
    const ok = await sfn.send(new ValidateStateMachineDefinitionCommand({ definition: JSON.stringify(good) }));
    expect(ok.result).toBe("OK");
    expect(ok.diagnostics).toEqual([]);

    const broken = { StartAt: "A", States: { A: { Type: "Pass", Next: "Nowhere" } } };
    const fail = await sfn.send(new ValidateStateMachineDefinitionCommand({ definition: JSON.stringify(broken) }));
    expect(fail.result).toBe("FAIL");
    expect(fail.diagnostics?.[0]?.message).toContain("'Nowhere'");

    const notJson = await sfn.send(new ValidateStateMachineDefinitionCommand({ definition: "{" }));
    expect(notJson.result).toBe("FAIL");
    expect(notJson.diagnostics?.[0]?.code).toBe("INVALID_JSON_DESCRIPTION");
  });

  test("ListStateMachineVersions lists the published versions, newest first", async () => {
    const sfn = new SFNClient(config);
    const machine = await sfn.send(
      new CreateStateMachineCommand({
        name: `shim-${suffix()}`,
        roleArn: await makeRole("states.amazonaws.com"),
        definition: JSON.stringify({ StartAt: "Done", States: { Done: { Type: "Succeed" } } }),
        publish: true,
      }),
    );
    const versions = await sfn.send(new ListStateMachineVersionsCommand({ stateMachineArn: machine.stateMachineArn }));
    expect(versions.stateMachineVersions?.map((v) => v.stateMachineVersionArn)).toEqual([
      `${machine.stateMachineArn}:1`,
    ]);
  });

  test("Lambda keeps DeadLetterConfig and LoggingConfig as sent", async () => {
    const lambda = new LambdaClient(config);
    const name = `shim-${suffix()}`;
    const dlq = `arn:aws:sqs:us-east-1:${ACCOUNT}:shim-dlq`;
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Role: await makeRole("lambda.amazonaws.com"),
        PackageType: "Image",
        Code: { ImageUri: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/shim:latest` },
        DeadLetterConfig: { TargetArn: dlq },
        LoggingConfig: { LogFormat: "JSON", LogGroup: `/aws/lambda/${name}` },
      }),
    );
    const got = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    expect(got.DeadLetterConfig).toEqual({ TargetArn: dlq });
    expect(got.LoggingConfig).toMatchObject({ LogFormat: "JSON", LogGroup: `/aws/lambda/${name}` });
  });

  test("CodeBuild creates a NO_SOURCE project without a location and deletes it by ARN", async () => {
    const codebuild = new CodeBuildClient(config);
    const name = `shim-${suffix()}`;
    const created = await codebuild.send(
      new CreateProjectCommand({
        name,
        source: { type: "NO_SOURCE", buildspec: "version: 0.2\nphases:\n  build:\n    commands: [echo ok]\n" },
        artifacts: { type: "NO_ARTIFACTS" },
        environment: {
          type: "LINUX_CONTAINER",
          image: "aws/codebuild/standard:7.0",
          computeType: "BUILD_GENERAL1_SMALL",
        },
        serviceRole: await makeRole("codebuild.amazonaws.com"),
      }),
    );
    const arn = created.project?.arn ?? "";
    expect(arn).toMatch(new RegExp(`:project/${name}$`));
    await codebuild.send(new DeleteProjectCommand({ name: arn }));
    const after = await codebuild.send(new BatchGetProjectsCommand({ names: [name] }));
    expect(after.projects ?? []).toEqual([]);
  });
});
