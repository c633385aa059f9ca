// The runtime limits in lambdas/contract.ts fit the infrastructure that runs them, and the key
// helpers round-trip.
import {
  API_ROUTES,
  DONE_PREFIX,
  doneKey,
  ENV,
  FUNCTION_ENV,
  FUNCTIONS,
  type FunctionKey,
  LOCK_LEASE_SLACK_SECONDS,
  ORDER_ID_PATTERN,
  orderIdFromResultKey,
  payloadKey,
  RUN_LIMITS,
  RUNNERS,
  resultKey,
  routeKeyOf,
  S3_PREFIX,
  WORKER_FUNCTION_TIMEOUT_SECONDS,
  WORKER_LIMITS,
  WORKER_TIMEOUT_SLACK_SECONDS,
} from "../../../lambdas/iac-ci/contract";
import { WATCHDOG_TIMEOUT_SECONDS, WATCHDOG_WAIT_SECONDS } from "../../../stacks/iac-ci/deploy-stack";
import { resourcesOf, synthPlatform } from "../../support/synth";

const orderId = "o-0123456789abcdef0123456789abcdef";

test("a lambda order fits in the deployed worker function's timeout, with room to report", () => {
  const worker = resourcesOf(synthPlatform().deploy, "aws_lambda_function").find(
    (f) => f.function_name === "iac-ci-dev-worker",
  );
  expect(worker?.timeout).toBe(WORKER_FUNCTION_TIMEOUT_SECONDS);
  expect(RUN_LIMITS.lambda.maxTimeoutSeconds + WORKER_TIMEOUT_SLACK_SECONDS).toBeLessThanOrEqual(worker?.timeout);
  expect(WORKER_TIMEOUT_SLACK_SECONDS * 1000).toBeGreaterThan(WORKER_LIMITS.marginMs);
});

test("every order's watchdog ends before the state machine's own timeout", () => {
  for (const runner of RUNNERS) {
    const { minTimeoutSeconds, maxTimeoutSeconds, defaultTimeoutSeconds, deadlineGraceSeconds } = RUN_LIMITS[runner];
    expect(minTimeoutSeconds).toBeGreaterThan(0);
    expect(defaultTimeoutSeconds).toBeGreaterThanOrEqual(minTimeoutSeconds);
    expect(defaultTimeoutSeconds).toBeLessThanOrEqual(maxTimeoutSeconds);
    expect(maxTimeoutSeconds + deadlineGraceSeconds + WATCHDOG_WAIT_SECONDS).toBeLessThan(WATCHDOG_TIMEOUT_SECONDS);
    // A lock's lease outlives the watchdog's deadline, so the watchdog frees it first.
    expect(LOCK_LEASE_SLACK_SECONDS).toBeGreaterThan(WATCHDOG_WAIT_SECONDS);
  }
  // CodeBuild allows at most 36 hours per build.
  expect(RUN_LIMITS.codebuild.maxTimeoutSeconds / 60 + 5).toBeLessThanOrEqual(2160);
});

test("keys: payloads under tmp/exec/, results under tmp/callbacks/runs/, done results under runs/", () => {
  expect(ORDER_ID_PATTERN.test(orderId)).toBe(true);
  expect(payloadKey(orderId).startsWith(S3_PREFIX.exec)).toBe(true);
  expect(resultKey(orderId).startsWith(S3_PREFIX.callbacks)).toBe(true);
  expect(doneKey(orderId)).toBe(`${DONE_PREFIX}${orderId}/result.json`);
  expect(orderIdFromResultKey(resultKey(orderId))).toBe(orderId);
  for (const key of [
    payloadKey(orderId),
    `${S3_PREFIX.callbacks}${orderId}/other.json`,
    `${S3_PREFIX.callbacks}not-an-order/result.json`,
    `${S3_PREFIX.callbacks}${orderId}/nested/result.json`,
  ]) {
    expect(orderIdFromResultKey(key)).toBeUndefined();
  }
});

describe("the deploy stack gives each handler what it reads", () => {
  const { deploy } = synthPlatform();

  /** Environment variables each handler requires (lambdas/*.ts read them with requireEnv). */
  const needs: Record<FunctionKey, string[]> = {
    processWebhook: [
      ENV.ordersTable,
      ENV.orderEventsTable,
      ENV.internalBucket,
      FUNCTION_ENV.webhookSecretParameter,
      FUNCTION_ENV.orchestratorFunction,
    ],
    orchestrator: [
      ENV.ordersTable,
      ENV.orderEventsTable,
      ENV.locksTable,
      ENV.internalBucket,
      ENV.doneBucket,
      FUNCTION_ENV.workerFunction,
      FUNCTION_ENV.runnerProject,
      FUNCTION_ENV.watchdogStateMachine,
    ],
    watchdogCheck: [ENV.internalBucket],
    worker: [ENV.internalBucket],
  };

  test.each(Object.keys(FUNCTIONS) as FunctionKey[])("%s: its command and environment", (key) => {
    const fns = resourcesOf(deploy, "aws_lambda_function").filter(
      (f) => f.image_config?.command?.[0] === FUNCTIONS[key].command,
    );
    expect(fns).toHaveLength(1);
    expect(Object.keys(fns[0].environment.variables)).toEqual(expect.arrayContaining(needs[key]));
  });

  test("the CodeBuild runner can find the payload bucket", () => {
    const [project] = resourcesOf(deploy, "aws_codebuild_project");
    const names = project.environment.environment_variable.map((v: { name: string }) => v.name);
    expect(names).toContain(ENV.internalBucket);
  });

  test("webhooks are open to HMAC-signed senders, order reads need SigV4", () => {
    const routes = Object.fromEntries(
      resourcesOf(deploy, "aws_apigatewayv2_route").map((r) => [r.route_key, r.authorization_type]),
    );
    expect(routes[routeKeyOf(API_ROUTES.webhook)]).toBe("NONE");
    expect(routes[routeKeyOf(API_ROUTES.order)]).toBe("AWS_IAM");
  });
});
