// What process_webhook makes of each GitHub delivery, on every example payload GitHub's Octokit
// project publishes for the events (not hand-written ones).
import { FUNCTION_ENV, GIT_ENV, PULL_REQUEST_BUILD_ACTIONS, WEBHOOK_LIMITS } from "../../../lambdas/iac-ci/contract";
import {
  type GitOrderSettings,
  gitDelivery,
  gitEnvironment,
  parseGitOrderSettings,
} from "../../../lambdas/iac-ci/lib/github";
import { validateOrder } from "../../../lambdas/iac-ci/lib/validate";
import { githubEventNames, githubExample, githubExamples } from "../support/github";

const settings: GitOrderSettings = { commands: ["make plan"], runner: "codebuild", timeout_seconds: 1800 };
const BUILT: readonly string[] = PULL_REQUEST_BUILD_ACTIONS;

describe("push deliveries", () => {
  const pushes = githubExamples("push");

  test("the examples cover a branch push, a tag push and deletions", () => {
    expect(pushes.some((p) => p.ref.startsWith("refs/heads/") && !p.deleted)).toBe(true);
    expect(pushes.some((p) => p.ref.startsWith("refs/tags/") && !p.deleted)).toBe(true);
    expect(pushes.some((p) => p.deleted)).toBe(true);
  });

  test.each(
    pushes.filter((p) => !p.deleted).map((p) => [p.ref, p]),
  )("a push to %s is an order for the pushed commit (after), running the configured commands", (_ref, payload) => {
    const delivery = gitDelivery("push", payload, settings);
    expect(delivery).toEqual({
      kind: "order",
      order: {
        order_name: `${payload.repository.full_name}:${payload.ref}`,
        commands: ["make plan"],
        runner: "codebuild",
        timeout_seconds: 1800,
      },
      source: {
        event: "push",
        repository: payload.repository.full_name,
        ref: payload.ref,
        sha: payload.after,
        clone_url: payload.repository.clone_url,
      },
    });
    // The order is one the API would accept too.
    if (delivery.kind === "order") expect(validateOrder(delivery.order)).toEqual({ ok: true, order: delivery.order });
  });

  test.each(
    pushes.filter((p) => p.deleted).map((p, i) => [i, p]),
  )("a push deleting a ref (example %s) is ignored: there is no commit", (_i, payload) => {
    expect(gitDelivery("push", payload, settings)).toEqual({
      kind: "ignored",
      reason: `push deleted ${payload.ref}: there is no commit to run`,
    });
  });

  test("a payload without the fields a push has is refused naming the field", () => {
    const branch = githubExample("push", (p) => p.ref === "refs/heads/master" && !p.deleted, "to master");
    expect(gitDelivery("push", { ...branch, after: "HEAD" }, settings)).toMatchObject({
      kind: "invalid",
      field: "after",
    });
    expect(gitDelivery("push", { ...branch, ref: "master" }, settings)).toMatchObject({
      kind: "invalid",
      field: "ref",
    });
    const { repository: _repository, ...noRepository } = branch;
    expect(gitDelivery("push", noRepository, settings)).toMatchObject({ kind: "invalid", field: "repository" });
    expect(
      gitDelivery("push", { ...branch, repository: { ...branch.repository, full_name: "no-owner" } }, settings),
    ).toMatchObject({
      kind: "invalid",
      field: "repository.full_name",
      message: "repository.full_name: must be owner/name",
    });
    expect(gitDelivery("push", [branch], settings)).toMatchObject({ kind: "invalid", field: "body" });
  });

  test("a ref with characters an order name cannot hold still makes a valid order name", () => {
    const branch = githubExample("push", (p) => p.ref === "refs/heads/master" && !p.deleted, "to master");
    const delivery = gitDelivery("push", { ...branch, ref: `refs/heads/feat+x@{1}${"y".repeat(200)}` }, settings);
    if (delivery.kind !== "order") throw new Error(`expected an order, got ${JSON.stringify(delivery)}`);
    expect(delivery.order.order_name).toMatch(/^Codertocat\/Hello-World:refs\/heads\/feat-x--1-y+$/);
    expect(delivery.order.order_name).toHaveLength(WEBHOOK_LIMITS.maxOrderNameLength);
    expect(validateOrder(delivery.order).ok).toBe(true);
    // The run still gets the ref as pushed.
    expect(delivery.source.ref).toBe(`refs/heads/feat+x@{1}${"y".repeat(200)}`);
  });
});

describe("pull_request deliveries", () => {
  const prs = githubExamples("pull_request");

  test.each(
    prs.filter((p) => BUILT.includes(p.action)).map((p) => [p.action, p]),
  )("action %s is an order for the pull request's head commit", (_action, payload) => {
    expect(gitDelivery("pull_request", payload, settings)).toEqual({
      kind: "order",
      order: {
        order_name: `${payload.repository.full_name}:pull/${payload.number}`,
        commands: ["make plan"],
        runner: "codebuild",
        timeout_seconds: 1800,
      },
      source: {
        event: "pull_request",
        repository: payload.repository.full_name,
        ref: `refs/pull/${payload.pull_request.number}/head`,
        sha: payload.pull_request.head.sha,
        clone_url: payload.repository.clone_url,
        pull_request: payload.pull_request.number,
        action: payload.action,
        base_ref: payload.pull_request.base.ref,
      },
    });
  });

  test("the examples include every action that builds", () => {
    for (const action of BUILT) expect(prs.map((p) => p.action)).toContain(action);
  });

  test.each(
    [...new Set(prs.map((p) => p.action as string))].filter((a) => !BUILT.includes(a)).map((a) => [a]),
  )("action %s starts no run, and says why", (action) => {
    const payload = prs.find((p) => p.action === action);
    expect(gitDelivery("pull_request", payload, settings)).toEqual({
      kind: "ignored",
      reason: `pull_request action ${action} changes no code; runs start on opened, synchronize, reopened`,
    });
  });

  test("a pull request without its head commit is refused naming the field", () => {
    const opened = githubExample("pull_request", (p) => p.action === "opened", "opened");
    const pr = { ...opened.pull_request, head: { ...opened.pull_request.head, sha: undefined } };
    expect(gitDelivery("pull_request", { ...opened, pull_request: pr }, settings)).toEqual({
      kind: "invalid",
      field: "pull_request.head.sha",
      message: "pull_request.head.sha: must be a commit SHA",
    });
    const { number: _n, ...noNumber } = opened.pull_request;
    expect(gitDelivery("pull_request", { ...opened, pull_request: noNumber }, settings)).toMatchObject({
      kind: "invalid",
      field: "pull_request.number",
    });
  });
});

describe("other events", () => {
  const others = githubEventNames().filter((name) => !["push", "pull_request", "ping"].includes(name));

  test.each(others.map((name) => [name]))("%s starts no run, and says why", (name) => {
    const [payload] = githubExamples(name);
    expect(gitDelivery(name, payload, settings)).toEqual({
      kind: "ignored",
      reason: `${name} events start no run; iac-ci runs push and pull_request (opened, synchronize, reopened)`,
    });
  });
});

describe("the settings of Git-host orders", () => {
  test("are an order's commands, runner and timeout; a bad one names its field", () => {
    expect(parseGitOrderSettings("X", '{"commands":["make"],"runner":"lambda","timeout_seconds":60}')).toEqual({
      commands: ["make"],
      runner: "lambda",
      timeout_seconds: 60,
    });
    expect(() => parseGitOrderSettings(FUNCTION_ENV.gitOrder, undefined)).toThrow(
      "IAC_CI_WEBHOOK_GIT_ORDER is not set",
    );
    expect(() => parseGitOrderSettings(FUNCTION_ENV.gitOrder, "{")).toThrow("IAC_CI_WEBHOOK_GIT_ORDER is not JSON");
    expect(() => parseGitOrderSettings(FUNCTION_ENV.gitOrder, '{"commands":[]}')).toThrow(
      "IAC_CI_WEBHOOK_GIT_ORDER: commands: required, a non-empty array of strings",
    );
    expect(() =>
      parseGitOrderSettings(FUNCTION_ENV.gitOrder, '{"commands":["make"],"runner":"lambda","timeout_seconds":9999}'),
    ).toThrow("IAC_CI_WEBHOOK_GIT_ORDER: timeout_seconds: must be between 1 and 540 for runner lambda");
    expect(() => parseGitOrderSettings(FUNCTION_ENV.gitOrder, '{"commands":["make"],"branch":"main"}')).toThrow(
      "IAC_CI_WEBHOOK_GIT_ORDER: branch: unknown field",
    );
  });

  test("a run sees its source as IAC_CI_GIT_* variables; an API order gets none", () => {
    const opened = githubExample("pull_request", (p) => p.action === "opened", "opened");
    const delivery = gitDelivery("pull_request", opened, settings);
    if (delivery.kind !== "order") throw new Error("expected an order");
    expect(gitEnvironment(delivery.source)).toEqual({
      [GIT_ENV.event]: "pull_request",
      [GIT_ENV.repository]: "Codertocat/Hello-World",
      [GIT_ENV.ref]: "refs/pull/2/head",
      [GIT_ENV.sha]: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
      [GIT_ENV.cloneUrl]: "https://github.com/Codertocat/Hello-World.git",
      [GIT_ENV.pullRequest]: "2",
      [GIT_ENV.baseRef]: "master",
    });
    expect(gitEnvironment(undefined)).toEqual({});
  });
});
