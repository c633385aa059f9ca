import { ListBuildsForProjectCommand } from "@aws-sdk/client-codebuild";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { DescribeExecutionCommand } from "@aws-sdk/client-sfn";
import { DeleteCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import {
  doneKey,
  EVENT_TYPE,
  FUNCTION_ENV,
  LOCK_LEASE_SLACK_SECONDS,
  ORDER_STATUS,
  payloadKey,
  RUN_ENV,
  RUN_LIMITS,
  resultKey,
  TABLE_KEYS,
} from "../../../lambdas/iac-ci/contract";
import { handler as orchestrate } from "../../../lambdas/iac-ci/orchestrator";
import { handler as work } from "../../../lambdas/iac-ci/worker";
import { type Dispatches, objectCreated, observeDispatches, submitOrder, type WorkerEventLike } from "./support/orders";
import {
  captureLogs,
  clients,
  createPlatform,
  PLATFORM_SETUP_MS,
  type Platform,
  readEvents,
  readLockItem,
  readObject,
  readOrder,
  uniqueName,
} from "./support/platform";

let p: Platform;
let dispatches: Dispatches;
let logs: ReturnType<typeof captureLogs>;

const lambdaContext = { getRemainingTimeInMillis: () => 120_000 };

const eventTypes = async (orderId: string) => (await readEvents(p, orderId)).map((e) => e.type);

/** The one worker event the orchestrator sent for an order. */
function workerEventOf(orderId: string): WorkerEventLike {
  const sent = dispatches.worker(orderId);
  expect(sent).toHaveLength(1);
  return sent[0].event;
}

/** Runs the order on the real worker (its result goes to the presigned URL), then notifies the orchestrator. */
async function runAndReport(orderId: string) {
  const outcome = await work(workerEventOf(orderId), lambdaContext);
  expect(outcome.delivery).toBe("stored");
  return orchestrate(objectCreated(p.internalBucket, resultKey(orderId)));
}

beforeAll(async () => {
  p = await createPlatform("orch");
  logs = captureLogs();
  dispatches = observeDispatches();
}, PLATFORM_SETUP_MS);

afterAll(() => {
  dispatches.restore();
  logs.restore();
});

describe("starting an order", () => {
  test("takes the target's lock, marks it running, starts the watchdog and invokes the worker", async () => {
    const target = uniqueName("net");
    const orderId = await submitOrder(p, { order_name: target, commands: ["echo hello"], timeout_seconds: 30 });
    const before = Date.now() / 1000;

    const summary = await orchestrate({ type: "order", orderId });

    expect(summary.started).toEqual([orderId]);
    const order = await readOrder(p, orderId);
    expect(order).toMatchObject({ status: ORDER_STATUS.running });
    const deadline = order?.deadline as number;
    expect(deadline).toBeGreaterThanOrEqual(before + 30 + RUN_LIMITS.lambda.deadlineGraceSeconds);
    expect(deadline).toBeLessThan(before + 30 + RUN_LIMITS.lambda.deadlineGraceSeconds + 60);
    expect(order?.dispatch_ref).toMatch(/^lambda:/);

    expect(await readLockItem(p, target)).toMatchObject({
      order_id: orderId,
      [TABLE_KEYS.ttlAttribute]: deadline + LOCK_LEASE_SLACK_SECONDS,
    });
    expect(await eventTypes(orderId)).toEqual([EVENT_TYPE.received, EVENT_TYPE.started]);

    const execution = await clients().sfn.send(
      new DescribeExecutionCommand({
        executionArn: `${p.watchdogStateMachineArn.replace(":stateMachine:", ":execution:")}:${orderId}`,
      }),
    );
    expect(JSON.parse(execution.input ?? "{}")).toEqual({ orderId, deadline });

    const [sent] = dispatches.worker(orderId);
    expect(sent).toMatchObject({ functionName: p.workerFunction, type: "Event" });
    expect(sent.event).toMatchObject({ orderId, payloadKey: payloadKey(orderId), deadline });
    const url = new URL(sent.event.callbackUrl);
    expect(url.pathname).toBe(`/${p.internalBucket}/${resultKey(orderId)}`);
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toContain("if-none-match");
    // No checksum of an empty body signed in: real S3 would refuse every upload through the URL.
    expect([...url.searchParams.keys()].filter((k) => k.toLowerCase().startsWith("x-amz-checksum"))).toEqual([]);
  });

  test("a repeated start message changes nothing", async () => {
    const orderId = await submitOrder(p, { order_name: uniqueName("repeat"), commands: ["true"] });
    await orchestrate({ type: "order", orderId });
    const order = await readOrder(p, orderId);
    const events = await readEvents(p, orderId);

    const summary = await orchestrate({ type: "order", orderId });

    expect(summary.started).toEqual([]);
    expect(await readOrder(p, orderId)).toEqual(order);
    expect(await readEvents(p, orderId)).toEqual(events);
    expect(dispatches.worker(orderId)).toHaveLength(1);
  });

  test("a codebuild order starts a build with the order id, payload key and callback URL", async () => {
    const orderId = await submitOrder(p, {
      order_name: uniqueName("long"),
      commands: ["make all"],
      runner: "codebuild",
      timeout_seconds: 3600,
    });

    expect((await orchestrate({ type: "order", orderId })).started).toEqual([orderId]);

    const builds = await clients().codebuild.send(new ListBuildsForProjectCommand({ projectName: p.runnerProject }));
    const order = await readOrder(p, orderId);
    expect(builds.ids).toContain(String(order?.dispatch_ref).replace(/^codebuild:/, ""));
    const [input] = dispatches.builds(orderId);
    expect(input.projectName).toBe(p.runnerProject);
    expect(input.timeoutInMinutesOverride).toBeGreaterThanOrEqual(60);
    const env = Object.fromEntries((input.environmentVariablesOverride ?? []).map((v) => [v.name, v.value]));
    expect(env[RUN_ENV.orderId]).toBe(orderId);
    expect(env[RUN_ENV.payloadKey]).toBe(payloadKey(orderId));
    expect(new URL(String(env[RUN_ENV.callbackUrl])).pathname).toBe(`/${p.internalBucket}/${resultKey(orderId)}`);
    expect(Number(env[RUN_ENV.deadline])).toBe(order?.deadline);
    expect(dispatches.worker(orderId)).toEqual([]);
  });

  test("a failed dispatch records a failed result, releases the lock and starts the next order", async () => {
    const target = uniqueName("broken");
    const first = await submitOrder(p, {
      order_name: target,
      commands: ["make"],
      runner: "codebuild",
      timeout_seconds: 600,
    });
    const second = await submitOrder(p, { order_name: target, commands: ["echo next"] });
    const saved = process.env[FUNCTION_ENV.runnerProject];
    delete process.env[FUNCTION_ENV.runnerProject];
    try {
      const summary = await orchestrate({ type: "order", orderId: first });
      expect(summary.finished).toEqual([first]);
      expect(summary.started).toEqual([second]);
    } finally {
      process.env[FUNCTION_ENV.runnerProject] = saved;
    }
    expect(await readOrder(p, first)).toMatchObject({ status: ORDER_STATUS.failed });
    expect(String((await readOrder(p, first))?.reason)).toMatch(/^dispatch failed: .*IAC_CI_RUNNER_PROJECT/);
    const result = JSON.parse((await readObject(p.internalBucket, resultKey(first))) ?? "null");
    expect(result).toMatchObject({ order_id: first, status: ORDER_STATUS.failed, source: "orchestrator" });
    expect(await eventTypes(first)).toEqual([EVENT_TYPE.received, EVENT_TYPE.started, EVENT_TYPE.finished]);
    expect(await readLockItem(p, target)).toMatchObject({ order_id: second });
    expect(await readOrder(p, second)).toMatchObject({ status: ORDER_STATUS.running });
  });
});

describe("one run per target", () => {
  test("a second order for a busy target waits, and starts when the first finishes", async () => {
    const target = uniqueName("shared");
    const other = uniqueName("other");
    const first = await submitOrder(p, { order_name: target, commands: ["echo first"] });
    const second = await submitOrder(p, { order_name: target, commands: ["echo second"] });
    const elsewhere = await submitOrder(p, { order_name: other, commands: ["echo elsewhere"] });

    expect((await orchestrate({ type: "order", orderId: first })).started).toEqual([first]);
    const waiting = await orchestrate({ type: "order", orderId: second });
    expect(waiting).toMatchObject({ started: [], waiting: [second] });
    // Another target is not held up.
    expect((await orchestrate({ type: "order", orderId: elsewhere })).started).toEqual([elsewhere]);

    expect(await readOrder(p, second)).toMatchObject({ status: ORDER_STATUS.queued });
    expect((await readOrder(p, second))?.waiting_since).toEqual(expect.any(String));
    const waitingEvents = (await readEvents(p, second)).filter((e) => e.type === EVENT_TYPE.waiting);
    expect(waitingEvents).toEqual([expect.objectContaining({ blocked_by: first, status: ORDER_STATUS.queued })]);
    expect(await readLockItem(p, target)).toMatchObject({ order_id: first });
    expect(dispatches.worker(second)).toEqual([]);

    // Asked again while still busy: still waiting, one `waiting` event only.
    await orchestrate({ type: "order", orderId: second });
    expect((await eventTypes(second)).filter((t) => t === EVENT_TYPE.waiting)).toHaveLength(1);

    const done = await runAndReport(first);

    expect(done).toMatchObject({ finished: [first], started: [second] });
    expect(await readOrder(p, first)).toMatchObject({ status: ORDER_STATUS.succeeded, exit_code: 0 });
    expect(await eventTypes(first)).toEqual([EVENT_TYPE.received, EVENT_TYPE.started, EVENT_TYPE.finished]);
    expect(await readOrder(p, second)).toMatchObject({ status: ORDER_STATUS.running });
    expect(await readLockItem(p, target)).toMatchObject({ order_id: second });
    expect(await eventTypes(second)).toEqual([EVENT_TYPE.received, EVENT_TYPE.waiting, EVENT_TYPE.started]);

    // The second one runs to the end too; then the target is free.
    expect(await runAndReport(second)).toMatchObject({ finished: [second], started: [] });
    expect(await readOrder(p, second)).toMatchObject({ status: ORDER_STATUS.succeeded });
    expect(await readLockItem(p, target)).toBeUndefined();
  });

  test("the same start message delivered twice at once runs the order once and keeps its lock held", async () => {
    // Lambda delivers an asynchronous event at least once: two invocations may both read the
    // order queued; the one that loses the start must not release the lock the winner holds.
    const target = uniqueName("dup");
    const first = await submitOrder(p, { order_name: target, commands: ["echo once"] });
    const second = await submitOrder(p, { order_name: target, commands: ["echo later"] });

    const [a, b] = await Promise.all([
      orchestrate({ type: "order", orderId: first }),
      orchestrate({ type: "order", orderId: first }),
    ]);

    expect([...a.started, ...b.started]).toEqual([first]);
    expect(dispatches.worker(first)).toHaveLength(1);
    expect(await readLockItem(p, target)).toMatchObject({ order_id: first });
    expect(await orchestrate({ type: "order", orderId: second })).toMatchObject({ started: [], waiting: [second] });
    expect(dispatches.worker(second)).toEqual([]);
  });

  test("queued orders start oldest first", async () => {
    const target = uniqueName("fifo");
    const ids: string[] = [];
    for (const n of [1, 2, 3]) ids.push(await submitOrder(p, { order_name: target, commands: [`echo ${n}`] }));
    await orchestrate({ type: "order", orderId: ids[0] });
    // Notified out of order: 3 before 2.
    await orchestrate({ type: "order", orderId: ids[2] });
    await orchestrate({ type: "order", orderId: ids[1] });

    expect((await runAndReport(ids[0])).started).toEqual([ids[1]]);
    expect((await runAndReport(ids[1])).started).toEqual([ids[2]]);
  });

  test("an expired lease counts as free", async () => {
    const target = uniqueName("stale");
    const stale = "o-00000000000000000000000000000000";
    await clients().ddb.send(
      new PutCommand({
        TableName: p.locksTable,
        Item: {
          [TABLE_KEYS.locks.partitionKey]: target,
          order_id: stale,
          [TABLE_KEYS.ttlAttribute]: Math.floor(Date.now() / 1000) - 10,
        },
      }),
    );
    const orderId = await submitOrder(p, { order_name: target, commands: ["true"] });

    expect((await orchestrate({ type: "order", orderId })).started).toEqual([orderId]);
    expect(await readLockItem(p, target)).toMatchObject({ order_id: orderId });
  });

  test("drain starts the oldest queued order once the lock is free", async () => {
    const target = uniqueName("drain");
    const holder = "o-11111111111111111111111111111111";
    await clients().ddb.send(
      new PutCommand({
        TableName: p.locksTable,
        Item: {
          [TABLE_KEYS.locks.partitionKey]: target,
          order_id: holder,
          [TABLE_KEYS.ttlAttribute]: Math.floor(Date.now() / 1000) + 3600,
        },
      }),
    );
    const orderId = await submitOrder(p, { order_name: target, commands: ["true"] });
    expect((await orchestrate({ type: "order", orderId })).waiting).toEqual([orderId]);
    await clients().ddb.send(
      new DeleteCommand({ TableName: p.locksTable, Key: { [TABLE_KEYS.locks.partitionKey]: target } }),
    );

    expect((await orchestrate({ type: "drain", orderName: target })).started).toEqual([orderId]);
    expect(await readOrder(p, orderId)).toMatchObject({ status: ORDER_STATUS.running });
  });
});

describe("results", () => {
  test("a succeeded result is recorded with a finished event and copied to the done bucket", async () => {
    const target = uniqueName("ok");
    const orderId = await submitOrder(p, { order_name: target, commands: ["echo one", "echo two"] });
    await orchestrate({ type: "order", orderId });

    await runAndReport(orderId);

    const order = await readOrder(p, orderId);
    expect(order).toMatchObject({ status: ORDER_STATUS.succeeded, exit_code: 0 });
    expect(order?.finished_at).toEqual(expect.any(String));
    const finished = (await readEvents(p, orderId)).find((e) => e.type === EVENT_TYPE.finished);
    expect(finished).toMatchObject({ status: ORDER_STATUS.succeeded });
    const done = JSON.parse((await readObject(p.doneBucket, doneKey(orderId))) ?? "null");
    expect(done).toMatchObject({ order_id: orderId, order_name: target, status: ORDER_STATUS.succeeded });
    expect(done.result.commands.map((c: { stdout_tail: string }) => c.stdout_tail)).toEqual(["one\n", "two\n"]);
    expect(await readLockItem(p, target)).toBeUndefined();
  });

  test("a failing command makes the order failed, with the reason and exit code", async () => {
    const target = uniqueName("fail");
    const orderId = await submitOrder(p, { order_name: target, commands: ["echo ok", "exit 7", "echo never"] });
    await orchestrate({ type: "order", orderId });

    await runAndReport(orderId);

    expect(await readOrder(p, orderId)).toMatchObject({
      status: ORDER_STATUS.failed,
      exit_code: 7,
      reason: "command 1 exited with 7",
    });
    const done = JSON.parse((await readObject(p.doneBucket, doneKey(orderId))) ?? "null");
    expect(done.result.commands).toHaveLength(2);
    expect(await readLockItem(p, target)).toBeUndefined();
  });

  test.each([
    ["not JSON", "{{{", /malformed result\.json: not valid JSON/],
    ["an unknown status", JSON.stringify({ status: "great" }), /malformed result\.json: status must be one of/],
    [
      "another order's result",
      JSON.stringify({ status: "succeeded", order_id: "o-x" }),
      /malformed result\.json: order_id/,
    ],
  ])("a result.json with %s marks the order failed and still releases the lock", async (_, body, reason) => {
    const target = uniqueName("bad");
    const orderId = await submitOrder(p, { order_name: target, commands: ["true"] });
    const next = await submitOrder(p, { order_name: target, commands: ["true"] });
    await orchestrate({ type: "order", orderId });
    await orchestrate({ type: "order", orderId: next });
    await clients().s3.send(new PutObjectCommand({ Bucket: p.internalBucket, Key: resultKey(orderId), Body: body }));

    const summary = await orchestrate(objectCreated(p.internalBucket, resultKey(orderId)));

    expect(summary).toMatchObject({ finished: [orderId], started: [next] });
    const order = await readOrder(p, orderId);
    expect(order).toMatchObject({ status: ORDER_STATUS.failed });
    expect(String(order?.reason)).toMatch(reason);
    const done = JSON.parse((await readObject(p.doneBucket, doneKey(orderId))) ?? "null");
    expect(done).toMatchObject({ status: ORDER_STATUS.failed, result: null });
    expect(await readLockItem(p, target)).toMatchObject({ order_id: next });
  });

  test("a notification for a result.json that is not there marks the order failed", async () => {
    const target = uniqueName("gone");
    const orderId = await submitOrder(p, { order_name: target, commands: ["true"] });
    await orchestrate({ type: "order", orderId });

    await orchestrate(objectCreated(p.internalBucket, resultKey(orderId)));

    expect(await readOrder(p, orderId)).toMatchObject({
      status: ORDER_STATUS.failed,
      reason: "result.json is missing",
    });
    expect(await readLockItem(p, target)).toBeUndefined();
  });

  test("the watchdog's timed_out result makes the order timed_out", async () => {
    const orderId = await submitOrder(p, { order_name: uniqueName("slow"), commands: ["sleep 1000"] });
    await orchestrate({ type: "order", orderId });
    const timedOut = {
      order_id: orderId,
      status: "timed_out",
      source: "watchdog",
      reason: "no result by the deadline",
    };
    await clients().s3.send(
      new PutObjectCommand({ Bucket: p.internalBucket, Key: resultKey(orderId), Body: JSON.stringify(timedOut) }),
    );

    await orchestrate(objectCreated(p.internalBucket, resultKey(orderId)));

    expect(await readOrder(p, orderId)).toMatchObject({
      status: ORDER_STATUS.timedOut,
      reason: "no result by the deadline",
    });
  });

  test("a repeated notification changes nothing", async () => {
    const orderId = await submitOrder(p, { order_name: uniqueName("twice"), commands: ["true"] });
    await orchestrate({ type: "order", orderId });
    await runAndReport(orderId);
    const order = await readOrder(p, orderId);
    const events = await readEvents(p, orderId);

    const summary = await orchestrate(objectCreated(p.internalBucket, resultKey(orderId)));

    expect(summary.finished).toEqual([]);
    expect(await readOrder(p, orderId)).toEqual(order);
    expect(await readEvents(p, orderId)).toEqual(events);
  });

  test("notifications for other keys or buckets, and unknown messages, are ignored", async () => {
    const a = await orchestrate(objectCreated(p.internalBucket, "tmp/callbacks/runs/not-an-order/result.json"));
    const b = await orchestrate(objectCreated(p.doneBucket, resultKey("o-22222222222222222222222222222222")));
    const c = await orchestrate({ type: "order", orderId: "o-33333333333333333333333333333333" });
    const d = await orchestrate({ hello: "world" } as never);
    const e = await orchestrate(null as never);
    const f = await orchestrate(objectCreated(p.internalBucket, "tmp/callbacks/runs/%E0%A4%A/result.json"));
    for (const s of [a, b, c, d, e, f]) expect(s).toMatchObject({ started: [], finished: [], waiting: [] });
    expect(a.ignored).toHaveLength(1);
    expect(b.ignored).toHaveLength(1);
    expect(c.ignored).toEqual(["o-33333333333333333333333333333333"]);
  });
});
