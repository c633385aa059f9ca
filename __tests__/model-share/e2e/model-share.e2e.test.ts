// The playground API deployed as `npm start -- model-share` deploys it, driven over HTTP: the
// smoke steps, then what its clients meet when something is wrong (bad input, unknown table or
// user, a lost race, an archived table) and what IAM enforcement makes real on the deployed
// function (its role without dynamodb:PutItem on the table).
import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { GetRolePolicyCommand, IAMClient, ListRolePoliciesCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { LIMITS } from "../../../lambdas/model-share/contract";
import { deploySystem, smokeStepsAsTests } from "../../support/e2e";
import { waitFor } from "../../support/smoke";
import { api, expectBadField, expectStatus, SCORES, STACK, smoke } from "./smoke";

const deployed = deploySystem("model-share");

smokeStepsAsTests(smoke, deployed);

let counter = 0;
/** A table of its own per test (and per run). */
async function freshTable(prefix: string): Promise<string> {
  const tableId = `${prefix}-${Date.now().toString(36)}-${++counter}`;
  expectStatus(await api(deployed.ctx(), "POST", "tables", { tableId }), 201, `POST /tables ${tableId}`);
  return tableId;
}

const token = (key: Record<string, string>) => Buffer.from(JSON.stringify(key)).toString("base64url");

test("GIVEN bad input WHEN a client sends it THEN 400 (413 for an oversized body) names the field, and nothing is written", async () => {
  const ctx = deployed.ctx();
  const tableId = await freshTable("bad-input");
  const other = await freshTable("bad-input-other");
  const user = `tables/${tableId}/users/ada`;
  for (const name of ["x1", "x2", "x3"]) {
    expectStatus(await api(ctx, "PUT", `tables/${other}/users/${name}`, SCORES), 201, `PUT ${other}/${name}`);
  }
  const otherPage = expectStatus(await api(ctx, "GET", `tables/${other}/users?limit=1`), 200, "GET other's users");
  expect(typeof otherPage.nextToken).toBe("string");

  const cases: [string, string, string, unknown, string, number?][] = [
    ["a tableId that starts with a dash", "POST", "tables", { tableId: "-x" }, "tableId"],
    ["a tableId longer than 64", "POST", "tables", { tableId: "t".repeat(65) }, "tableId"],
    ["an unknown field", "POST", "tables", { tableId: "ok-id", owner: "me" }, "owner"],
    ["an empty displayName", "POST", "tables", { tableId: "ok-id", displayName: "  " }, "displayName"],
    ["a body that is not JSON", "POST", "tables", "{nope", "body"],
    ["a JSON array body", "POST", "tables", "[1]", "body"],
    ["no body", "PUT", user, undefined, "body"],
    ["a fractional submissionCount", "PUT", user, { submissionCount: 1.5, totalCount: 1 }, "submissionCount"],
    ["a totalCount over the limit", "PUT", user, { submissionCount: 1, totalCount: LIMITS.maxCount + 1 }, "totalCount"],
    ["a count given as a string", "PUT", user, { submissionCount: "1", totalCount: 1 }, "submissionCount"],
    ["a negative expectedVersion", "PUT", user, { ...SCORES, expectedVersion: -1 }, "expectedVersion"],
    ["a username with a space", "PUT", `tables/${tableId}/users/a%20b`, SCORES, "username"],
    ["a body over 16 KiB", "PUT", user, { ...SCORES, pad: "x".repeat(LIMITS.maxBodyBytes) }, "body", 413],
    ["a PATCH that changes nothing", "PATCH", `tables/${tableId}`, { expectedVersion: 1 }, "body"],
    ["an isArchived that is not a boolean", "PATCH", `tables/${tableId}`, { isArchived: "yes" }, "isArchived"],
    ["limit 0", "GET", "tables?limit=0", undefined, "limit"],
    ["limit over 100", "GET", `tables/${tableId}/users?limit=101`, undefined, "limit"],
    ["a misspelt query parameter", "GET", "tables?limt=5", undefined, "limt"],
    ["archived=maybe", "GET", "tables?archived=maybe", undefined, "archived"],
    ["a nextToken that is not one", "GET", `tables/${tableId}/users?nextToken=not-a-token`, undefined, "nextToken"],
    [
      "another table's nextToken",
      "GET",
      `tables/${tableId}/users?nextToken=${otherPage.nextToken}`,
      undefined,
      "nextToken",
    ],
    ["a users nextToken on GET /tables", "GET", `tables?nextToken=${otherPage.nextToken}`, undefined, "nextToken"],
    [
      "a GET /tables token on the users listing",
      "GET",
      `tables/${tableId}/users?nextToken=${token({ tableId, username: "#table" })}`,
      undefined,
      "nextToken",
    ],
  ];
  const seen: string[] = [];
  for (const [what, method, path, body, field, status] of cases) {
    const reply = await api(ctx, method, path, body);
    expectBadField(reply, field, `${what} (${method} /${path.slice(0, 80)})`, status ?? 400);
    seen.push(`${what}: ${reply.status} ${field}`);
  }
  expect(seen).toHaveLength(cases.length);

  // Nothing of it was written: no user, the table unchanged, no table "ok-id".
  expectStatus(await api(ctx, "GET", user), 404, `GET /${user}`);
  const table = expectStatus(await api(ctx, "GET", `tables/${tableId}`), 200, "GET the table");
  expect(table).toMatchObject({ userCount: 0, version: 1, isArchived: false });
  expectStatus(await api(ctx, "GET", "tables/ok-id"), 404, "GET /tables/ok-id");
}, 120_000);

test("GIVEN an unknown table or user WHEN a client reads or writes it THEN 404 names what is missing, and nothing is created", async () => {
  const ctx = deployed.ctx();
  const tableId = await freshTable("known");
  const missing = `missing-${Date.now().toString(36)}`;
  const cases: [string, string, unknown, string][] = [
    ["GET", `tables/${missing}`, undefined, `table ${missing} does not exist`],
    ["PATCH", `tables/${missing}`, { displayName: "x" }, `table ${missing} does not exist`],
    ["GET", `tables/${missing}/users`, undefined, `table ${missing} does not exist`],
    ["GET", `tables/${missing}/users/ada`, undefined, `table ${missing} does not exist`],
    ["PUT", `tables/${missing}/users/ada`, SCORES, `table ${missing} does not exist`],
    ["GET", `tables/${tableId}/users/nobody`, undefined, `user nobody does not exist in table ${tableId}`],
  ];
  for (const [method, path, body, message] of cases) {
    const reply = await api(ctx, method, path, body);
    expect({ call: `${method} /${path}`, status: reply.status, body: reply.json() }).toEqual({
      call: `${method} /${path}`,
      status: 404,
      body: { error: "not_found", message },
    });
  }
  // A route the API does not have is API Gateway's own 404.
  expect((await api(ctx, "DELETE", `tables/${tableId}`)).status).toBe(404);
  // The PUT into the missing table created neither the table nor the user.
  expectStatus(await api(ctx, "GET", `tables/${missing}`), 404, "GET the missing table again");
  expect(expectStatus(await api(ctx, "GET", `tables/${tableId}`), 200, "GET the known table")).toMatchObject({
    userCount: 0,
  });
}, 120_000);

test("GIVEN two clients writing the same user from the same version WHEN both PUT at once THEN one wins, the other gets 409 with currentVersion, and no write is lost", async () => {
  const ctx = deployed.ctx();
  const tableId = await freshTable("race");
  const path = `tables/${tableId}/users/ada`;
  expectStatus(await api(ctx, "PUT", path, { submissionCount: 1, totalCount: 1 }), 201, "create ada");
  const replies = await Promise.all(
    [10, 20].map((totalCount) => api(ctx, "PUT", path, { submissionCount: 2, totalCount, expectedVersion: 1 })),
  );
  expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
  const won = replies.find((r) => r.status === 200)?.json();
  const lost = replies.find((r) => r.status === 409)?.json();
  expect(lost).toMatchObject({ error: "conflict", currentVersion: 2 });
  const stored = expectStatus(await api(ctx, "GET", path), 200, "GET ada");
  expect(stored).toEqual(won);
  // The loser re-reads and retries from the version it was told: it lands.
  const retried = await api(ctx, "PUT", path, {
    submissionCount: 3,
    totalCount: 30,
    expectedVersion: lost.currentVersion,
  });
  expect(expectStatus(retried, 200, "the retried PUT")).toMatchObject({ version: 3, totalCount: 30 });
  // A stale expectedVersion of a user that does not exist yet is a conflict too, and writes nothing.
  const stale = await api(ctx, "PUT", `tables/${tableId}/users/grace`, { ...SCORES, expectedVersion: 4 });
  expect(stale.status).toBe(409);
  expectStatus(await api(ctx, "GET", `tables/${tableId}/users/grace`), 404, "GET grace");
  expect(expectStatus(await api(ctx, "GET", `tables/${tableId}`), 200, "GET the table").userCount).toBe(1);
}, 120_000);

test("GIVEN an archived table WHEN a client PUTs scores THEN 409 and nothing changes, until it is unarchived", async () => {
  const ctx = deployed.ctx();
  const tableId = await freshTable("archive");
  const path = `tables/${tableId}/users/ada`;
  expectStatus(await api(ctx, "PUT", path, SCORES), 201, "PUT ada");
  const archived = expectStatus(
    await api(ctx, "PATCH", `tables/${tableId}`, { isArchived: true, expectedVersion: 2 }),
    409,
    "PATCH from a stale version",
  );
  expect(archived.currentVersion).toBe(1);
  expect(
    expectStatus(await api(ctx, "PATCH", `tables/${tableId}`, { isArchived: true }), 200, "PATCH archive"),
  ).toMatchObject({ isArchived: true, version: 2 });
  const refused = await api(ctx, "PUT", path, { submissionCount: 9, totalCount: 99 });
  expect(refused.status).toBe(409);
  expect(refused.json().message).toContain("archived");
  expect(expectStatus(await api(ctx, "GET", path), 200, "GET ada")).toMatchObject({ ...SCORES, version: 1 });
  const listed = expectStatus(await api(ctx, "GET", "tables?archived=true&limit=100"), 200, "GET archived tables");
  expect(listed.tables.map((t: { tableId: string }) => t.tableId)).toContain(tableId);
  expectStatus(await api(ctx, "PATCH", `tables/${tableId}`, { isArchived: false }), 200, "PATCH unarchive");
  expect(
    expectStatus(await api(ctx, "PUT", path, { submissionCount: 9, totalCount: 99 }), 200, "PUT after unarchiving"),
  ).toMatchObject({ submissionCount: 9, version: 2 });
}, 120_000);

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
}
const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

test("GIVEN the function's role without dynamodb:PutItem on the table WHEN a client creates a table or a user THEN 500, the function's log names the denied action, nothing is written; with the grant back both pass", async () => {
  const ctx = deployed.ctx();
  const region = ctx.output(STACK, "table_arn").split(":")[3];
  const tableArn = ctx.output(STACK, "table_arn");
  const roleName = ctx.output(STACK, "function_role_arn").split("/").pop() as string;
  const logGroupName = ctx.output(STACK, "function_log_group");
  const iam = new IAMClient(ctx.clientConfig(region));
  const logs = new CloudWatchLogsClient(ctx.clientConfig(region));
  const existing = await freshTable("denied-existing");

  const { PolicyNames = [] } = await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }));
  const granting: [string, string][] = [];
  for (const PolicyName of PolicyNames) {
    const policy = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName }));
    const document = decodeURIComponent(policy.PolicyDocument as string);
    if (document.includes("dynamodb:PutItem")) granting.push([PolicyName, document]);
  }
  expect(granting).toHaveLength(1);
  const [policyName, document] = granting[0];
  const parsed = JSON.parse(document) as { Statement: Statement[] };
  const withoutPut = {
    ...parsed,
    Statement: parsed.Statement.map((s) => ({ ...s, Action: list(s.Action).filter((a) => a !== "dynamodb:PutItem") })),
  };
  expect(JSON.stringify(withoutPut)).not.toContain("dynamodb:PutItem");
  expect(JSON.stringify(withoutPut)).toContain("dynamodb:GetItem");

  const denied = `denied-${Date.now().toString(36)}`;
  const started = Date.now() - 1000;
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: roleName,
      PolicyName: policyName,
      PolicyDocument: JSON.stringify(withoutPut),
    }),
  );
  try {
    const create = await api(ctx, "POST", "tables", { tableId: denied });
    expect(create.status).toBe(500);
    const body = create.json();
    expect(body).toMatchObject({ error: "internal_error", message: "internal error" });
    expect(typeof body.requestId).toBe("string");
    // A new user is a transaction whose Put needs the same grant.
    const newUser = await api(ctx, "PUT", `tables/${existing}/users/ada`, SCORES);
    expect(newUser.status).toBe(500);
    // Reads still pass, and show nothing was written.
    expectStatus(await api(ctx, "GET", `tables/${denied}`), 404, "GET the refused table");
    expectStatus(await api(ctx, "GET", `tables/${existing}/users/ada`), 404, "GET the refused user");
    expect(expectStatus(await api(ctx, "GET", `tables/${existing}`), 200, "GET the existing table").userCount).toBe(0);

    // The function's log says why, for the request the client was told about.
    const line = await waitFor(
      `the "request failed" line of request ${body.requestId} in ${logGroupName}`,
      async () => {
        const out = await logs.send(new FilterLogEventsCommand({ logGroupName, startTime: started }));
        return (out.events ?? [])
          .map((e) => e.message ?? "")
          .find((m) => m.includes('"msg":"request failed"') && m.includes(`"requestId":"${body.requestId}"`));
      },
      30_000,
    );
    expect(line).toContain('"error":"AccessDeniedException"');
    expect(line).toContain('"routeKey":"POST /tables"');
    expect(line).toMatch(
      new RegExp(
        `assumed-role/${roleName}/\\S+ is not authorized to perform: dynamodb:PutItem on resource: ${tableArn}`,
      ),
    );
  } finally {
    await iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: policyName, PolicyDocument: document }));
  }
  expectStatus(await api(ctx, "POST", "tables", { tableId: denied }), 201, "POST /tables with the grant back");
  expectStatus(
    await api(ctx, "PUT", `tables/${existing}/users/ada`, SCORES),
    201,
    "PUT a new user with the grant back",
  );
  expect(expectStatus(await api(ctx, "GET", `tables/${existing}`), 200, "GET the existing table").userCount).toBe(1);
}, 180_000);
