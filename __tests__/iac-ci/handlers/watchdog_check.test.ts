import { randomBytes } from "node:crypto";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { ORDER_STATUS, resultKey } from "../../../lambdas/iac-ci/contract";
import { handler as orchestrate } from "../../../lambdas/iac-ci/orchestrator";
import { handler as check } from "../../../lambdas/iac-ci/watchdog_check";
import { objectCreated, observeDispatches, submitOrder } from "./support/orders";
import {
  captureLogs,
  clients,
  createPlatform,
  objectEtag,
  PLATFORM_SETUP_MS,
  type Platform,
  readLockItem,
  readObject,
  readOrder,
  uniqueName,
} from "./support/platform";

let p: Platform;
let logs: ReturnType<typeof captureLogs>;

const newOrderId = () => `o-${randomBytes(16).toString("hex")}`;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  p = await createPlatform("watchdog");
  logs = captureLogs();
}, PLATFORM_SETUP_MS);

afterAll(() => logs.restore());

test("before the deadline without a result: not done, input preserved, nothing written", async () => {
  const orderId = newOrderId();
  const input = { orderId, deadline: now() + 600, attempt: 3 };

  const out = await check(input);

  expect(out).toEqual({ ...input, done: false });
  expect(await readObject(p.internalBucket, resultKey(orderId))).toBeUndefined();
});

test("with a result: done, and the result is left as it is", async () => {
  const orderId = newOrderId();
  const body = JSON.stringify({ order_id: orderId, status: "succeeded", source: "lambda" });
  await clients().s3.send(new PutObjectCommand({ Bucket: p.internalBucket, Key: resultKey(orderId), Body: body }));
  const etag = await objectEtag(p.internalBucket, resultKey(orderId));

  // Also past the deadline: an existing result is never replaced by timed_out.
  for (const deadline of [now() + 600, now() - 600]) {
    expect(await check({ orderId, deadline })).toEqual({ orderId, deadline, done: true });
  }
  expect(await readObject(p.internalBucket, resultKey(orderId))).toBe(body);
  expect(await objectEtag(p.internalBucket, resultKey(orderId))).toBe(etag);
});

test("past the deadline without a result: writes a timed_out result and is done", async () => {
  const orderId = newOrderId();
  const deadline = now() - 1;

  const out = await check({ orderId, deadline });

  expect(out).toEqual({ orderId, deadline, done: true });
  const result = JSON.parse((await readObject(p.internalBucket, resultKey(orderId))) ?? "null");
  expect(result).toMatchObject({ order_id: orderId, status: ORDER_STATUS.timedOut, source: "watchdog" });
  expect(result.reason).toContain(new Date(deadline * 1000).toISOString());
});

test("its timed_out result drives the orchestrator: the order times out and the target is freed", async () => {
  const dispatches = observeDispatches();
  try {
    const target = uniqueName("hang");
    const orderId = await submitOrder(p, { order_name: target, commands: ["sleep 600"] });
    const next = await submitOrder(p, { order_name: target, commands: ["true"] });
    await orchestrate({ type: "order", orderId });
    await orchestrate({ type: "order", orderId: next });
    // The worker never reports. The watchdog polls with the deadline the orchestrator gave it.
    const deadline = (await readOrder(p, orderId))?.deadline as number;
    expect(await check({ orderId, deadline })).toMatchObject({ done: false });

    expect(await check({ orderId, deadline: now() - 1 })).toMatchObject({ done: true });
    const summary = await orchestrate(objectCreated(p.internalBucket, resultKey(orderId)));

    expect(summary).toMatchObject({ finished: [orderId], started: [next] });
    expect(await readOrder(p, orderId)).toMatchObject({ status: ORDER_STATUS.timedOut });
    expect(await readLockItem(p, target)).toMatchObject({ order_id: next });
    expect(dispatches.worker(next)).toHaveLength(1);
  } finally {
    dispatches.restore();
  }
});

test.each([
  [{ deadline: 1 }, /orderId/],
  [{ orderId: "../../etc", deadline: 1 }, /orderId/],
  [{ orderId: newOrderId(), deadline: "soon" }, /deadline/],
])("refuses malformed input %#", async (input, message) => {
  await expect(check(input as never)).rejects.toThrow(message);
});
