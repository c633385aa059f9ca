// Two or more clients writing the same user at once, against the emulator's real DynamoDB.
// Safe concurrency on: every write is conditional on the version it is based on, so a client
// that lost the race gets 409 and retries, and no update is lost. Off: plain writes, where the
// same interleaving loses an update (the reason the switch exists).
import { handler } from "../../../lambdas/model-share/api";
import { ENV } from "../../../lambdas/model-share/contract";
import { createPlayground, quietLogs, type RequestOptions, requestEvent } from "./support/playground";

jest.setTimeout(120_000);

let logs: ReturnType<typeof quietLogs>;

async function call(route: Parameters<typeof requestEvent>[0], options: RequestOptions = {}) {
  const result = await handler(requestEvent(route, options));
  return { status: result.statusCode ?? 0, body: result.body ? JSON.parse(result.body) : undefined };
}
const getUser = (tableId: string, username: string) => call("getUser", { path: { tableId, username } });
const putUser = (tableId: string, username: string, body: Record<string, unknown>) =>
  call("putUser", { path: { tableId, username }, body });

/** A client's read-modify-write: add one submission, based on the version it read; retry on 409. */
async function addSubmission(tableId: string, username: string): Promise<number> {
  for (let attempt = 1; attempt <= 50; attempt++) {
    const read = await getUser(tableId, username);
    const { submissionCount, totalCount, version } = read.body;
    const write = await putUser(tableId, username, {
      submissionCount: submissionCount + 1,
      totalCount: totalCount + 10,
      expectedVersion: version,
    });
    if (write.status === 200) return attempt;
    expect(write.status).toBe(409);
    expect(write.body.currentVersion).toBeGreaterThan(version);
  }
  throw new Error("no progress after 50 attempts");
}

beforeAll(async () => {
  await createPlayground("ms-concurrency");
});
beforeEach(() => {
  logs = quietLogs();
  process.env[ENV.safeConcurrency] = "true";
});
afterEach(() => logs.restore());

describe("safe concurrency on", () => {
  test("two clients that read the same version: the second write answers 409 and changes nothing", async () => {
    await call("createTable", { body: { tableId: "race-2" } });
    await putUser("race-2", "alice", { submissionCount: 1, totalCount: 10 });
    const a = (await getUser("race-2", "alice")).body;
    const b = (await getUser("race-2", "alice")).body;
    const first = await putUser("race-2", "alice", {
      submissionCount: a.submissionCount + 1,
      totalCount: 20,
      expectedVersion: a.version,
    });
    const second = await putUser("race-2", "alice", {
      submissionCount: b.submissionCount + 1,
      totalCount: 20,
      expectedVersion: b.version,
    });
    expect([first.status, second.status]).toEqual([200, 409]);
    expect(second.body).toMatchObject({ error: "conflict", currentVersion: 2 });
    // Client b re-reads and applies its change on top: both submissions count.
    await addSubmission("race-2", "alice");
    expect((await getUser("race-2", "alice")).body).toMatchObject({ submissionCount: 3, version: 3 });
  });

  test("eight clients adding three submissions each at once: all 24 land, none is lost", async () => {
    await call("createTable", { body: { tableId: "race-8" } });
    await putUser("race-8", "bob", { submissionCount: 0, totalCount: 0 });
    const attempts = await Promise.all(
      Array.from({ length: 8 }, async () => {
        let n = 0;
        for (let i = 0; i < 3; i++) n += await addSubmission("race-8", "bob");
        return n;
      }),
    );
    const user = (await getUser("race-8", "bob")).body;
    expect({ user, attempts }).toMatchObject({ user: { submissionCount: 24, totalCount: 240, version: 25 } });
    // The clients really raced: some writes were refused and retried.
    expect(attempts.reduce((a, b) => a + b, 0)).toBeGreaterThan(24);
    expect((await call("getTable", { path: { tableId: "race-8" } })).body.userCount).toBe(1);
  });

  test("five clients creating the same new user at once: one creates it, the others get 409; counted once", async () => {
    await call("createTable", { body: { tableId: "race-new" } });
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) => putUser("race-new", "carol", { submissionCount: i, totalCount: i })),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.every((s) => s === 201 || s === 409 || s === 200)).toBe(true);
    const winner = answers.find((a) => a.status === 201)?.body;
    const stored = (await getUser("race-new", "carol")).body;
    // Whatever was stored last is a complete write of one client, with a consistent version.
    expect(stored.version).toBe(1 + answers.filter((a) => a.status === 200).length);
    expect(stored.createdAt).toBe(winner.createdAt);
    expect((await call("getTable", { path: { tableId: "race-new" } })).body.userCount).toBe(1);
  });

  test("ten new users written at once are all counted on the table", async () => {
    await call("createTable", { body: { tableId: "race-count" } });
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => putUser("race-count", `user-${i}`, { submissionCount: 1, totalCount: 1 })),
    );
    // Different users never conflict: transactions that only contend on the table's counter
    // are retried inside the request.
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
    const table = (await call("getTable", { path: { tableId: "race-count" } })).body;
    const users = (await call("listUsers", { path: { tableId: "race-count" } })).body;
    expect(users.count).toBe(10);
    expect(table.userCount).toBe(10);
  });
});

describe("safe concurrency off (the original plain writes)", () => {
  beforeEach(() => {
    process.env[ENV.safeConcurrency] = "false";
  });

  test("expectedVersion is refused (400), so no client believes it is protected; nothing is written", async () => {
    await call("createTable", { body: { tableId: "plain-1" } });
    const answer = await putUser("plain-1", "dave", { submissionCount: 1, totalCount: 1, expectedVersion: 0 });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ field: "expectedVersion", message: expect.stringMatching(/safe_concurrency/) });
    expect((await getUser("plain-1", "dave")).status).toBe(404);
  });

  test("the same two-client interleaving loses an update: the last writer wins", async () => {
    await call("createTable", { body: { tableId: "plain-race" } });
    await putUser("plain-race", "erin", { submissionCount: 1, totalCount: 10 });
    const a = (await getUser("plain-race", "erin")).body;
    const b = (await getUser("plain-race", "erin")).body;
    const first = await putUser("plain-race", "erin", { submissionCount: a.submissionCount + 1, totalCount: 20 });
    const second = await putUser("plain-race", "erin", { submissionCount: b.submissionCount + 1, totalCount: 20 });
    expect([first.status, second.status]).toEqual([200, 200]);
    // Two submissions were added, one survives.
    expect((await getUser("plain-race", "erin")).body).toMatchObject({ submissionCount: 2, version: 3 });
  });

  test("a new user written by several clients at once is still counted once (atomic version)", async () => {
    await call("createTable", { body: { tableId: "plain-new" } });
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => putUser("plain-new", "frank", { submissionCount: 1, totalCount: 1 })),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect((await call("getTable", { path: { tableId: "plain-new" } })).body.userCount).toBe(1);
  });
});
