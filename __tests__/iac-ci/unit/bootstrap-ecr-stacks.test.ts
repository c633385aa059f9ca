import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { findResource, resourcesOf, synthPlatform } from "../../support/synth";

const { bootstrap, ecr, deploy } = synthPlatform();

describe("00-bootstrap", () => {
  test("keeps local state (no remote backend) outside the regenerated output", () => {
    expect(bootstrap.terraform.backend).toEqual({ local: { path: "../../../terraform.00-bootstrap.tfstate" } });
    expect(bootstrap.raw).not.toContain('"s3": {');
  });

  test("state bucket: versioned, encrypted, all public access blocked, never force-destroyed", () => {
    expect(bootstrap.raw).toHaveResourceWithProperties(S3Bucket, { bucket: "iac-ci-tfstate", force_destroy: false });
    expect(bootstrap.raw).toHaveResourceWithProperties(S3BucketVersioningA, {
      versioning_configuration: { status: "Enabled" },
    });
    const sse = findResource(bootstrap, "aws_s3_bucket_server_side_encryption_configuration", () => true);
    expect(sse.rule[0].apply_server_side_encryption_by_default.sse_algorithm).toBe("AES256");
    expect(findResource(bootstrap, "aws_s3_bucket_public_access_block", () => true)).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });

  test("state bucket policy denies every request that is not TLS", () => {
    const document = Object.values(bootstrap.data.aws_iam_policy_document)[0];
    expect(document.statement).toEqual([
      expect.objectContaining({
        effect: "Deny",
        actions: ["s3:*"],
        principals: [{ type: "*", identifiers: ["*"] }],
        condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
      }),
    ]);
    expect(resourcesOf(bootstrap, "aws_s3_bucket_policy")).toHaveLength(1);
  });

  test("lock table: LockID string hash key, on-demand, point-in-time recovery", () => {
    expect(bootstrap.raw).toHaveResourceWithProperties(DynamodbTable, {
      name: "iac-ci-tf-locks",
      hash_key: "LockID",
      attribute: [{ name: "LockID", type: "S" }],
      billing_mode: "PAY_PER_REQUEST",
      point_in_time_recovery: { enabled: true },
    });
  });

  test("outputs the bucket name and ARN and the lock table name", () => {
    expect(Object.keys(bootstrap.output).sort()).toEqual(["bucket_arn", "bucket_name", "lock_table_name"]);
  });
});

describe("01-ecr", () => {
  test("repository: scan on push, MUTABLE tags for :latest, encrypted", () => {
    expect(ecr.raw).toHaveResourceWithProperties(EcrRepository, {
      name: "iac-ci-dev",
      image_tag_mutability: "MUTABLE",
      image_scanning_configuration: { scan_on_push: true },
    });
  });

  test("lifecycle policy keeps the last 10 images", () => {
    const policy = JSON.parse(findResource(ecr, "aws_ecr_lifecycle_policy", () => true).policy);
    expect(policy.rules).toEqual([
      expect.objectContaining({
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 10 },
        action: { type: "expire" },
      }),
    ]);
  });

  test("outputs the repository URL and ARN", () => {
    expect(Object.keys(ecr.output).sort()).toEqual(["ecr_repo_arn", "ecr_repo_url"]);
  });

  test("aws_region (default: the platform's region) is the provider's region, as in 02-deploy", () => {
    for (const stack of [ecr, deploy]) {
      expect(stack.variable.aws_region).toMatchObject({ type: "string", default: "us-east-1" });
      expect(stack.variable.aws_region.validation[0].error_message).toBe(
        "aws_region must be an AWS region code such as us-east-1.",
      );
      expect(stack.provider.aws[0].region).toBe("${var.aws_region}");
    }
    // The state stays in the platform's store and region: a backend cannot take a variable.
    expect(ecr.terraform.backend.s3.region).toBe("us-east-1");
  });
});

describe("remote state of 01-ecr and 02-deploy", () => {
  test.each([
    ["01-ecr", ecr],
    ["02-deploy", deploy],
  ])("%s uses the bootstrap bucket and the lock table under its own key", (name, json) => {
    expect(json.terraform.backend.s3).toEqual({
      bucket: "iac-ci-tfstate",
      key: `iac-ci/dev/${name}.tfstate`,
      region: "us-east-1",
      dynamodb_table: "iac-ci-tf-locks",
      encrypt: true,
    });
  });

  test("backend bucket and table are the ones 00-bootstrap creates, from one config", () => {
    const custom = synthPlatform({ PLATFORM_STATE_BUCKET: "acme-tf-state", PLATFORM_LOCK_TABLE: "acme-locks" });
    expect(custom.bootstrap.raw).toHaveResourceWithProperties(S3Bucket, { bucket: "acme-tf-state" });
    expect(custom.bootstrap.raw).toHaveResourceWithProperties(DynamodbTable, { name: "acme-locks" });
    for (const json of [custom.ecr, custom.deploy]) {
      expect(json.terraform.backend.s3).toMatchObject({ bucket: "acme-tf-state", dynamodb_table: "acme-locks" });
    }
  });

  test("provider versions accept the locally built plugins of the same major version", () => {
    for (const json of [bootstrap, ecr, deploy]) {
      expect(json.terraform.required_providers.aws.version).toBe("~> 6.25");
    }
    expect(deploy.terraform.required_providers.random.version).toBe("~> 3.7");
  });
});

describe("the emulator setting", () => {
  const emulated = synthPlatform({ PLATFORM_AWS_ENDPOINT: "http://127.0.0.1:4566" });

  test("points every provider endpoint and the S3 backend at the emulator", () => {
    const provider = emulated.deploy.provider.aws[0];
    expect(provider.s3_use_path_style).toBe(true);
    for (const service of [
      "s3",
      "dynamodb",
      "lambda",
      "iam",
      "sts",
      "sfn",
      "apigatewayv2",
      "codebuild",
      "logs",
      "ssm",
    ]) {
      expect(provider.endpoints[0][service]).toBe("http://127.0.0.1:4566");
    }
    expect(emulated.deploy.terraform.backend.s3).toMatchObject({
      endpoints: { s3: "http://127.0.0.1:4566", dynamodb: "http://127.0.0.1:4566" },
      use_path_style: true,
    });
  });

  test("drops only the TLS-only bucket policies, which moto would turn into deny-all", () => {
    const real = synthPlatform();
    for (const stack of ["bootstrap", "deploy"] as const) {
      const types = (json: typeof real.bootstrap) => Object.keys(json.resource).sort();
      expect(types(emulated[stack]).concat("aws_s3_bucket_policy").sort()).toEqual(types(real[stack]));
      expect(Object.keys(real[stack].resource.aws_s3_bucket_policy)).toHaveLength(
        Object.keys(real[stack].resource.aws_s3_bucket).length,
      );
    }
  });

  test("is absent for real AWS: no endpoints, no skipped checks", () => {
    for (const json of [bootstrap, ecr, deploy]) {
      expect(json.raw).not.toContain("endpoints");
      expect(json.raw).not.toContain("skip_");
      expect(json.raw).not.toContain("127.0.0.1");
    }
  });
});
