// The pipeline as its user tries it: a SigV4-signed POST /runs starts an execution of the state
// machine, which ends with lambda_two's result, or FAILED with lambda_one's error for an input it
// rejects; an unsigned request never starts one.
import { DescribeExecutionCommand, type DescribeExecutionCommandOutput, SFNClient } from "@aws-sdk/client-sfn";
import { API_ROUTES, ERRORS, type PipelineResult } from "../../../lambdas/sfn-pipeline/contract";
import { httpCall } from "../../support/http-call";
import { check, defineSmoke, type SmokeContext, waitFor } from "../../support/smoke";

const STACK = "sfn-pipeline";
export const GOOD_RUN = {
  requestId: "smoke-order-1",
  currency: "EUR",
  items: [
    { sku: "A-100", quantity: 2, unitPrice: 9.99 },
    { sku: "B-200", quantity: 1, unitPrice: 5 },
  ],
};
/** lambda_one refuses it: no items. */
export const REJECTED_RUN = { requestId: "smoke-order-2", items: [] };

/** The region the pipeline runs in (its state machine's ARN says). */
export const regionOf = (ctx: SmokeContext) => ctx.output(STACK, "state_machine_arn").split(":")[3];
export const runsUrl = (ctx: SmokeContext) =>
  new URL(API_ROUTES.startRun.path.slice(1), ctx.output(STACK, "api_url")).href;

/** POST /runs, signed as the local cloud's admin (unless `signed` is false). */
export async function startRun(ctx: SmokeContext, body: unknown, signed = true) {
  return httpCall(runsUrl(ctx), {
    method: API_ROUTES.startRun.method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    ...(signed ? { sign: { region: regionOf(ctx), credentials: ctx.credentials } } : {}),
  });
}

/** Starts a run and returns its execution ARN, checking the API's answer. */
export async function startedExecution(ctx: SmokeContext, body: unknown): Promise<string> {
  const reply = await startRun(ctx, body);
  check(reply.status === 200, `POST /runs answered ${reply.status}: ${reply.text.slice(0, 300)}`);
  const arn = reply.json().executionArn;
  check(typeof arn === "string" && arn.includes(":execution:"), `POST /runs answered no execution ARN: ${reply.text}`);
  return arn;
}

/** The execution once it has ended (SUCCEEDED, FAILED, TIMED_OUT or ABORTED). */
export async function ended(
  ctx: SmokeContext,
  executionArn: string,
  timeoutMs = 90_000,
): Promise<DescribeExecutionCommandOutput> {
  const sfn = new SFNClient(ctx.clientConfig(regionOf(ctx)));
  return waitFor(
    `execution ${executionArn} to end`,
    async () => {
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return execution.status === "RUNNING" || execution.status === "PENDING_REDRIVE" ? undefined : execution;
    },
    timeoutMs,
  );
}

interface State {
  good?: string;
  rejected?: string;
}

export const smoke = defineSmoke<State>({
  system: "sfn-pipeline",
  init: () => ({}),
  steps: [
    {
      name: "a signed POST /runs starts an execution",
      async run(ctx, state) {
        state.good = await startedExecution(ctx, GOOD_RUN);
        return state.good;
      },
    },
    {
      name: "the execution succeeds with lambda_two's result",
      async run(ctx, state) {
        check(state.good, "no execution was started");
        const execution = await ended(ctx, state.good);
        check(
          execution.status === "SUCCEEDED",
          `the execution ended ${execution.status}: ${execution.error ?? ""} ${execution.cause ?? ""}`,
        );
        const result = JSON.parse(execution.output ?? "null") as PipelineResult;
        check(
          result.requestId === GOOD_RUN.requestId &&
            result.currency === "EUR" &&
            result.itemCount === 2 &&
            result.totalQuantity === 3 &&
            result.total === 24.98 &&
            typeof result.completedAt === "string",
          `unexpected result: ${execution.output}`,
        );
        return `total ${result.total} ${result.currency} for ${result.itemCount} items`;
      },
    },
    {
      name: "an input lambda_one rejects ends FAILED with its error name and cause",
      async run(ctx, state) {
        state.rejected = await startedExecution(ctx, REJECTED_RUN);
        const execution = await ended(ctx, state.rejected);
        check(execution.status === "FAILED", `the execution ended ${execution.status}, not FAILED`);
        check(
          execution.error === ERRORS.validation,
          `the execution failed with ${execution.error}, not ${ERRORS.validation}`,
        );
        check(
          (execution.cause ?? "").includes("items must be a non-empty array"),
          `the cause does not name the field: ${execution.cause}`,
        );
        let message = execution.cause ?? "";
        try {
          message = JSON.parse(message).errorMessage ?? message;
        } catch {
          // a cause that is not Lambda's error JSON is shown as it is
        }
        return `${execution.error}: ${message}`;
      },
    },
    {
      name: "an unsigned POST /runs is refused",
      async run(ctx) {
        const reply = await startRun(ctx, GOOD_RUN, false);
        check(reply.status === 403, `an unsigned POST /runs answered ${reply.status}: ${reply.text.slice(0, 200)}`);
        return `403 ${reply.text.slice(0, 80)}`;
      },
    },
  ],
  tryIt: (ctx) => [
    `${ctx.awsCli} stepfunctions start-execution --region ${regionOf(ctx)} --state-machine-arn ${ctx.output(STACK, "state_machine_arn")} --input '${JSON.stringify(GOOD_RUN)}'`,
    `${ctx.awsCli} stepfunctions list-executions --region ${regionOf(ctx)} --state-machine-arn ${ctx.output(STACK, "state_machine_arn")}`,
    `curl -s -X POST ${runsUrl(ctx)} ${ctx.curlSigned(regionOf(ctx))} -H 'content-type: application/json' -d '${JSON.stringify(GOOD_RUN)}'`,
    `curl -i -X POST ${runsUrl(ctx)} -d '{}'   # unsigned: 403`,
  ],
});
