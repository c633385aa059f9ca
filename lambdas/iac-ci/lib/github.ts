/**
 * Orders from a Git host's deliveries (GitHub's webhook payloads, X-GitHub-Event): a `push` builds
 * the pushed commit (`after`), a `pull_request` opened, synchronized or reopened builds its head
 * commit. What such an order runs is the stack's setting (GitOrderSettings), never the payload's:
 * a delivery picks the commit, not the commands. Anything else is ignored with the reason.
 */
import { GIT_ENV, GIT_EVENTS, PULL_REQUEST_BUILD_ACTIONS, type Runner, WEBHOOK_LIMITS } from "../contract";
import { isRecord, type OrderRequest, validateOrder } from "./validate";

/** The commit an order builds and where it came from (stored with the order and its payload). */
export interface GitSource {
  readonly event: "push" | "pull_request";
  /** `owner/name`. */
  readonly repository: string;
  readonly ref: string;
  readonly sha: string;
  readonly clone_url: string;
  readonly pull_request?: number;
  readonly action?: string;
  readonly base_ref?: string;
}

/** What Git-host orders run: the stack's `git_order` variable, passed as FUNCTION_ENV.gitOrder. */
export interface GitOrderSettings {
  readonly commands: readonly string[];
  readonly runner: Runner;
  readonly timeout_seconds: number;
}

export type GitDelivery =
  | { readonly kind: "order"; readonly order: OrderRequest; readonly source: GitSource }
  | { readonly kind: "ignored"; readonly reason: string }
  | { readonly kind: "invalid"; readonly field: string; readonly message: string };

/** Parses the settings; throws naming the setting's field when they are not a valid order. */
export function parseGitOrderSettings(name: string, text: string | undefined): GitOrderSettings {
  if (text === undefined || text.length === 0) throw new Error(`${name} is not set`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${name} is not JSON`);
  }
  const checked = validateOrder(isRecord(value) ? { order_name: "settings", ...value } : value);
  if (!checked.ok) throw new Error(`${name}: ${checked.message}`);
  const { commands, runner, timeout_seconds } = checked.order;
  return { commands, runner, timeout_seconds };
}

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const ZERO_SHA = /^0+$/;
const REPOSITORY = /^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/;

/** The order a Git-host event asks for, or why there is none. */
export function gitDelivery(event: string, body: unknown, settings: GitOrderSettings): GitDelivery {
  if (event === GIT_EVENTS.push) return push(body, settings);
  if (event === GIT_EVENTS.pullRequest) return pullRequest(body, settings);
  return {
    kind: "ignored",
    reason: `${event} events start no run; iac-ci runs push and pull_request (${PULL_REQUEST_BUILD_ACTIONS.join(", ")})`,
  };
}

function push(body: unknown, settings: GitOrderSettings): GitDelivery {
  if (!isRecord(body)) return invalid("body", "a push payload must be a JSON object");
  const repository = repositoryOf(body);
  if (repository.kind !== "repository") return repository;
  const { ref, after, deleted } = body;
  if (typeof ref !== "string" || !ref.startsWith("refs/"))
    return invalid("ref", "must be a ref such as refs/heads/main");
  // A deleted branch or tag: its `after` is all zeros, there is no commit to build.
  if (deleted === true || (typeof after === "string" && ZERO_SHA.test(after))) {
    return { kind: "ignored", reason: `push deleted ${ref}: there is no commit to run` };
  }
  if (typeof after !== "string" || !SHA.test(after)) return invalid("after", "must be the pushed commit's SHA");
  return order(settings, {
    event: GIT_EVENTS.push,
    repository: repository.fullName,
    ref,
    sha: after,
    clone_url: repository.cloneUrl,
  });
}

function pullRequest(body: unknown, settings: GitOrderSettings): GitDelivery {
  if (!isRecord(body)) return invalid("body", "a pull_request payload must be a JSON object");
  const { action, pull_request: pr } = body;
  if (typeof action !== "string") return invalid("action", "must be the pull request's action");
  if (!(PULL_REQUEST_BUILD_ACTIONS as readonly string[]).includes(action)) {
    return {
      kind: "ignored",
      reason: `pull_request action ${action} changes no code; runs start on ${PULL_REQUEST_BUILD_ACTIONS.join(", ")}`,
    };
  }
  const repository = repositoryOf(body);
  if (repository.kind !== "repository") return repository;
  if (!isRecord(pr)) return invalid("pull_request", "must be an object");
  const { number, head, base } = pr;
  if (typeof number !== "number" || !Number.isInteger(number) || number < 1) {
    return invalid("pull_request.number", "must be a positive integer");
  }
  const sha = isRecord(head) ? head.sha : undefined;
  if (typeof sha !== "string" || !SHA.test(sha)) return invalid("pull_request.head.sha", "must be a commit SHA");
  const baseRef = isRecord(base) ? base.ref : undefined;
  return order(settings, {
    event: GIT_EVENTS.pullRequest,
    repository: repository.fullName,
    // The base repository serves every pull request's head, from a fork too.
    ref: `refs/pull/${number}/head`,
    sha,
    clone_url: repository.cloneUrl,
    pull_request: number,
    action,
    ...(typeof baseRef === "string" ? { base_ref: baseRef } : {}),
  });
}

function repositoryOf(
  body: Record<string, unknown>,
): { kind: "repository"; fullName: string; cloneUrl: string } | GitDelivery {
  const repo = body.repository;
  if (!isRecord(repo)) return invalid("repository", "must be an object");
  const { full_name: fullName, clone_url: cloneUrl } = repo;
  if (typeof fullName !== "string" || !REPOSITORY.test(fullName)) {
    return invalid("repository.full_name", "must be owner/name");
  }
  if (typeof cloneUrl !== "string" || !/^https?:\/\//.test(cloneUrl)) {
    return invalid("repository.clone_url", "must be an http(s) URL");
  }
  return { kind: "repository", fullName, cloneUrl };
}

/**
 * The order: its name is the target (one run at a time per name), so pushes to one branch, or
 * updates of one pull request, run in order while other branches run beside them.
 */
function order(settings: GitOrderSettings, source: GitSource): GitDelivery {
  const target = source.pull_request === undefined ? source.ref : `pull/${source.pull_request}`;
  const orderName = `${source.repository}:${target}`
    .replace(/[^A-Za-z0-9._:/-]/g, "-")
    .slice(0, WEBHOOK_LIMITS.maxOrderNameLength);
  return {
    kind: "order",
    order: {
      order_name: orderName,
      commands: settings.commands,
      runner: settings.runner,
      timeout_seconds: settings.timeout_seconds,
    },
    source,
  };
}

/** The run's view of its source (GIT_ENV), for the commands' environment. */
export function gitEnvironment(source: GitSource | undefined): Record<string, string> {
  if (!source) return {};
  return {
    [GIT_ENV.event]: source.event,
    [GIT_ENV.repository]: source.repository,
    [GIT_ENV.ref]: source.ref,
    [GIT_ENV.sha]: source.sha,
    [GIT_ENV.cloneUrl]: source.clone_url,
    ...(source.pull_request === undefined ? {} : { [GIT_ENV.pullRequest]: String(source.pull_request) }),
    ...(source.base_ref === undefined ? {} : { [GIT_ENV.baseRef]: source.base_ref }),
  };
}

const invalid = (field: string, message: string): GitDelivery => ({
  kind: "invalid",
  field,
  message: `${field}: ${message}`,
});
