// The API against the emulator's real Lambda API: POST /api/messages invokes the agent's `live`
// alias synchronously (moto runs no code without Docker: its Lambda stub answers what the agent
// handler, run in-process against SSM and the loopback OpenAI server, answered).
import { GetAliasCommand, InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { handler as agent } from "../../../lambdas/trip-assistant/agent";
import { handler as api } from "../../../lambdas/trip-assistant/api";
import { ENV, LIVE_ALIAS, ROUTES } from "../../../lambdas/trip-assistant/contract";
import {
  captureLogs,
  clientConfig,
  createAgentWithAlias,
  putKey,
  setAgentAnswer,
  uniqueName,
  useEmulator,
} from "./support/emulator";
import { type FakeOpenAi, startFakeOpenAi } from "./support/openai-server";

jest.setTimeout(30_000);

const KEY = "sk-test-api-Q1w2E3r4T5y6U7i8O9p0";
let openai: FakeOpenAi;
let aliasArn: string;
let invokeSpy: jest.SpyInstance;
let logs: ReturnType<typeof captureLogs>;

function post(body: string, headers: Record<string, string> = { "content-type": "application/json" }) {
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: ROUTES.messages.path,
    rawQueryString: "",
    headers,
    body,
    isBase64Encoded: false,
    requestContext: { http: { method: "POST", path: ROUTES.messages.path } },
  } as unknown as APIGatewayProxyEventV2;
}

const context = (remainingMs = 30_000) => ({ getRemainingTimeInMillis: () => remainingMs, awsRequestId: "api-req" });

/** The agent invocations the API sent (the emulator answered them). */
const invocations = () =>
  invokeSpy.mock.calls
    .map(([command]) => command)
    .filter((c): c is InvokeCommand => c instanceof InvokeCommand)
    .map((c) => ({
      functionName: c.input.FunctionName,
      type: c.input.InvocationType,
      payload: JSON.parse(Buffer.from(c.input.Payload as Uint8Array).toString("utf8")),
    }));

beforeAll(async () => {
  await useEmulator();
  openai = await startFakeOpenAi();
  logs = captureLogs();
  process.env[ENV.ssmParameterName] = await putKey(KEY);
  process.env[ENV.openaiBaseUrl] = openai.baseURL;
  process.env[ENV.openaiModel] = "gpt-test-mini";
  aliasArn = await createAgentWithAlias(uniqueName("trip-assistant-agent"));
  process.env[ENV.agentFunction] = aliasArn;
  invokeSpy = jest.spyOn(LambdaClient.prototype, "send");
});

afterAll(async () => {
  invokeSpy?.mockRestore();
  logs?.restore();
  await openai?.close();
});

beforeEach(() => invokeSpy.mockClear());

test("the agent's `live` alias exists in the emulator and is what the API is configured to invoke", async () => {
  const alias = await new LambdaClient(clientConfig()).send(
    new GetAliasCommand({ FunctionName: aliasArn.split(":")[6], Name: LIVE_ALIAS }),
  );
  expect(alias.AliasArn).toBe(aliasArn);
  expect(aliasArn).toMatch(/:function:trip-assistant-agent-[\w-]+:live$/);
});

test("POST /api/messages invokes the alias synchronously with the validated request and answers the agent's reply", async () => {
  const body = { message: "Two days in Porto?", history: [{ role: "user", content: "I travel by train." }] };
  // What the agent answers for this request (run in-process: SSM + the loopback endpoint).
  openai.script({ kind: "reply", content: "Day 1: Ribeira. Day 2: Livraria Lello and the Douro." });
  const reply = await agent(body, context());
  await setAgentAnswer(aliasArn, JSON.stringify(reply));

  const res = await api(post(JSON.stringify(body)), context());
  expect(res.statusCode).toBe(200);
  expect(JSON.parse(res.body as string)).toEqual(reply);
  expect(invocations()).toEqual([{ functionName: aliasArn, type: "RequestResponse", payload: body }]);
});

test("an invalid or oversized body is answered without invoking the agent", async () => {
  const bad = await api(post(JSON.stringify({ message: "" })), context());
  expect(bad.statusCode).toBe(400);
  expect(JSON.parse(bad.body as string)).toMatchObject({ error: "invalid_request", field: "message" });
  const big = await api(post(JSON.stringify({ message: "a".repeat(40_000) })), context());
  expect(big.statusCode).toBe(413);
  expect(invocations()).toEqual([]);
});

test("an agent that does not answer before the API's deadline is a 502 with a clear message", async () => {
  // 1.5 s of the 1.501 s left are kept in reserve: the Invoke is aborted at once.
  const res = await api(post(JSON.stringify({ message: "hello" })), context(1_501));
  expect(res.statusCode).toBe(502);
  expect(JSON.parse(res.body as string)).toEqual({
    error: "agent_timeout",
    message: "The assistant took too long to answer. Please try again.",
  });
});

test("an answer that is not a reply (an echo of the request) is a 502, logged with detail", async () => {
  await setAgentAnswer(aliasArn, JSON.stringify({ message: "echo me" }));
  const res = await api(post(JSON.stringify({ message: "echo me" })), context());
  expect(res.statusCode).toBe(502);
  expect(JSON.parse(res.body as string).error).toBe("agent_bad_reply");
  const logged = logs.lines.map((l) => JSON.parse(l)).find((l) => l.error === "agent_bad_reply");
  expect(logged).toMatchObject({ level: "error", msg: "agent failed", requestId: "api-req" });
  for (const line of logs.lines) expect(line).not.toContain(KEY);
});
