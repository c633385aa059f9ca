// A loopback HTTP server speaking the OpenAI chat-completions wire format, standing in for the
// real endpoint (unreachable from here) in tests only. It records every request (headers and
// JSON body) and answers with whatever the test scripted: a completion, an API error body with
// a status, a delay, or a dropped connection.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  // biome-ignore lint/suspicious/noExplicitAny: the request body is JSON from the client library.
  readonly body: any;
}

export type Scripted =
  | { readonly kind: "reply"; readonly content: string | null; readonly model?: string; readonly delayMs?: number }
  | {
      readonly kind: "error";
      readonly status: number;
      readonly message: string;
      readonly type?: string;
      readonly code?: string | null;
    }
  | { readonly kind: "hang" };

export interface FakeOpenAi {
  /** Base URL to give the client, e.g. http://127.0.0.1:1234/v1. */
  readonly baseURL: string;
  readonly requests: RecordedRequest[];
  /** Answers for the next requests, in order; when none is left, a default reply. */
  script(...answers: Scripted[]): void;
  /** Forgets recorded requests and unused scripted answers. */
  reset(): void;
  close(): Promise<void>;
}

/** The answer OpenAI gives to POST /v1/chat/completions. */
export function completion(model: string, content: string | null, promptTokens = 42, completionTokens = 7) {
  return {
    id: "chatcmpl-test",
    object: "chat.completion",
    created: 1_700_000_000,
    model,
    choices: [
      { index: 0, message: { role: "assistant", content, refusal: null }, logprobs: null, finish_reason: "stop" },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  };
}

export async function startFakeOpenAi(pathPrefix = "/v1"): Promise<FakeOpenAi> {
  const requests: RecordedRequest[] = [];
  const queue: Scripted[] = [];
  const sockets = new Set<import("node:net").Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body });
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, {
          "content-type": "application/json",
          "x-request-id": `req_${requests.length}`,
          // Retries of the client library wait this long (keeps the tests fast).
          "retry-after-ms": "10",
        });
        res.end(JSON.stringify(payload));
      };
      if (req.method !== "POST" || req.url !== `${pathPrefix}/chat/completions`) {
        send(404, {
          error: {
            message: `Unknown request URL: ${req.method} ${req.url}`,
            type: "invalid_request_error",
            code: "unknown_url",
          },
        });
        return;
      }
      const answer = queue.shift() ?? { kind: "reply", content: "Default fake reply." };
      if (answer.kind === "hang") return; // never answers: the client's timeout must fire
      if (answer.kind === "error") {
        send(answer.status, {
          error: {
            message: answer.message,
            type: answer.type ?? "invalid_request_error",
            param: null,
            code: answer.code ?? null,
          },
        });
        return;
      }
      const model = answer.model ?? (body as { model?: string })?.model ?? "unknown";
      const reply = () => send(200, completion(model, answer.content));
      if (answer.delayMs) setTimeout(reply, answer.delayMs);
      else reply();
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}${pathPrefix}`,
    requests,
    script: (...answers) => queue.push(...answers),
    reset: () => {
      requests.length = 0;
      queue.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
