import { Role } from "../../constructs/iam";
import { Table } from "../../constructs/table";
import { newStack, statementsOf } from "../support/constructs";
import { type Json, toJson } from "../support/synth";

describe("Table", () => {
  test("declares each key attribute once and grants table + indexes", () => {
    const stack = newStack();
    const table = new Table(stack, "T", {
      tableName: "things",
      partitionKey: { name: "pk", type: "S" },
      sortKey: { name: "sk", type: "S" },
      ttlAttribute: "ttl",
      globalSecondaryIndexes: [{ indexName: "by_pk", partitionKey: { name: "pk", type: "S" } }],
    });
    const role = new Role(stack, "R", { roleName: "r", assumedBy: { service: "lambda.amazonaws.com" } });
    table.grantReadData(role);
    const json = toJson(stack);
    const body = Object.values(json.resource.aws_dynamodb_table)[0];
    expect(body.attribute).toEqual([
      { name: "pk", type: "S" },
      { name: "sk", type: "S" },
    ]);
    const [statement] = statementsOf(json, "R_PolicyDocument");
    expect(statement.actions).not.toContain("dynamodb:PutItem");
    expect(statement.resources).toEqual([
      expect.stringMatching(/\.arn\}$/),
      expect.stringMatching(/\.arn\}\/index\/\*$/),
    ]);
  });

  test("refuses one attribute with two types", () => {
    expect(
      () =>
        new Table(newStack(), "T", {
          tableName: "things",
          partitionKey: { name: "pk", type: "S" },
          globalSecondaryIndexes: [{ indexName: "i", partitionKey: { name: "pk", type: "N" } }],
        }),
    ).toThrow(/attribute "pk" is declared as both S and N/);
  });

  test("protect: deletion protection and prevent_destroy; off by default", () => {
    const stack = newStack();
    const key = { name: "pk", type: "S" as const };
    new Table(stack, "Kept", { tableName: "kept", partitionKey: key, protect: true });
    new Table(stack, "Plain", { tableName: "plain", partitionKey: key });
    new Table(stack, "Guarded", { tableName: "guarded", partitionKey: key, deletionProtection: true });
    const tables = Object.values<Json>(toJson(stack).resource.aws_dynamodb_table).map((t) => [
      t.name,
      t.deletion_protection_enabled,
      t.lifecycle,
    ]);
    expect(tables).toEqual([
      ["guarded", true, undefined],
      ["kept", true, { prevent_destroy: true }],
      ["plain", false, undefined],
    ]);
    expect(
      () =>
        new Table(newStack(), "T", { tableName: "t1", partitionKey: key, protect: true, deletionProtection: false }),
    ).toThrow(/protect turns deletion protection on/);
  });
});
