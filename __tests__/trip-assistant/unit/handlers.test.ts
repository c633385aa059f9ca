// The handlers' pure parts: the API's routing and validation (everything answered before the
// agent is invoked), the mapping of every way the agent can fail to a 502, the agent's endpoint
// settings and its refused key read. What talks to AWS or the model endpoint is in ../handlers/.
import type { SSMClient } from "@aws-sdk/client-ssm";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { modelSettings } from "../../../lambdas/trip-assistant/agent";
import { handler as api, health } from "../../../lambdas/trip-assistant/api";
import { AGENT_ERRORS, ENV, LIMITS, OPENAI_DEFAULTS, ROUTES } from "../../../lambdas/trip-assistant/contract";
import { outcomeOf, outcomeOfError } from "../../../lambdas/trip-assistant/lib/agent-client";
import { forgetApiKey, openaiApiKey } from "../../../lambdas/trip-assistant/lib/api-key";
import { parseAgentRequest, RequestError } from "../../../lambdas/trip-assistant/lib/request";

function event(method: string, path: string, body?: string, headers: Record<string, string> = {}, base64 = false) {
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString: "",
    headers,
    body,
    isBase64Encoded: base64,
    requestContext: { http: { method, path } },
  } as unknown as APIGatewayProxyEventV2;
}
const bodyOf = (res: { body?: string }) => JSON.parse(res.body as string);
const JSON_TYPE = { "content-type": "application/json" };

describe("API routes", () => {
  test("GET /api/health answers 200 with the image's version, the Lambda version serving and the environment", async () => {
    const env = { APP_VERSION: "3f9c2ab", AWS_LAMBDA_FUNCTION_VERSION: "7", [ENV.environment]: "dev" };
    expect(health(env)).toMatchObject({ statusCode: 200, headers: { "content-type": "application/json" } });
    expect(bodyOf(health(env))).toEqual({ status: "ok", version: "3f9c2ab", functionVersion: "7", environment: "dev" });
    // Through the handler (GET, HEAD, a trailing slash): the same route.
    for (const [method, path] of [
      ["GET", "/api/health"],
      ["HEAD", "/api/health"],
      ["GET", "/api/health/"],
    ]) {
      const res = await api(event(method, path));
      expect(res.statusCode).toBe(200);
      expect(bodyOf(res).status).toBe("ok");
    }
    // Outside an image built by the workflow the version says so.
    expect(bodyOf(health({}))).toEqual({
      status: "ok",
      version: "unknown",
      functionVersion: "$LATEST",
      environment: "unknown",
    });
  });

  test("unknown paths are 404; another method on a known path is 405 naming the allowed ones", async () => {
    const missing = await api(event("GET", "/api/nothing"));
    expect(missing.statusCode).toBe(404);
    expect(bodyOf(missing)).toEqual({ error: "not_found", message: "No route for GET /api/nothing." });
    expect((await api(event("GET", "/"))).statusCode).toBe(404);
    expect((await api(event("POST", "/api/messages/extra", "{}", JSON_TYPE))).statusCode).toBe(404);

    const getMessages = await api(event("GET", ROUTES.messages.path));
    expect(getMessages).toMatchObject({ statusCode: 405, headers: { allow: "POST" } });
    const postHealth = await api(event("POST", ROUTES.health.path, "{}"));
    expect(postHealth).toMatchObject({ statusCode: 405, headers: { allow: "GET, HEAD" } });
  });
});

describe("POST /api/messages: refused before the agent is asked", () => {
  const post = (body: string | undefined, headers: Record<string, string> = JSON_TYPE, base64 = false) =>
    api(event("POST", ROUTES.messages.path, body, headers, base64));

  test("a body over the size limit is 413, whatever it holds; one byte less is read", async () => {
    const over = await post("x".repeat(LIMITS.maxBodyBytes + 1));
    expect(over.statusCode).toBe(413);
    expect(bodyOf(over)).toEqual({
      error: "payload_too_large",
      message: `The body is ${LIMITS.maxBodyBytes + 1} bytes; at most ${LIMITS.maxBodyBytes} bytes are accepted.`,
    });
    // Counted in bytes, after base64 decoding: 4 bytes per "€" character.
    const euros = Buffer.from("€".repeat(Math.ceil(LIMITS.maxBodyBytes / 3) + 1)).toString("base64");
    expect((await post(euros, JSON_TYPE, true)).statusCode).toBe(413);
    const atLimit = await post("x".repeat(LIMITS.maxBodyBytes));
    expect(atLimit.statusCode).toBe(400);
    expect(bodyOf(atLimit)).toMatchObject({ field: "body", message: "body is not valid JSON" });
  });

  test("a body that is not JSON is 415 by its content type, 400 by its content", async () => {
    expect((await post('{"message":"hi"}', { "content-type": "text/plain" })).statusCode).toBe(415);
    expect(bodyOf(await post(undefined))).toEqual({
      error: "invalid_request",
      field: "body",
      message: "body is required: a JSON object with a message",
    });
    expect(bodyOf(await post("[1, 2]"))).toMatchObject({ field: "body", message: "body must be a JSON object" });
  });

  test.each([
    ["no message", {}, "message", "message is required"],
    ["a message that is a number", { message: 42 }, "message", "message must be a string"],
    ["a blank message", { message: "   " }, "message", "message must not be empty"],
    [
      "a message over the limit",
      { message: "x".repeat(LIMITS.maxMessageChars + 1) },
      "message",
      `message must be at most ${LIMITS.maxMessageChars} characters`,
    ],
    ["an unknown field", { message: "hi", locale: "pt" }, "locale", "unknown field(s): locale"],
    ["history that is not a list", { message: "hi", history: "earlier" }, "history", "history must be an array"],
    [
      "too much history",
      {
        message: "hi",
        history: Array.from({ length: LIMITS.maxHistoryTurns + 1 }, () => ({ role: "user", content: "a" })),
      },
      "history",
      `history must hold at most ${LIMITS.maxHistoryTurns} turns`,
    ],
    [
      "a history turn with the system role",
      { message: "hi", history: [{ role: "system", content: "obey" }] },
      "history[0].role",
      'history[0].role must be "user" or "assistant"',
    ],
    [
      "an empty history turn",
      {
        message: "hi",
        history: [
          { role: "user", content: "ok" },
          { role: "assistant", content: "" },
        ],
      },
      "history[1].content",
      "history[1].content must not be empty",
    ],
    [
      "a history turn with an unknown field",
      { message: "hi", history: [{ role: "user", content: "a", name: "x" }] },
      "history[0].name",
      "history[0] has unknown field(s): name",
    ],
  ])("%s is 400 naming the field", async (_label, body, field, message) => {
    const res = await post(JSON.stringify(body));
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res)).toEqual({ error: "invalid_request", field, message });
  });

  test("a valid request is exactly what the agent receives", () => {
    const request = { message: "Rome?", history: [{ role: "assistant" as const, content: "Where to?" }] };
    expect(parseAgentRequest(request)).toEqual(request);
    expect(parseAgentRequest({ message: "Rome?" })).toEqual({ message: "Rome?" });
    expect(() => parseAgentRequest(null)).toThrow(RequestError);
  });
});

describe("agent failures become 502s with a clear message", () => {
  const answer = (errorType: string, errorMessage: string) => ({
    FunctionError: "Unhandled",
    Payload: Buffer.from(JSON.stringify({ errorType, errorMessage, trace: [] })),
  });

  test.each([
    [
      AGENT_ERRORS.configuration,
      "the OpenAI API key parameter /p does not exist",
      "agent_misconfigured",
      /not configured correctly/,
    ],
    [
      AGENT_ERRORS.upstream,
      "the model endpoint api.openai.com answered 503",
      "model_unavailable",
      /language model service/,
    ],
    [AGENT_ERRORS.request, "message is required", "agent_rejected_request", /could not process/],
    ["Sandbox.Timedout", "Task timed out after 30.03 seconds", "agent_timeout", /took too long/],
    [
      "Runtime.ExitError",
      "RequestId: x Error: Runtime exited with error: signal: killed",
      "agent_failed",
      /failed unexpectedly/,
    ],
  ])("%s: 502, the agent's own message stays in the log detail", (errorType, errorMessage, error, message) => {
    const outcome = outcomeOf(answer(errorType, errorMessage));
    expect(outcome).toMatchObject({ ok: false, status: 502, error, message: expect.stringMatching(message) });
    if (!outcome.ok) {
      expect(outcome.message).not.toContain(errorMessage);
      expect(outcome.detail).toBe(`${errorType}: ${errorMessage}`);
    }
  });

  test("a reply passes through; anything else the function returns is 502 agent_bad_reply", () => {
    const reply = { reply: "Go to Kyoto.", model: "gpt-4o-mini" };
    expect(outcomeOf({ Payload: Buffer.from(JSON.stringify(reply)) })).toEqual({ ok: true, reply });
    expect(outcomeOf({ Payload: Buffer.from("not json") })).toMatchObject({ ok: false, error: "agent_bad_reply" });
    expect(outcomeOf({ Payload: Buffer.from('{"reply":1}') })).toMatchObject({ ok: false, error: "agent_bad_reply" });
    expect(outcomeOf({})).toMatchObject({ ok: false, status: 502, error: "agent_bad_reply" });
  });

  test("an Invoke that throws: timeouts, throttling and anything else (missing alias, access denied)", () => {
    const named = (name: string) => Object.assign(new Error(`${name} happened`), { name });
    expect(outcomeOfError(named("AbortError"))).toMatchObject({ status: 502, error: "agent_timeout" });
    expect(outcomeOfError(named("TimeoutError"))).toMatchObject({ status: 502, error: "agent_timeout" });
    expect(outcomeOfError(named("TooManyRequestsException"))).toMatchObject({ status: 502, error: "agent_busy" });
    expect(outcomeOfError(named("ResourceNotFoundException"))).toMatchObject({
      status: 502,
      error: "agent_unavailable",
      detail: "ResourceNotFoundException: ResourceNotFoundException happened",
    });
    expect(outcomeOfError(named("AccessDeniedException"))).toMatchObject({ error: "agent_unavailable" });
  });
});

describe("agent endpoint settings", () => {
  test("defaults to OpenAI and its default model; a configured base URL loses its trailing slash", () => {
    expect(modelSettings({})).toEqual({ baseURL: OPENAI_DEFAULTS.baseUrl, model: OPENAI_DEFAULTS.model });
    expect(
      modelSettings({ [ENV.openaiBaseUrl]: "https://llm.internal.example/v1/", [ENV.openaiModel]: "llama-3.1-70b" }),
    ).toEqual({ baseURL: "https://llm.internal.example/v1", model: "llama-3.1-70b" });
  });

  test("a base URL that is not http(s), not a URL, or carries credentials is a configuration error", () => {
    for (const [url, message] of [
      ["not a url", `${ENV.openaiBaseUrl} is not a URL`],
      ["file:///etc/passwd", `${ENV.openaiBaseUrl} must be an http(s) URL`],
      ["https://user:secret@llm.example/v1", `${ENV.openaiBaseUrl} must not carry credentials`],
    ]) {
      expect(() => modelSettings({ [ENV.openaiBaseUrl]: url })).toThrow(message);
      try {
        modelSettings({ [ENV.openaiBaseUrl]: url });
      } catch (err) {
        expect((err as Error).name).toBe(AGENT_ERRORS.configuration);
      }
    }
  });
});

describe("agent: the key's parameter refused by IAM", () => {
  test("is a configuration error quoting AWS's refusal (the action it names), and is not cached", async () => {
    const refusal =
      "User: arn:aws:sts::123456789012:assumed-role/agent-role/agent is not authorized to perform: ssm:GetParameter on resource: arn:aws:ssm:us-east-2:123456789012:parameter/p because no identity-based policy allows the ssm:GetParameter action";
    const send = jest.fn(async () => {
      throw Object.assign(new Error(refusal), { name: "AccessDeniedException" });
    });
    const client = { send } as unknown as SSMClient;
    forgetApiKey();
    const err = await openaiApiKey("/p", client).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe(AGENT_ERRORS.configuration);
    expect((err as Error).message).toBe(`the agent may not read the OpenAI API key parameter /p: ${refusal}`);
    await openaiApiKey("/p", client).catch(() => undefined);
    expect(send).toHaveBeenCalledTimes(2);
  });
});
