import { TerraformVariable } from "cdktf";
import { Bucket } from "../../constructs/bucket";
import { Role } from "../../constructs/iam";
import { newStack, statementsOf } from "../support/constructs";
import { toJson } from "../support/synth";

describe("Bucket", () => {
  test("refuses an invalid literal name and a prefix without a trailing slash", () => {
    expect(() => new Bucket(newStack(), "B", { bucketName: "Bad_Name" })).toThrow(/bucket name "Bad_Name"/);
    const stack = newStack();
    const bucket = new Bucket(stack, "B", { bucketName: "good-name" });
    const role = new Role(stack, "R", { roleName: "r", assumedBy: { service: "lambda.amazonaws.com" } });
    expect(() => bucket.grantRead(role, "tmp")).toThrow(/prefix "tmp" must end with "\/"/);
  });

  test("is private and TLS-only by default, kept on destroy, without expiry unless asked", () => {
    const stack = newStack();
    new Bucket(stack, "B", { bucketName: "good-name" });
    const json = toJson(stack);
    expect(Object.values(json.resource.aws_s3_bucket)[0].force_destroy).toBe(false);
    expect(json.resource.aws_s3_bucket_public_access_block).toBeDefined();
    expect(json.resource.aws_s3_bucket_policy).toBeDefined();
    expect(json.resource.aws_s3_bucket_lifecycle_configuration).toBeUndefined();
  });

  test("prefix grants scope object ARNs to the prefix", () => {
    const stack = newStack();
    const bucket = new Bucket(stack, "B", { bucketName: "good-name" });
    const role = new Role(stack, "R", { roleName: "r", assumedBy: { service: "lambda.amazonaws.com" } });
    bucket.grantWrite(role, "tmp/exec/");
    const [statement] = statementsOf(toJson(stack), "R_PolicyDocument");
    expect(statement).toMatchObject({
      actions: ["s3:PutObject"],
      resources: [expect.stringMatching(/\.arn\}\/tmp\/exec\/\*$/)],
    });
  });

  test("browser CORS and EventBridge notifications on request; EventBridge takes the bucket's one notification", () => {
    const stack = newStack();
    const bucket = new Bucket(stack, "B", {
      bucketName: "good-name",
      eventBridge: true,
      cors: [{ allowedOrigins: ["https://app.example.com"], allowedMethods: ["GET", "PUT"] }],
    });
    const json = toJson(stack);
    expect(Object.values(json.resource.aws_s3_bucket_notification)[0]).toMatchObject({ eventbridge: true });
    expect(Object.values(json.resource.aws_s3_bucket_cors_configuration)[0].cors_rule).toEqual([
      {
        allowed_origins: ["https://app.example.com"],
        allowed_methods: ["GET", "PUT"],
        allowed_headers: ["*"],
        expose_headers: ["ETag"],
        max_age_seconds: 3000,
      },
    ]);
    const fnStack = newStack();
    const plain = new Bucket(fnStack, "P", { bucketName: "plain-name" });
    expect(toJson(fnStack).resource.aws_s3_bucket_notification).toBeUndefined();
    expect(toJson(fnStack).resource.aws_s3_bucket_cors_configuration).toBeUndefined();
    void plain;
    void bucket;
  });

  test("prefixes may be Terraform variables: grants scope to them, statement ids name the variable; delete needs a prefix", () => {
    const stack = newStack();
    const prefix = new TerraformVariable(stack, "upload_prefix", { type: "string", default: "uploads/" });
    const bucket = new Bucket(stack, "B", { bucketName: "good-name" });
    const role = new Role(stack, "R", { roleName: "r", assumedBy: { service: "lambda.amazonaws.com" } });
    bucket.grantDelete(role, prefix.stringValue);
    bucket.grantList(role, prefix.stringValue);
    expect(() => bucket.grantDelete(role, "")).toThrow(/grantDelete needs a prefix/);
    const statements = statementsOf(toJson(stack), "R_PolicyDocument");
    expect(statements.map((s) => [s.sid, s.actions, s.resources])).toEqual([
      ["DeleteBVarUploadPrefix", ["s3:DeleteObject"], [expect.stringMatching(/\.arn\}\/\$\{var\.upload_prefix\}\*$/)]],
      ["ListBVarUploadPrefix", ["s3:ListBucket"], [expect.stringMatching(/aws_s3_bucket\.B_\w+\.arn/)]],
    ]);
    expect(statements[1].condition[0].values).toEqual(["${var.upload_prefix}*"]);
  });

  test("protect: prevent_destroy on the bucket (not with forceDestroy); off by default", () => {
    const stack = newStack();
    new Bucket(stack, "Kept", { bucketName: "kept-data", protect: true });
    new Bucket(stack, "Plain", { bucketName: "plain-data" });
    const buckets = Object.values(toJson(stack).resource.aws_s3_bucket).map((b) => [b.bucket, b.lifecycle]);
    expect(buckets).toEqual([
      ["kept-data", { prevent_destroy: true }],
      ["plain-data", undefined],
    ]);
    expect(() => new Bucket(newStack(), "B", { bucketName: "b-data", protect: true, forceDestroy: true })).toThrow(
      /a protected bucket cannot also be force-destroyed/,
    );
  });
});
