import { synthPlatform } from "../../support/synth";

describe("00-bootstrap's state store under PLATFORM_PROTECT_DATA", () => {
  const lifecycleOf = (env: Record<string, string>) => {
    const { bootstrap } = synthPlatform(env);
    const [bucket] = Object.values(bootstrap.resource.aws_s3_bucket);
    const [table] = Object.values(bootstrap.resource.aws_dynamodb_table);
    return {
      bucket: bucket.lifecycle?.prevent_destroy,
      table: table.lifecycle?.prevent_destroy,
      deletion: table.deletion_protection_enabled,
    };
  };

  test("on: the state bucket and the lock table cannot be destroyed, and the table has deletion protection", () => {
    expect(lifecycleOf({ PLATFORM_PROTECT_DATA: "true" })).toEqual({ bucket: true, table: true, deletion: true });
    expect(lifecycleOf({ PLATFORM_ENV: "prod" })).toEqual({ bucket: true, table: true, deletion: true });
  });

  test("off (dev's default): destroy works", () => {
    const off = lifecycleOf({});
    expect(off.bucket).toBeFalsy();
    expect(off.table).toBeFalsy();
  });
});
