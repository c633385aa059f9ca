// The agent against the emulator's real SSM (the key's SecureString parameter) and a loopback
// server speaking OpenAI's chat-completions wire format (the real endpoint is unreachable here).
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { type AgentContext, handler } from "../../../lambdas/trip-assistant/agent";
import { AGENT_ERRORS, ENV, LIMITS, OPENAI_DEFAULTS, SYSTEM_PROMPT } from "../../../lambdas/trip-assistant/contract";
import { apiKeyReads } from "../../../lambdas/trip-assistant/lib/api-key";
import { captureLogs, clientConfig, putKey, useEmulator } from "./support/emulator";
import { type FakeOpenAi, startFakeOpenAi } from "./support/openai-server";

jest.setTimeout(30_000);

/** Keys look like OpenAI's; none of them, nor a long piece of one, may ever reach a log or an error. */
const KEY = "sk-test-A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6";
const ROTATED = "sk-test-Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4";

let openai: FakeOpenAi;
let logs: ReturnType<typeof captureLogs>;
let parameter: string;
const ssm = () => new SSMClient(clientConfig());

const context = (remainingMs = 30_000): AgentContext => ({
  getRemainingTimeInMillis: () => remainingMs,
  awsRequestId: "req-test",
});

/** The error the handler threw (it must throw). */
async function failure(event: unknown, ctx: AgentContext = context()): Promise<Error> {
  try {
    await handler(event, ctx);
  } catch (err) {
    return err as Error;
  }
  throw new Error("the agent did not fail");
}

beforeAll(async () => {
  await useEmulator();
  openai = await startFakeOpenAi();
  logs = captureLogs();
  parameter = await putKey(KEY);
  process.env[ENV.ssmParameterName] = parameter;
  process.env[ENV.openaiBaseUrl] = openai.baseURL;
  process.env[ENV.openaiModel] = "gpt-test-mini";
  process.env[ENV.environment] = "test";
});

afterAll(async () => {
  logs?.restore();
  await openai?.close();
});

beforeEach(() => openai.reset());

describe("agent: a reply from the OpenAI-compatible endpoint", () => {
  test("sends the system prompt, the history and the message with the key from SSM; answers the reply", async () => {
    openai.script({ kind: "reply", content: "Lisbon in May: mild and sunny." });
    const reply = await handler(
      {
        message: "Where should I go in May?",
        history: [
          { role: "user", content: "I like the sea." },
          { role: "assistant", content: "Noted: coastal places." },
        ],
      },
      context(),
    );
    expect(reply).toEqual({
      reply: "Lisbon in May: mild and sunny.",
      model: "gpt-test-mini",
      usage: { promptTokens: 42, completionTokens: 7 },
    });
    expect(openai.requests).toHaveLength(1);
    const [request] = openai.requests;
    // The configurable base URL, path included.
    expect(request.path).toBe("/v1/chat/completions");
    expect(request.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(request.body).toMatchObject({
      model: "gpt-test-mini",
      max_completion_tokens: OPENAI_DEFAULTS.maxCompletionTokens,
      messages: [
        { role: "system", content: SYSTEM_PROMPT },
        { role: "user", content: "I like the sea." },
        { role: "assistant", content: "Noted: coastal places." },
        { role: "user", content: "Where should I go in May?" },
      ],
    });
  });

  test("reads the key once per container: a changed parameter is not read again while the key works", async () => {
    const name = await putKey(KEY);
    process.env[ENV.ssmParameterName] = name;
    const readsBefore = apiKeyReads();
    await handler({ message: "first" }, context());
    await ssm().send(new PutParameterCommand({ Name: name, Type: "SecureString", Value: ROTATED, Overwrite: true }));
    await handler({ message: "second" }, context());
    expect(apiKeyReads() - readsBefore).toBe(1);
    expect(openai.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${KEY}`, `Bearer ${KEY}`]);
    process.env[ENV.ssmParameterName] = parameter;
  });

  test("a key the endpoint rejects (401) is a configuration error without the key; the next call reads SSM again", async () => {
    const name = await putKey(KEY);
    process.env[ENV.ssmParameterName] = name;
    await handler({ message: "warm the cache" }, context());
    // OpenAI's real 401 message quotes the start and end of the key it was given.
    openai.script({
      kind: "error",
      status: 401,
      message: `Incorrect API key provided: ${KEY.slice(0, 10)}****${KEY.slice(-4)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      code: "invalid_api_key",
    });
    const err = await failure({ message: "hello" });
    expect(err.name).toBe(AGENT_ERRORS.configuration);
    expect(err.message).toMatch(/rejected the OpenAI API key \(401\) \(invalid_api_key\)/);
    expect(err.message).not.toContain(KEY.slice(0, 10));
    expect(err.message).not.toContain(KEY.slice(-4));

    // The operator rotates the key: the next invocation picks it up without a cold start.
    await ssm().send(new PutParameterCommand({ Name: name, Type: "SecureString", Value: ROTATED, Overwrite: true }));
    openai.requests.length = 0;
    await handler({ message: "again" }, context());
    expect(openai.requests[0].headers.authorization).toBe(`Bearer ${ROTATED}`);
    process.env[ENV.ssmParameterName] = parameter;
  });
});

describe("agent: clear errors", () => {
  test("a missing parameter is a configuration error naming it; the next call tries SSM again", async () => {
    const name = "/trip-assistant-test/missing/openai-api-key";
    process.env[ENV.ssmParameterName] = name;
    const err = await failure({ message: "hello" });
    expect(err.name).toBe(AGENT_ERRORS.configuration);
    expect(err.message).toBe(`the OpenAI API key parameter ${name} does not exist`);
    expect(openai.requests).toHaveLength(0);
    // Created afterwards (the failure was not cached): the agent works without a cold start.
    await putKey(KEY, name);
    await expect(handler({ message: "hello" }, context())).resolves.toMatchObject({ model: "gpt-test-mini" });
    await ssm().send(new DeleteParameterCommand({ Name: name }));
    process.env[ENV.ssmParameterName] = parameter;
  });

  test("a blank key is a configuration error; a missing SSM_PARAMETER_NAME too", async () => {
    process.env[ENV.ssmParameterName] = await putKey("   ");
    const blank = await failure({ message: "hello" });
    expect(blank).toMatchObject({ name: AGENT_ERRORS.configuration, message: expect.stringMatching(/is empty$/) });
    delete process.env[ENV.ssmParameterName];
    const unset = await failure({ message: "hello" });
    expect(unset).toMatchObject({
      name: AGENT_ERRORS.configuration,
      message: `environment variable ${ENV.ssmParameterName} is not set`,
    });
    process.env[ENV.ssmParameterName] = parameter;
    expect(openai.requests).toHaveLength(0);
  });

  test("a server error is retried once, then an upstream error naming the status", async () => {
    openai.script(
      { kind: "error", status: 500, message: "The server had an error", type: "server_error" },
      { kind: "error", status: 503, message: "Overloaded", type: "server_error" },
    );
    const err = await failure({ message: "hello" });
    expect(err).toMatchObject({
      name: AGENT_ERRORS.upstream,
      message: `the model endpoint 127.0.0.1:${new URL(openai.baseURL).port} answered 503`,
    });
    expect(openai.requests).toHaveLength(1 + OPENAI_DEFAULTS.maxRetries);
  });

  test("quota exhausted (429) and an unknown model (404) are upstream errors with their codes", async () => {
    openai.script(
      {
        kind: "error",
        status: 429,
        message: "You exceeded your current quota",
        type: "insufficient_quota",
        code: "insufficient_quota",
      },
      {
        kind: "error",
        status: 429,
        message: "You exceeded your current quota",
        type: "insufficient_quota",
        code: "insufficient_quota",
      },
    );
    const quota = await failure({ message: "hello" });
    expect(quota.name).toBe(AGENT_ERRORS.upstream);
    expect(quota.message).toMatch(/rate limiting or out of quota \(429\) \(insufficient_quota\)$/);
    openai.script({ kind: "error", status: 404, message: "The model does not exist", code: "model_not_found" });
    const model = await failure({ message: "hello" });
    expect(model.message).toMatch(/does not know model gpt-test-mini \(404\) \(model_not_found\)$/);
  });

  test("an endpoint that does not answer within the invocation's remaining time is an upstream timeout", async () => {
    openai.script({ kind: "hang" });
    const started = Date.now();
    // 1.5 s of reserve leaves 500 ms for all attempts together.
    const err = await failure({ message: "hello" }, context(2_000));
    expect(err).toMatchObject({
      name: AGENT_ERRORS.upstream,
      message: expect.stringMatching(/did not answer in time$/),
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(openai.requests).toHaveLength(1);
  });

  test("an unreachable endpoint, an empty reply and a bad base URL are clear errors", async () => {
    const closed = await startFakeOpenAi();
    await closed.close();
    process.env[ENV.openaiBaseUrl] = closed.baseURL;
    const unreachable = await failure({ message: "hello" });
    expect(unreachable).toMatchObject({
      name: AGENT_ERRORS.upstream,
      message: `could not reach the model endpoint ${new URL(closed.baseURL).host}`,
    });
    process.env[ENV.openaiBaseUrl] = "ftp://example.com";
    expect(await failure({ message: "hello" })).toMatchObject({
      name: AGENT_ERRORS.configuration,
      message: `${ENV.openaiBaseUrl} must be an http(s) URL`,
    });
    process.env[ENV.openaiBaseUrl] = openai.baseURL;
    openai.script({ kind: "reply", content: null });
    expect(await failure({ message: "hello" })).toMatchObject({
      name: AGENT_ERRORS.upstream,
      message: expect.stringMatching(/returned no reply$/),
    });
  });

  test("an invalid request is refused before SSM or the endpoint is called, naming the field", async () => {
    const err = await failure({ message: "x".repeat(LIMITS.maxMessageChars + 1) });
    expect(err).toMatchObject({
      name: AGENT_ERRORS.request,
      message: `message must be at most ${LIMITS.maxMessageChars} characters`,
    });
    expect((await failure({ history: [] })).message).toBe("message is required");
    expect(openai.requests).toHaveLength(0);
  });
});

test("no log line of this file carries the key or a piece of it that OpenAI quotes", () => {
  expect(logs.lines.length).toBeGreaterThan(5);
  for (const line of logs.lines) {
    for (const key of [KEY, ROTATED]) {
      expect(line).not.toContain(key);
      expect(line).not.toContain(key.slice(0, 10));
    }
  }
  // The log lines are JSON with a level and a message.
  expect(logs.lines.map((l) => JSON.parse(l).msg)).toEqual(expect.arrayContaining(["reply", "agent failed"]));
});
