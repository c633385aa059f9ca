// iac-ci as its user tries it: a webhook order signed with the HMAC secret (X-Hub-Signature-256
// over the raw body, secret in SSM) posted to the HTTP API or the function URL is stored as an
// order and its events; the orchestrator takes the target's lock and starts the worker, whose
// result.json reaches it through the internal bucket's S3 notification; the order ends with its
// result in the done bucket, and the order's watchdog execution ends. A bad signature gets 401
// and nothing is written. Orders here use the lambda runner (the default): the local cloud's
// CodeBuild (moto's) records a build but runs none (see docs/runtime.md).
import { randomUUID } from "node:crypto";
import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DescribeExecutionCommand, type DescribeExecutionCommandOutput, SFNClient } from "@aws-sdk/client-sfn";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import {
  API_ROUTES,
  doneKey,
  ORDER_STATUS,
  payloadKey,
  resultKey,
  TERMINAL_STATUSES,
  WEBHOOK_HEADERS,
} from "../../../lambdas/iac-ci/contract";
import { signBody } from "../../../lambdas/iac-ci/lib/signature";
import { orderIdFor } from "../../../lambdas/iac-ci/process_webhook";
import { type HttpReply, httpCall } from "../../support/http-call";
import { check, defineSmoke, type SmokeContext, waitFor } from "../../support/smoke";
import { type GitHubPayload, githubDelivery, githubExample } from "../support/github";

export const STACK = "02-deploy";

/** The region the platform runs in (its state machine's ARN says). */
export const regionOf = (ctx: SmokeContext) => ctx.output(STACK, "step_function_arn").split(":")[3];
const outputMap = (ctx: SmokeContext, key: string) => JSON.parse(ctx.output(STACK, key)) as Record<string, string>;
export const tableNames = (ctx: SmokeContext) => outputMap(ctx, "dynamodb_table_names");
export const bucketNames = (ctx: SmokeContext) => outputMap(ctx, "s3_bucket_names");
export const functionNames = (ctx: SmokeContext) => outputMap(ctx, "lambda_function_names");
export const webhookApiUrl = (ctx: SmokeContext) =>
  new URL(API_ROUTES.webhook.path.slice(1), ctx.output(STACK, "api_gateway_url")).href;
export const orderUrl = (ctx: SmokeContext, orderId: string) =>
  new URL(API_ROUTES.order.path.slice(1).replace("{id}", orderId), ctx.output(STACK, "api_gateway_url")).href;
/** The watchdog execution of an order: the orchestrator names it by the order id. */
export const watchdogExecutionArn = (ctx: SmokeContext, orderId: string) =>
  `${ctx.output(STACK, "step_function_arn").replace(":stateMachine:", ":execution:")}:${orderId}`;

export const clients = (ctx: SmokeContext) => {
  const config = ctx.clientConfig(regionOf(ctx));
  return {
    ddb: DynamoDBDocumentClient.from(new DynamoDBClient(config)),
    s3: new S3Client(config),
    sfn: new SFNClient(config),
    ssm: new SSMClient(config),
    logs: new CloudWatchLogsClient(config),
  };
};

/** The webhook HMAC secret, as the Git host is configured with it (SSM SecureString). */
export async function webhookSecret(ctx: SmokeContext): Promise<string> {
  const out = await clients(ctx).ssm.send(
    new GetParameterCommand({ Name: ctx.output(STACK, "webhook_secret_parameter"), WithDecryption: true }),
  );
  const value = out.Parameter?.Value;
  check(value, `SSM parameter ${ctx.output(STACK, "webhook_secret_parameter")} has no value`);
  return value;
}

export interface OrderBody {
  order_name: string;
  commands: string[];
  runner?: "lambda" | "codebuild";
  timeout_seconds?: number;
}

export interface Delivery {
  /** Where to post: the HTTP API's POST /webhook (default) or the function URL. */
  to?: "api" | "function-url";
  deliveryId?: string;
  /** Sign with this secret; `signature` overrides; null sends no signature header. */
  secret?: string | null;
  signature?: string;
  contentType?: string;
  /** The raw body as sent (default: JSON of the order). */
  raw?: string;
}

/** POSTs a webhook delivery as a Git host sends it. */
export async function deliver(ctx: SmokeContext, body: OrderBody | undefined, options: Delivery): Promise<HttpReply> {
  const raw = options.raw ?? JSON.stringify(body);
  const headers: Record<string, string> = { "content-type": options.contentType ?? "application/json" };
  if (options.deliveryId !== undefined) headers[WEBHOOK_HEADERS.delivery] = options.deliveryId;
  const signature = options.signature ?? (options.secret ? signBody(options.secret, Buffer.from(raw)) : undefined);
  if (signature !== undefined) headers[WEBHOOK_HEADERS.signature] = signature;
  const url = options.to === "function-url" ? ctx.output(STACK, "webhook_function_url") : webhookApiUrl(ctx);
  return httpCall(url, { method: "POST", headers, body: raw });
}

/** POSTs a GitHub delivery of one of GitHub's published example payloads, as GitHub sends it. */
export async function deliverFromGitHub(
  ctx: SmokeContext,
  event: string,
  payload: GitHubPayload,
  options: { secret: string; to?: "api" | "function-url"; deliveryId?: string },
): Promise<{ reply: HttpReply; deliveryId: string }> {
  const delivery = githubDelivery(event, payload, options.secret, options.deliveryId);
  const url = options.to === "function-url" ? ctx.output(STACK, "webhook_function_url") : webhookApiUrl(ctx);
  const reply = await httpCall(url, { method: "POST", headers: delivery.headers, body: delivery.body });
  return { reply, deliveryId: delivery.deliveryId };
}

/** GitHub's example push to master and its pull request (#2) opened. */
export const GITHUB_PUSH = () => githubExample("push", (e) => e.ref === "refs/heads/master" && !e.deleted, "to master");
export const GITHUB_PULL_REQUEST = (action: string) =>
  githubExample("pull_request", (e) => e.action === action, `with action ${action}`);

/** What the default git_order command prints for a commit. */
export const gitReport = (event: string, repository: string, ref: string, sha: string) =>
  `iac-ci: ${event} of ${repository} ${ref} at ${sha}\n`;

/** Delivers an order and returns its id, checking the 202 answer. */
export async function acceptedOrder(
  ctx: SmokeContext,
  body: OrderBody,
  options: Delivery & { deliveryId: string; secret: string },
): Promise<string> {
  const reply = await deliver(ctx, body, options);
  check(reply.status === 202, `POST ${options.to ?? "api"} answered ${reply.status}: ${reply.text.slice(0, 300)}`);
  const answer = reply.json();
  check(
    answer.order_id === orderIdFor(options.deliveryId) && answer.status === ORDER_STATUS.queued && !answer.duplicate,
    `unexpected answer: ${reply.text}`,
  );
  return answer.order_id as string;
}

export interface OrderRow {
  order_id: string;
  order_name: string;
  status: string;
  runner: string;
  delivery_id: string;
  command_count: number;
  dispatch_ref?: string;
  reason?: string | null;
  exit_code?: number | null;
  [key: string]: unknown;
}

export async function orderRow(ctx: SmokeContext, orderId: string): Promise<OrderRow | undefined> {
  const out = await clients(ctx).ddb.send(
    new GetCommand({ TableName: tableNames(ctx).orders, Key: { pk: orderId }, ConsistentRead: true }),
  );
  return out.Item as OrderRow | undefined;
}

export interface EventRow {
  type: string;
  status?: string;
  at: string;
  [key: string]: unknown;
}

/** The order's events, oldest first (the sort key is `<time>#<type>`). */
export async function eventRows(ctx: SmokeContext, orderId: string): Promise<EventRow[]> {
  const out = await clients(ctx).ddb.send(
    new QueryCommand({
      TableName: tableNames(ctx).order_events,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": orderId },
      ConsistentRead: true,
    }),
  );
  return (out.Items ?? []) as EventRow[];
}

/**
 * The order's event types, read once. The orchestrator writes the terminal status and the
 * finished event in one transaction, so once the status is terminal the event is there too.
 */
export async function eventTypes(ctx: SmokeContext, orderId: string): Promise<string[]> {
  return (await eventRows(ctx, orderId)).map((e) => e.type);
}

/** The order once it is in a terminal status. */
export async function finishedOrder(ctx: SmokeContext, orderId: string, timeoutMs = 60_000): Promise<OrderRow> {
  return waitFor(
    `order ${orderId} to finish`,
    async () => {
      const row = await orderRow(ctx, orderId);
      return row && (TERMINAL_STATUSES as readonly string[]).includes(row.status) ? row : undefined;
    },
    timeoutMs,
  );
}

/** An object's JSON, or undefined when it does not exist. */
export async function objectJson<T = Record<string, unknown>>(
  ctx: SmokeContext,
  bucket: string,
  key: string,
): Promise<T | undefined> {
  try {
    const out = await clients(ctx).s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse((await out.Body?.transformToString("utf8")) ?? "null") as T;
  } catch (err) {
    if ((err as { name?: string }).name === "NoSuchKey") return undefined;
    throw err;
  }
}

export async function objectExists(ctx: SmokeContext, bucket: string, key: string): Promise<boolean> {
  try {
    await clients(ctx).s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (err) {
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw err;
  }
}

/** The structured log lines (`msg` and fields) a function wrote, of one order when given. */
export async function logLines(
  ctx: SmokeContext,
  fn: string,
  orderId?: string,
  since = 0,
): Promise<Array<{ msg: string; level: string; [key: string]: unknown }>> {
  const logs = clients(ctx).logs;
  const lines: Array<{ msg: string; level: string; [key: string]: unknown }> = [];
  let nextToken: string | undefined;
  do {
    const out = await logs.send(
      new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${fn}`, startTime: since, nextToken }),
    );
    for (const event of out.events ?? []) {
      const json = (event.message ?? "").slice((event.message ?? "").indexOf("{"));
      if (!json.startsWith("{")) continue;
      try {
        let line = JSON.parse(json);
        // Lambda's JSON log format wraps the handler's line in {timestamp, level, requestId, message}.
        if (typeof line.msg !== "string" && typeof line.message === "string") line = JSON.parse(line.message);
        if (typeof line.msg === "string" && (orderId === undefined || line.orderId === orderId)) lines.push(line);
      } catch {
        // not one of the handlers' JSON lines
      }
    }
    nextToken = out.nextToken;
  } while (nextToken);
  return lines;
}

/** The watchdog execution once it has ended. */
export async function watchdogEnded(
  ctx: SmokeContext,
  orderId: string,
  timeoutMs = 120_000,
): Promise<DescribeExecutionCommandOutput> {
  const sfn = clients(ctx).sfn;
  return waitFor(
    `the watchdog execution of ${orderId} to end`,
    async () => {
      const execution = await sfn.send(
        new DescribeExecutionCommand({ executionArn: watchdogExecutionArn(ctx, orderId) }),
      );
      return execution.status === "RUNNING" ? undefined : execution;
    },
    timeoutMs,
  );
}

/** A GET /orders/{id}, signed (the route is AWS_IAM), as a CI job reads an order's status. */
export async function readOrderOverApi(ctx: SmokeContext, orderId: string, signed = true): Promise<HttpReply> {
  return httpCall(orderUrl(ctx, orderId), {
    ...(signed ? { sign: { region: regionOf(ctx), credentials: ctx.credentials } } : {}),
  });
}

/** A fresh delivery id and target, so runs never share a lock or an order. */
export const freshDelivery = (what: string) => `smoke-${what}-${randomUUID()}`;

export const SMOKE_COMMANDS = ["echo terraform plan: no changes", 'test -d "$IAC_CI_WORKDIR" && echo workdir ok'];

interface State {
  secret?: string;
  run: string;
  apiOrder?: string;
  urlOrder?: string;
  pushOrder?: string;
  pushDelivery?: string;
  startedAt: number;
}

export const smoke = defineSmoke<State>({
  system: "iac-ci",
  init: () => ({ run: randomUUID().slice(0, 8), startedAt: Date.now() }),
  steps: [
    {
      name: "a signed webhook order posted to the HTTP API is accepted (202 queued)",
      async run(ctx, state) {
        state.secret = await webhookSecret(ctx);
        const deliveryId = freshDelivery("api");
        state.apiOrder = await acceptedOrder(
          ctx,
          { order_name: `smoke/${state.run}/api`, commands: SMOKE_COMMANDS, timeout_seconds: 60 },
          { deliveryId, secret: state.secret },
        );
        return `${state.apiOrder} for delivery ${deliveryId}`;
      },
    },
    {
      name: "the order is a row in orders with its received event in order_events and its payload in S3",
      async run(ctx, state) {
        check(state.apiOrder, "no order was accepted");
        const row = await orderRow(ctx, state.apiOrder);
        check(row, `no orders row ${state.apiOrder}`);
        check(
          row.order_name === `smoke/${state.run}/api` && row.runner === "lambda" && row.command_count === 2,
          `unexpected orders row: ${JSON.stringify(row)}`,
        );
        const events = await eventRows(ctx, state.apiOrder);
        const received = events.find((e) => e.type === "received");
        check(received?.status === ORDER_STATUS.queued, `no received event: ${JSON.stringify(events)}`);
        const payload = await objectJson<{ commands: string[] }>(
          ctx,
          bucketNames(ctx).internal,
          payloadKey(state.apiOrder),
        );
        check(
          JSON.stringify(payload?.commands) === JSON.stringify(SMOKE_COMMANDS),
          `payload ${payloadKey(state.apiOrder)}: ${JSON.stringify(payload)}`,
        );
        return `status ${row.status}, events ${events.map((e) => e.type).join(",")}`;
      },
    },
    {
      name: "the orchestrator takes the lock, starts the watchdog and the worker runs the commands",
      async run(ctx, state) {
        check(state.apiOrder, "no order was accepted");
        const orderId = state.apiOrder;
        const started = await waitFor("the started event", async () =>
          (await eventRows(ctx, orderId)).find((e) => e.type === "started"),
        );
        // The orchestrator records the dispatch (the worker's request id) once the invoke answered,
        // after the started event.
        const row = await waitFor("the order's dispatch_ref", async () => {
          const r = await orderRow(ctx, orderId);
          return r?.dispatch_ref ? r : undefined;
        });
        check(row.dispatch_ref?.startsWith("lambda:"), `dispatch_ref: ${row.dispatch_ref}`);
        const execution = await clients(ctx).sfn.send(
          new DescribeExecutionCommand({ executionArn: watchdogExecutionArn(ctx, orderId) }),
        );
        check(
          JSON.parse(execution.input ?? "{}").orderId === orderId,
          `watchdog input: ${execution.input} (${execution.status})`,
        );
        const worker = functionNames(ctx).worker;
        const ran = await waitFor(`${worker}'s "run finished" log line`, async () => {
          const lines = await logLines(ctx, worker, orderId, state.startedAt - 60_000);
          return lines.some((l) => l.msg === "run finished") ? lines : undefined;
        });
        check(
          ran.some((l) => l.msg === "run starting" && l.commands === 2),
          `worker log: ${JSON.stringify(ran)}`,
        );
        return `started ${started.at}, ${row.dispatch_ref}, watchdog ${execution.status}`;
      },
    },
    {
      name: "the worker's result.json reaches the orchestrator through the S3 notification",
      async run(ctx, state) {
        check(state.apiOrder, "no order was accepted");
        const orderId = state.apiOrder;
        const result = await waitFor("result.json in the internal bucket", () =>
          objectJson<{ source: string; status: string }>(ctx, bucketNames(ctx).internal, resultKey(orderId)),
        );
        check(result.source === "lambda" && result.status === ORDER_STATUS.succeeded, JSON.stringify(result));
        const orchestrator = functionNames(ctx).orchestrator;
        const finished = await waitFor(`${orchestrator}'s "order finished" log line`, async () =>
          (await logLines(ctx, orchestrator, orderId, state.startedAt - 60_000)).find(
            (l) => l.msg === "order finished",
          ),
        );
        check(finished.status === ORDER_STATUS.succeeded, `orchestrator: ${JSON.stringify(finished)}`);
        return `${resultKey(orderId)} (${result.status}) -> orchestrator "order finished"`;
      },
    },
    {
      name: "the order ends succeeded, its result in the done bucket and on GET /orders/{id}",
      async run(ctx, state) {
        check(state.apiOrder, "no order was accepted");
        const orderId = state.apiOrder;
        const row = await finishedOrder(ctx, orderId);
        check(row.status === ORDER_STATUS.succeeded && row.exit_code === 0, `order: ${JSON.stringify(row)}`);
        const done = await objectJson<{
          status: string;
          result: { commands: Array<{ stdout_tail: string; exit_code: number }> };
        }>(ctx, bucketNames(ctx).done, doneKey(orderId));
        check(done, `no ${doneKey(orderId)} in ${bucketNames(ctx).done}`);
        check(
          done.status === ORDER_STATUS.succeeded &&
            done.result.commands.map((c) => c.stdout_tail).join("") === "terraform plan: no changes\nworkdir ok\n",
          `done result: ${JSON.stringify(done)}`,
        );
        const recorded = await eventTypes(ctx, orderId);
        check(
          recorded.includes("finished"),
          `order ${orderId} is ${done.status} but its events are ${recorded.join(", ")}`,
        );
        const reply = await readOrderOverApi(ctx, orderId);
        check(reply.status === 200, `GET /orders/${orderId} answered ${reply.status}: ${reply.text.slice(0, 200)}`);
        const read = reply.json();
        const types = (read.events as Array<{ type: string }>).map((e) => e.type);
        check(
          read.order.status === ORDER_STATUS.succeeded && JSON.stringify(types) === '["received","started","finished"]',
          `GET /orders/${orderId}: ${reply.text}`,
        );
        const unsigned = await readOrderOverApi(ctx, orderId, false);
        check(unsigned.status === 403, `an unsigned GET /orders/{id} answered ${unsigned.status}`);
        return `succeeded, events ${types.join(" > ")}; unsigned read 403`;
      },
    },
    {
      name: "a signed order posted to the function URL runs the same way",
      async run(ctx, state) {
        check(state.secret, "no secret was read");
        const deliveryId = freshDelivery("url");
        state.urlOrder = await acceptedOrder(
          ctx,
          { order_name: `smoke/${state.run}/url`, commands: ["echo via the function URL"] },
          { to: "function-url", deliveryId, secret: state.secret },
        );
        const row = await finishedOrder(ctx, state.urlOrder);
        check(row.status === ORDER_STATUS.succeeded, `order: ${JSON.stringify(row)}`);
        const done = await objectJson<{ status: string }>(ctx, bucketNames(ctx).done, doneKey(state.urlOrder));
        check(done?.status === ORDER_STATUS.succeeded, `done result: ${JSON.stringify(done)}`);
        return `${state.urlOrder} succeeded`;
      },
    },
    {
      name: "GitHub's push delivery to the function URL runs the pushed commit; its redelivery runs nothing more",
      async run(ctx, state) {
        check(state.secret, "no secret was read");
        const push = GITHUB_PUSH();
        const { reply, deliveryId } = await deliverFromGitHub(ctx, "push", push, {
          secret: state.secret,
          to: "function-url",
        });
        check(reply.status === 202, `push answered ${reply.status}: ${reply.text.slice(0, 300)}`);
        const answer = reply.json();
        check(answer.source?.sha === push.after, `push answer: ${reply.text}`);
        state.pushOrder = answer.order_id as string;
        state.pushDelivery = deliveryId;
        const row = await finishedOrder(ctx, state.pushOrder);
        check(row.status === ORDER_STATUS.succeeded, `order: ${JSON.stringify(row)}`);
        const done = await objectJson<{ result: { commands: Array<{ stdout_tail: string }> } }>(
          ctx,
          bucketNames(ctx).done,
          doneKey(state.pushOrder),
        );
        const printed = done?.result.commands.map((c) => c.stdout_tail).join("");
        const expected = gitReport("push", push.repository.full_name, push.ref, push.after);
        check(printed === expected, `the run printed ${JSON.stringify(printed)}, not ${JSON.stringify(expected)}`);
        const again = await deliverFromGitHub(ctx, "push", push, { secret: state.secret, deliveryId });
        check(
          again.reply.status === 202 &&
            again.reply.json().duplicate === true &&
            again.reply.json().order_id === state.pushOrder,
          `the redelivery answered ${again.reply.status}: ${again.reply.text.slice(0, 300)}`,
        );
        const events = (await eventRows(ctx, state.pushOrder)).map((e) => e.type);
        check(JSON.stringify(events) === '["received","started","finished"]', `events after the redelivery: ${events}`);
        return `${row.order_name} at ${push.after.slice(0, 7)}: ${printed?.trim()}; redelivery: duplicate, events ${events.join(",")}`;
      },
    },
    {
      name: "GitHub's pull_request (opened) to the API runs its head commit; ping answers 200, a closed pull request 202 ignored",
      async run(ctx, state) {
        check(state.secret, "no secret was read");
        const opened = GITHUB_PULL_REQUEST("opened");
        const { reply } = await deliverFromGitHub(ctx, "pull_request", opened, { secret: state.secret });
        check(reply.status === 202, `pull_request answered ${reply.status}: ${reply.text.slice(0, 300)}`);
        const orderId = reply.json().order_id as string;
        const row = await finishedOrder(ctx, orderId);
        check(row.status === ORDER_STATUS.succeeded, `order: ${JSON.stringify(row)}`);
        const done = await objectJson<{ result: { commands: Array<{ stdout_tail: string }> } }>(
          ctx,
          bucketNames(ctx).done,
          doneKey(orderId),
        );
        const printed = done?.result.commands.map((c) => c.stdout_tail).join("");
        const expected = gitReport(
          "pull_request",
          opened.repository.full_name,
          `refs/pull/${opened.number}/head`,
          opened.pull_request.head.sha,
        );
        check(printed === expected, `the run printed ${JSON.stringify(printed)}, not ${JSON.stringify(expected)}`);

        const ping = await deliverFromGitHub(
          ctx,
          "ping",
          githubExample("ping", () => true, "any"),
          {
            secret: state.secret,
          },
        );
        check(ping.reply.status === 200, `ping answered ${ping.reply.status}: ${ping.reply.text}`);
        const closed = await deliverFromGitHub(ctx, "pull_request", GITHUB_PULL_REQUEST("closed"), {
          secret: state.secret,
        });
        check(
          closed.reply.status === 202 && closed.reply.json().ignored === true,
          `closed answered ${closed.reply.status}: ${closed.reply.text}`,
        );
        check(!(await orderRow(ctx, orderIdFor(closed.deliveryId))), "the closed pull request wrote an order");
        return `${row.order_name}: ${printed?.trim()}; ping 200; closed: ${closed.reply.json().reason}`;
      },
    },
    {
      name: "a bad signature gets 401 and writes nothing",
      async run(ctx, state) {
        const deliveryId = freshDelivery("forged");
        const orderId = orderIdFor(deliveryId);
        const body = { order_name: `smoke/${state.run}/forged`, commands: ["echo never"] };
        const reply = await deliver(ctx, body, { deliveryId, secret: "not-the-webhook-secret" });
        check(reply.status === 401, `a bad signature answered ${reply.status}: ${reply.text.slice(0, 200)}`);
        check(reply.json().error === "unauthorized", `401 body: ${reply.text}`);
        check(!(await orderRow(ctx, orderId)), `an orders row ${orderId} was written`);
        check((await eventRows(ctx, orderId)).length === 0, `order_events rows for ${orderId} were written`);
        check(
          !(await objectExists(ctx, bucketNames(ctx).internal, payloadKey(orderId))),
          `a payload ${payloadKey(orderId)} was written`,
        );
        return `401 ${reply.text}`;
      },
    },
    {
      name: "the order's watchdog execution ends SUCCEEDED once the result is there",
      async run(ctx, state) {
        check(state.apiOrder, "no order was accepted");
        // The watchdog polls every WATCHDOG_WAIT_SECONDS (60 s, real seconds on this local cloud).
        const execution = await watchdogEnded(ctx, state.apiOrder, 150_000);
        check(execution.status === "SUCCEEDED", `watchdog ${execution.status}: ${execution.error} ${execution.cause}`);
        check(JSON.parse(execution.output ?? "{}").done === true, `watchdog output: ${execution.output}`);
        const seconds = ((execution.stopDate?.getTime() ?? 0) - (execution.startDate?.getTime() ?? 0)) / 1000;
        return `SUCCEEDED after ${seconds.toFixed(0)} s: ${execution.output}`;
      },
    },
  ],
  tryIt: (ctx) => {
    const api = webhookApiUrl(ctx);
    const sign = `-H "x-hub-signature-256: sha256=$(printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$SECRET" | awk '{print $NF}')"`;
    return [
      `SECRET=$(${ctx.awsCli} ssm get-parameter --name ${ctx.output(STACK, "webhook_secret_parameter")} --with-decryption --query Parameter.Value --output text)`,
      `BODY='{"order_name":"try/it","commands":["echo hello"],"timeout_seconds":60}'`,
      `curl -s -X POST ${api} -H 'content-type: application/json' -H "x-github-delivery: try-$(date +%s)" ${sign} -d "$BODY"`,
      `curl -s -X POST ${ctx.output(STACK, "webhook_function_url")} -H 'content-type: application/json' -H "x-github-delivery: try-url-$(date +%s)" ${sign} -d "$BODY"`,
      `curl -s ${ctx.output(STACK, "api_gateway_url")}orders/<order_id> ${ctx.curlSigned(regionOf(ctx))}`,
      `${ctx.awsCli} s3 cp s3://${bucketNames(ctx).done}/runs/<order_id>/result.json -`,
      `${ctx.awsCli} stepfunctions describe-execution --execution-arn ${watchdogExecutionArn(ctx, "<order_id>")}`,
      `${ctx.awsCli} logs filter-log-events --log-group-name /aws/lambda/${functionNames(ctx).worker} --query 'events[].message'`,
      `curl -i -X POST ${api} -H 'content-type: application/json' -H 'x-hub-signature-256: sha256=00' -d "$BODY"   # 401`,
      `# a GitHub push (GitHub's published example payload), as GitHub signs and sends it:`,
      `BODY=$(node -p 'JSON.stringify(require("@octokit/webhooks-examples").find(e => e.name === "push").examples[4])')`,
      `curl -s -X POST ${ctx.output(STACK, "webhook_function_url")} -H 'content-type: application/json' -H 'x-github-event: push' -H "x-github-delivery: try-push-$(date +%s)" ${sign} -d "$BODY"`,
    ];
  },
});
