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
});
