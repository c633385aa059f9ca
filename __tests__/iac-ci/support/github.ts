// GitHub webhook deliveries as GitHub sends them: the example payloads GitHub's own Octokit
// project publishes (@octokit/webhooks-examples, collected from real deliveries), with the
// headers GitHub's sender ("GitHub-Hookshot") puts on them.
import { createHmac, randomUUID } from "node:crypto";
import examples from "@octokit/webhooks-examples";

// biome-ignore lint/suspicious/noExplicitAny: payloads are GitHub's, read by field in the tests
export type GitHubPayload = Record<string, any>;

/** Every published example of an event, in the package's order. */
export function githubExamples(event: string): GitHubPayload[] {
  const entry = examples.find((e) => e.name === event);
  if (!entry) throw new Error(`@octokit/webhooks-examples has no ${event} examples`);
  return entry.examples as GitHubPayload[];
}

/** The first example of an event that matches; throws naming what was looked for. */
export function githubExample(event: string, match: (p: GitHubPayload) => boolean, what: string): GitHubPayload {
  const found = githubExamples(event).find(match);
  if (!found) throw new Error(`no ${event} example ${what}`);
  return found;
}

/** Names of all the events with examples. */
export const githubEventNames = (): string[] => examples.map((e) => e.name);

export interface Delivery {
  readonly body: Buffer;
  readonly headers: Record<string, string>;
  readonly deliveryId: string;
}

/**
 * A delivery of `payload` as GitHub makes it: the JSON body, `X-GitHub-Event`, a fresh
 * `X-GitHub-Delivery` GUID (or the given one: a redelivery keeps its GUID), and
 * `X-Hub-Signature-256` = HMAC-SHA256 of the body with the webhook's secret.
 */
export function githubDelivery(
  event: string,
  payload: GitHubPayload,
  secret: string,
  deliveryId: string = randomUUID(),
): Delivery {
  const body = Buffer.from(JSON.stringify(payload));
  return {
    body,
    deliveryId,
    headers: {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/044aadd",
      "x-github-event": event,
      "x-github-delivery": deliveryId,
      "x-github-hook-id": "292430182",
      "x-github-hook-installation-target-type": "repository",
      "x-github-hook-installation-target-id": "79929171",
      "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
    },
  };
}
