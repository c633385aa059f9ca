import { randomBytes } from "node:crypto";
import {
  APIGatewayClient,
  CreateRestApiCommand,
  GetAccountCommand,
  GetIntegrationCommand,
  GetResourcesCommand,
  PutRestApiCommand,
  UpdateAccountCommand,
} from "@aws-sdk/client-api-gateway";
import {
  BatchGetProjectsCommand,
  CodeBuildClient,
  CreateProjectCommand,
  DeleteProjectCommand,
} from "@aws-sdk/client-codebuild";
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateFunctionCommand, GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import {
  CreateBucketCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketTaggingCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListExecutionsCommand,
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

  test("DynamoDB: a transaction cancelled by its condition never erases what other clients wrote meanwhile", async () => {
    // Plain moto snapshots every table a transaction touches (the big one takes a while) and
    // restores the snapshots on a failed condition: PutItems to the small table landing in
    // between were erased (most rounds lost some). AWS isolates transactions (serializable).
    const ddb = new DynamoDBClient(config);
    const [small, big] = [`shim-small-${suffix()}`, `shim-big-${suffix()}`];
    for (const TableName of [small, big]) {
      await ddb.send(
        new CreateTableCommand({
          TableName,
          BillingMode: "PAY_PER_REQUEST",
          AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
        }),
      );
    }
    for (let batch = 0; batch < 120; batch++) {
      await ddb.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [big]: Array.from({ length: 25 }, (_, i) => ({
              PutRequest: { Item: { pk: { S: `filler-${batch}-${i}` }, pad: { S: "x".repeat(100) } } },
            })),
          },
        }),
      );
    }
    const cancelledTransaction = () =>
      expect(
        ddb.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              {
                ConditionCheck: {
                  TableName: small,
                  Key: { pk: { S: "never-there" } },
                  ConditionExpression: "attribute_exists(pk)",
                },
              },
              {
                ConditionCheck: {
                  TableName: big,
                  Key: { pk: { S: "filler-0-0" } },
                  ConditionExpression: "attribute_exists(pk)",
                },
              },
            ],
          }),
        ),
      ).rejects.toMatchObject({ name: "TransactionCanceledException" });
    const lost: string[] = [];
    for (let round = 0; round < 3; round++) {
      const writes = Array.from({ length: 40 }, (_, i) => `write-${round}-${i}`);
      await Promise.all([
        ...Array.from({ length: 40 }, cancelledTransaction),
        ...[0, 1, 2, 3].map(async (lane) => {
          for (const pk of writes.filter((_, i) => i % 4 === lane)) {
            await ddb.send(new PutItemCommand({ TableName: small, Item: { pk: { S: pk } } }));
          }
        }),
      ]);
      for (const pk of writes) {
        const got = await ddb.send(
          new GetItemCommand({ TableName: small, Key: { pk: { S: pk } }, ConsistentRead: true }),
        );
        if (!got.Item) lost.push(pk);
      }
    }
    expect(lost).toEqual([]);
  }, 120_000);

  test("API Gateway imports an OpenAPI body whose CORS preflight is a MOCK integration (no uri, no httpMethod)", async () => {
    const apigw = new APIGatewayClient(config);
    const api = await apigw.send(new CreateRestApiCommand({ name: `shim-${suffix()}` }));
    const body = {
      openapi: "3.0.1",
      info: { title: "shim", version: "1", description: "mock preflight" },
      paths: {
        "/files": {
          options: {
            responses: { "200": { description: "preflight" } },
            "x-amazon-apigateway-integration": {
              type: "mock",
              requestTemplates: { "application/json": '{"statusCode": 200}' },
              responses: {
                default: {
                  statusCode: "200",
                  responseParameters: {
                    "method.response.header.Access-Control-Allow-Origin": "'https://app.example.com'",
                  },
                },
              },
            },
          },
        },
      },
    };
    await apigw.send(
      new PutRestApiCommand({
        restApiId: api.id,
        mode: "overwrite",
        body: new TextEncoder().encode(JSON.stringify(body)),
      }),
    );
    const resources = await apigw.send(new GetResourcesCommand({ restApiId: api.id }));
    const files = resources.items?.find((r) => r.path === "/files");
    const integration = await apigw.send(
      new GetIntegrationCommand({ restApiId: api.id, resourceId: files?.id, httpMethod: "OPTIONS" }),
    );
    expect(integration.type).toBe("MOCK");
    expect(integration.integrationResponses?.["200"]?.responseParameters).toEqual({
      "method.response.header.Access-Control-Allow-Origin": "'https://app.example.com'",
    });
  });

  test("ECR: an IMMUTABLE repository refuses another image under a used tag with ImageTagAlreadyExistsException", async () => {
    const ecr = new ECRClient(config);
    const repositoryName = `shim-${suffix()}`;
    await ecr.send(new CreateRepositoryCommand({ repositoryName, imageTagMutability: "IMMUTABLE" }));
    const manifest = (digit: string) =>
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.docker.distribution.manifest.v2+json",
        config: {
          mediaType: "application/vnd.docker.container.image.v1+json",
          size: 1,
          digest: `sha256:${digit.repeat(64)}`,
        },
        layers: [],
      });
    await ecr.send(new PutImageCommand({ repositoryName, imageTag: "v1", imageManifest: manifest("a") }));
    await expect(
      ecr.send(new PutImageCommand({ repositoryName, imageTag: "v1", imageManifest: manifest("b") })),
    ).rejects.toMatchObject({
      name: "ImageTagAlreadyExistsException",
      message: `The image tag 'v1' already exists in the '${repositoryName}' repository and cannot be overwritten because the repository is immutable.`,
    });
    // The very same image under the same tag again is AWS's (and moto's) ImageAlreadyExistsException.
    await expect(
      ecr.send(new PutImageCommand({ repositoryName, imageTag: "v1", imageManifest: manifest("a") })),
    ).rejects.toMatchObject({ name: "ImageAlreadyExistsException" });
    // A new tag is a new image: accepted.
    await ecr.send(new PutImageCommand({ repositoryName, imageTag: "v2", imageManifest: manifest("b") }));
  });

  test("S3 answers a bucket's EventBridge notification setting once it is on", async () => {
    const s3 = new S3Client(config);
    const Bucket = `shim-events-${suffix()}`;
    await s3.send(new CreateBucketCommand({ Bucket }));
    expect(
      (await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket }))).EventBridgeConfiguration,
    ).toBeUndefined();
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket,
        NotificationConfiguration: { EventBridgeConfiguration: {} },
      }),
    );
    const after = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket }));
    expect(after.EventBridgeConfiguration).toEqual({});
    expect(after.LambdaFunctionConfigurations ?? []).toEqual([]);
  });

  test("EventBridge starts a state machine target per matching S3 event, with the InputTransformer applied; schedules match no event", async () => {
    const s3 = new S3Client(config);
    const sfn = new SFNClient(config);
    const events = new EventBridgeClient(config);
    const Bucket = `shim-uploads-${suffix()}`;
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket,
        NotificationConfiguration: { EventBridgeConfiguration: {} },
      }),
    );
    const machine = await sfn.send(
      new CreateStateMachineCommand({
        name: `shim-${suffix()}`,
        definition: JSON.stringify({ StartAt: "Done", States: { Done: { Type: "Succeed" } } }),
        roleArn: await makeRole("states.amazonaws.com"),
      }),
    );
    // A scheduled rule created first, with a Lambda target moto cannot invoke: it must neither
    // match S3 events nor stop their delivery to the rules after it.
    const scheduled = `shim-schedule-${suffix()}`;
    await events.send(new PutRuleCommand({ Name: scheduled, ScheduleExpression: "rate(1 day)" }));
    await events.send(
      new PutTargetsCommand({
        Rule: scheduled,
        Targets: [{ Id: "tick", Arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:shim-tick` }],
      }),
    );
    const Name = `shim-rule-${suffix()}`;
    await events.send(
      new PutRuleCommand({
        Name,
        EventPattern: JSON.stringify({
          source: ["aws.s3"],
          "detail-type": ["Object Created"],
          detail: { bucket: { name: [Bucket] }, object: { key: [{ prefix: "uploads/" }] } },
        }),
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: Name,
        Targets: [
          {
            Id: "machine",
            Arn: machine.stateMachineArn,
            RoleArn: await makeRole("events.amazonaws.com"),
            InputTransformer: {
              InputPathsMap: { key: "$.detail.object.key", size: "$.detail.object.size", time: "$.time" },
              InputTemplate: '{"key": <key>, "size": <size>, "eventTime": <time>, "note": "key <key>"}',
            },
          },
        ],
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket, Key: "uploads/a.csv", Body: "abc" }));
    await s3.send(new PutObjectCommand({ Bucket, Key: "processed/b.parquet", Body: "x" }));
    const runs =
      (await sfn.send(new ListExecutionsCommand({ stateMachineArn: machine.stateMachineArn }))).executions ?? [];
    expect(runs).toHaveLength(1);
    const input = JSON.parse(
      (await sfn.send(new DescribeExecutionCommand({ executionArn: runs[0].executionArn }))).input ?? "",
    );
    expect(input).toEqual({
      key: "uploads/a.csv",
      size: 3,
      eventTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
      note: 'key "uploads/a.csv"',
    });
  });

  test("API Gateway UpdateAccount clears the CloudWatch role when the replace carries no value", async () => {
    const apigw = new APIGatewayClient(config);
    const role = await makeRole("apigateway.amazonaws.com");
    await apigw.send(
      new UpdateAccountCommand({ patchOperations: [{ op: "replace", path: "/cloudwatchRoleArn", value: role }] }),
    );
    expect((await apigw.send(new GetAccountCommand({}))).cloudwatchRoleArn).toBe(role);
    await apigw.send(new UpdateAccountCommand({ patchOperations: [{ op: "replace", path: "/cloudwatchRoleArn" }] }));
    expect((await apigw.send(new GetAccountCommand({}))).cloudwatchRoleArn).toBeUndefined();
  });
});
