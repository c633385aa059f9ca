// The playground API's handler against the emulator's real DynamoDB: every route, its 400/404/
// 409 answers, pagination, archive, CORS; bad inputs write nothing. Concurrency has its own file.

import { handler } from "../../../lambdas/model-share/api";
import { ENV, LIMITS } from "../../../lambdas/model-share/contract";
import { allItems, createPlayground, quietLogs, type RequestOptions, requestEvent } from "./support/playground";

jest.setTimeout(60_000);

let table: string;
let logs: ReturnType<typeof quietLogs>;

interface Answer {
  status: number;
  headers: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers are checked field by field.
  body: any;
}

async function call(route: Parameters<typeof requestEvent>[0], options: RequestOptions = {}): Promise<Answer> {
  const result = await handler(requestEvent(route, options));
  return {
    status: result.statusCode ?? 0,
    headers: (result.headers ?? {}) as Record<string, string>,
    body: result.body ? JSON.parse(result.body) : undefined,
  };
}

const createTable = (tableId: string, displayName?: string) =>
  call("createTable", { body: displayName === undefined ? { tableId } : { tableId, displayName } });
const putUser = (tableId: string, username: string, body: Record<string, unknown>) =>
  call("putUser", { path: { tableId, username }, body });

beforeAll(async () => {
  table = await createPlayground("ms-api");
});
beforeEach(() => {
  logs = quietLogs();
  process.env[ENV.safeConcurrency] = "true";
});
afterEach(() => logs.restore());

describe("tables", () => {
  test("POST /tables creates a table (201, location, version 1); GET /tables/{tableId} reads it back", async () => {
    const created = await createTable("titanic", "Titanic survival");
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe("/tables/titanic");
    expect(created.body).toMatchObject({
      tableId: "titanic",
      displayName: "Titanic survival",
      isArchived: false,
      userCount: 0,
      version: 1,
    });
    expect(created.headers["content-type"]).toBe("application/json");

    const read = await call("getTable", { path: { tableId: "titanic" } });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
  });

  test("the display name defaults to the table id", async () => {
    expect((await createTable("iris")).body.displayName).toBe("iris");
  });

  test("creating an existing table answers 409 and keeps the first one unchanged", async () => {
    await createTable("dup-table", "first");
    const again = await createTable("dup-table", "second");
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: "conflict", message: "table dup-table already exists" });
    expect((await call("getTable", { path: { tableId: "dup-table" } })).body.displayName).toBe("first");
  });

  test("PATCH archives and unarchives a table, renames it, and bumps its version", async () => {
    await createTable("to-archive");
    const archived = await call("updateTable", { path: { tableId: "to-archive" }, body: { isArchived: true } });
    expect(archived.status).toBe(200);
    expect(archived.body).toMatchObject({ isArchived: true, version: 2 });
    const renamed = await call("updateTable", {
      path: { tableId: "to-archive" },
      body: { displayName: "  Old contest  ", isArchived: false },
    });
    expect(renamed.body).toMatchObject({ displayName: "Old contest", isArchived: false, version: 3 });
    expect(renamed.body.updatedAt >= renamed.body.createdAt).toBe(true);
  });

  test("an archived table is read-only for scores (409), until it is unarchived", async () => {
    await createTable("closed");
    await call("updateTable", { path: { tableId: "closed" }, body: { isArchived: true } });
    const before = await allItems(table);
    const refused = await putUser("closed", "alice", { submissionCount: 1, totalCount: 1 });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/table closed is archived/);
    expect(await allItems(table)).toEqual(before);

    await call("updateTable", { path: { tableId: "closed" }, body: { isArchived: false } });
    expect((await putUser("closed", "alice", { submissionCount: 1, totalCount: 1 })).status).toBe(201);
  });

  test("unknown tables answer 404 on every route that names one", async () => {
    const missing = { tableId: "no-such-table" };
    for (const [route, options] of [
      ["getTable", { path: missing }],
      ["updateTable", { path: missing, body: { isArchived: true } }],
      ["listUsers", { path: missing }],
      ["getUser", { path: { ...missing, username: "bob" } }],
      ["putUser", { path: { ...missing, username: "bob" }, body: { submissionCount: 1, totalCount: 1 } }],
    ] as const) {
      const answer = await call(route, options);
      expect([route, answer.status, answer.body]).toEqual([
        route,
        404,
        { error: "not_found", message: "table no-such-table does not exist" },
      ]);
    }
    // The PUT and PATCH wrote nothing: no table item appeared.
    expect((await allItems(table)).filter((i) => i.tableId === "no-such-table")).toEqual([]);
  });
});

describe("users", () => {
  test("PUT creates a user (201), a second PUT updates its scores (200); the table counts it once", async () => {
    await createTable("scores");
    const first = await putUser("scores", "alice", { submissionCount: 1, totalCount: 10 });
    expect(first.status).toBe(201);
    expect(first.headers.location).toBe("/tables/scores/users/alice");
    expect(first.body).toMatchObject({
      tableId: "scores",
      username: "alice",
      submissionCount: 1,
      totalCount: 10,
      version: 1,
    });
    const second = await putUser("scores", "alice", { submissionCount: 2, totalCount: 12 });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({
      submissionCount: 2,
      totalCount: 12,
      version: 2,
      createdAt: first.body.createdAt,
    });

    const read = await call("getUser", { path: { tableId: "scores", username: "alice" } });
    expect(read.body).toEqual(second.body);
    expect((await call("getTable", { path: { tableId: "scores" } })).body.userCount).toBe(1);
  });

  test("an unknown user of an existing table answers 404 naming the user", async () => {
    await createTable("lonely");
    const answer = await call("getUser", { path: { tableId: "lonely", username: "ghost" } });
    expect(answer.status).toBe(404);
    expect(answer.body.message).toBe("user ghost does not exist in table lonely");
  });

  test("expectedVersion: the matching version writes, another one answers 409 with the current version", async () => {
    await createTable("versions");
    expect((await putUser("versions", "bob", { submissionCount: 1, totalCount: 1, expectedVersion: 0 })).status).toBe(
      201,
    );
    const stale = await putUser("versions", "bob", { submissionCount: 5, totalCount: 5, expectedVersion: 0 });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ error: "conflict", currentVersion: 1 });
    const ok = await putUser("versions", "bob", { submissionCount: 2, totalCount: 2, expectedVersion: 1 });
    expect(ok.body).toMatchObject({ submissionCount: 2, version: 2 });
    const tableStale = await call("updateTable", {
      path: { tableId: "versions" },
      body: { displayName: "x", expectedVersion: 7 },
    });
    expect(tableStale.status).toBe(409);
    expect(tableStale.body.currentVersion).toBe(1);
    expect((await call("getTable", { path: { tableId: "versions" } })).body.displayName).toBe("versions");
  });
});

describe("pagination", () => {
  test("GET /tables pages by limit with an opaque nextToken: every table once, in id order", async () => {
    const ids = ["pg-a", "pg-b", "pg-c", "pg-d", "pg-e", "pg-f", "pg-g"];
    for (const id of ids) await createTable(id);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const answer = await call("listTables", { query: { limit: "3", ...(token ? { nextToken: token } : {}) } });
      expect(answer.status).toBe(200);
      expect(answer.body.tables.length).toBeLessThanOrEqual(3);
      expect(answer.body.count).toBe(answer.body.tables.length);
      seen.push(...answer.body.tables.map((t: { tableId: string }) => t.tableId));
      token = answer.body.nextToken;
      if (token) expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
      pages += 1;
    } while (token);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(ids));
  });

  test("GET /tables?archived=true lists only archived tables", async () => {
    await createTable("arch-1");
    await call("updateTable", { path: { tableId: "arch-1" }, body: { isArchived: true } });
    const archived: { tableId: string; isArchived: boolean }[] = [];
    let token: string | undefined;
    do {
      const answer = await call("listTables", { query: { archived: "true", ...(token ? { nextToken: token } : {}) } });
      archived.push(...answer.body.tables);
      token = answer.body.nextToken;
    } while (token);
    expect(archived.map((t) => t.tableId)).toContain("arch-1");
    expect(archived.every((t) => t.isArchived)).toBe(true);
  });

  test("GET /tables/{tableId}/users pages users by name; the default page holds up to 50", async () => {
    await createTable("many-users");
    const names = ["u1", "u2", "u3", "u4", "u5"];
    for (const n of names) await putUser("many-users", n, { submissionCount: 1, totalCount: 2 });
    const first = await call("listUsers", { path: { tableId: "many-users" }, query: { limit: "2" } });
    expect(first.body.users.map((u: { username: string }) => u.username)).toEqual(["u1", "u2"]);
    const second = await call("listUsers", {
      path: { tableId: "many-users" },
      query: { limit: "2", nextToken: first.body.nextToken },
    });
    expect(second.body.users.map((u: { username: string }) => u.username)).toEqual(["u3", "u4"]);
    const all = await call("listUsers", { path: { tableId: "many-users" } });
    expect(all.body).toMatchObject({ tableId: "many-users", count: 5 });
    expect(all.body.nextToken).toBeUndefined();
    expect(all.body.users[0]).toEqual({
      tableId: "many-users",
      username: "u1",
      submissionCount: 1,
      totalCount: 2,
      createdAt: expect.any(String),
      lastUpdated: expect.any(String),
      version: 1,
    });
  });

  test("a nextToken of one table's users is refused on another table's listing", async () => {
    await createTable("tok-a");
    await createTable("tok-b");
    for (const n of ["x1", "x2"]) await putUser("tok-a", n, { submissionCount: 0, totalCount: 0 });
    const page = await call("listUsers", { path: { tableId: "tok-a" }, query: { limit: "1" } });
    const elsewhere = await call("listUsers", {
      path: { tableId: "tok-b" },
      query: { nextToken: page.body.nextToken },
    });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.field).toBe("nextToken");
    const onTables = await call("listTables", { query: { nextToken: page.body.nextToken } });
    expect(onTables.status).toBe(400);
  });
});

describe("bad inputs: a 400 naming the field, and nothing written", () => {
  const big = "x".repeat(LIMITS.maxBodyBytes + 1);
  const cases: [string, Parameters<typeof requestEvent>[0], RequestOptions, number, string][] = [
    ["tableId with a space", "createTable", { body: { tableId: "bad id" } }, 400, "tableId"],
    ["tableId missing", "createTable", { body: { displayName: "x" } }, 400, "tableId"],
    ["tableId too long", "createTable", { body: { tableId: "a".repeat(65) } }, 400, "tableId"],
    ["tableId not a string", "createTable", { body: { tableId: 42 } }, 400, "tableId"],
    ["no body", "createTable", {}, 400, "body"],
    ["malformed JSON", "createTable", { body: "{not json" }, 400, "body"],
    ["a JSON array", "createTable", { body: "[1]" }, 400, "body"],
    ["an unknown field", "createTable", { body: { tableId: "ok-id", owner: "me" } }, 400, "owner"],
    ["an empty display name", "createTable", { body: { tableId: "ok-id", displayName: "  " } }, 400, "displayName"],
    ["a control character", "createTable", { body: { tableId: "ok-id", displayName: "a\u0007" } }, 400, "displayName"],
    ["a body over the limit", "createTable", { body: big }, 413, "body"],
    ["limit 0", "listTables", { query: { limit: "0" } }, 400, "limit"],
    ["limit 101", "listTables", { query: { limit: "101" } }, 400, "limit"],
    ["limit abc", "listTables", { query: { limit: "abc" } }, 400, "limit"],
    ["a misspelt parameter", "listTables", { query: { limt: "5" } }, 400, "limt"],
    ["archived=yes", "listTables", { query: { archived: "yes" } }, 400, "archived"],
    ["a forged nextToken", "listTables", { query: { nextToken: "eyJ4IjoxfQ" } }, 400, "nextToken"],
    ["a nextToken that is not base64url", "listTables", { query: { nextToken: "%%%" } }, 400, "nextToken"],
    ["a bad tableId in the path", "getTable", { path: { tableId: "-dash-first" } }, 400, "tableId"],
    ["a bad username in the path", "getUser", { path: { tableId: "t1", username: "a/b" } }, 400, "username"],
    ["PATCH without a change", "updateTable", { path: { tableId: "victim" }, body: {} }, 400, "body"],
    [
      "isArchived as a string",
      "updateTable",
      { path: { tableId: "victim" }, body: { isArchived: "yes" } },
      400,
      "isArchived",
    ],
    [
      "a negative submissionCount",
      "putUser",
      { path: { tableId: "victim", username: "eve" }, body: { submissionCount: -1, totalCount: 1 } },
      400,
      "submissionCount",
    ],
    [
      "a fractional totalCount",
      "putUser",
      { path: { tableId: "victim", username: "eve" }, body: { submissionCount: 1, totalCount: 1.5 } },
      400,
      "totalCount",
    ],
    [
      "a missing totalCount",
      "putUser",
      { path: { tableId: "victim", username: "eve" }, body: { submissionCount: 1 } },
      400,
      "totalCount",
    ],
    [
      "a count over the limit",
      "putUser",
      { path: { tableId: "victim", username: "eve" }, body: { submissionCount: LIMITS.maxCount + 1, totalCount: 1 } },
      400,
      "submissionCount",
    ],
    [
      "a negative expectedVersion",
      "putUser",
      {
        path: { tableId: "victim", username: "eve" },
        body: { submissionCount: 1, totalCount: 1, expectedVersion: -1 },
      },
      400,
      "expectedVersion",
    ],
    [
      "a query parameter on a single-item route",
      "getTable",
      { path: { tableId: "victim" }, query: { x: "1" } },
      400,
      "x",
    ],
  ];

  test.each(cases)("%s", async (_what, route, options, status, field) => {
    await createTable("victim").catch(() => undefined);
    const before = await allItems(table);
    const answer = await call(route, options);
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ error: status === 413 ? "payload_too_large" : "bad_request", field });
    expect(answer.body.message).toEqual(expect.any(String));
    expect(await allItems(table)).toEqual(before);
  });
});

describe("CORS, unknown routes and failures", () => {
  test("an allowed origin is echoed (with vary); another origin gets no CORS headers", async () => {
    const allowed = await call("listTables", { headers: { origin: "https://app.example.org" } });
    expect(allowed.headers["access-control-allow-origin"]).toBe("https://app.example.org");
    expect(allowed.headers.vary).toBe("origin");
    expect(allowed.headers["access-control-expose-headers"]).toBe("location");
    const other = await call("listTables", { headers: { origin: "https://evil.example.com" } });
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
    expect(other.status).toBe(200);
  });

  test("with * every origin may call; a preflight answers 204 with the methods and headers", async () => {
    process.env[ENV.corsAllowOrigins] = "*";
    try {
      const preflight = await call("listTables", { method: "OPTIONS", headers: { origin: "https://any.example" } });
      expect(preflight.status).toBe(204);
      expect(preflight.headers).toMatchObject({
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "GET,POST,PUT,PATCH,OPTIONS",
        "access-control-allow-headers": "content-type,authorization",
        "access-control-max-age": "300",
      });
    } finally {
      process.env[ENV.corsAllowOrigins] = "https://app.example.org";
    }
  });

  test("an unknown route answers 404", async () => {
    const answer = await call("unknown");
    expect(answer.status).toBe(404);
    expect(answer.body.error).toBe("not_found");
  });

  test("a failure of DynamoDB answers 500 without internals and is logged with the request id", async () => {
    process.env[ENV.table] = "no-such-dynamodb-table";
    try {
      const answer = await call("getTable", { path: { tableId: "titanic" } });
      expect(answer.status).toBe(500);
      expect(answer.body).toEqual({
        error: "internal_error",
        message: "internal error",
        requestId: expect.any(String),
      });
      expect(logs.lines.some((l) => l.includes('"msg":"request failed"') && l.includes("ResourceNotFound"))).toBe(true);
    } finally {
      process.env[ENV.table] = table;
    }
  });

  test("every answer says which kit runs (the bundled one here: no layer)", async () => {
    await call("listTables");
    const line = logs.lines.find((l) => l.includes('"msg":"request"'));
    expect(JSON.parse(line as string)).toMatchObject({ kitSource: "bundled", status: 200, routeKey: "GET /tables" });
  });
});
