// The trip assistant as its user tries it: GET /api/health answers through the API's `live`
// alias, a message without text is refused naming the field, and POST /api/messages gets the
// agent's answer. Without a real key `npm start` points the agent at the local cloud's OpenAI
// loopback (scripts/localcloud/openai_loopback.py), so the answer comes from there and the
// loopback's outbox shows what the agent asked.
import { GetAliasCommand, GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import {
  type AgentReply,
  ENV,
  type HealthBody,
  LIVE_ALIAS,
  SYSTEM_PROMPT,
} from "../../../lambdas/trip-assistant/contract";
import { httpCall } from "../../support/http-call";
import { check, defineSmoke, type SmokeContext } from "../../support/smoke";

const STACK = "trip-assistant";
/** Marks every reply of the loopback (openai_loopback.REPLY_PREFIX). */
export const LOOPBACK_MARK = "[local cloud loopback]";
export const QUESTION = "Three days in Lisbon in May?";
export const HISTORY = [
  { role: "user", content: "I like the sea and good food." },
  { role: "assistant", content: "Noted: coastal cities with great food." },
] as const;

export const regionOf = (ctx: SmokeContext) => ctx.output(STACK, "region");
export const apiUrl = (ctx: SmokeContext, path: string) =>
  new URL(path.replace(/^\//, ""), ctx.output(STACK, "api_url")).href;
export const loopbackUrl = (ctx: SmokeContext) => `${ctx.endpoint}/_localcloud/openai/v1`;
export const lambdaOf = (ctx: SmokeContext) => new LambdaClient(ctx.clientConfig(regionOf(ctx)));

/** POST /api/messages with `body` (a string is sent as it is). */
export async function postMessage(ctx: SmokeContext, body: unknown, headers: Record<string, string> = {}) {
  return httpCall(apiUrl(ctx, "/api/messages"), {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** The agent's model endpoint and model, as the version `live` serves has them. */
export async function agentEndpoint(ctx: SmokeContext): Promise<{ baseUrl: string; model: string; version: string }> {
  const config = await lambdaOf(ctx).send(
    new GetFunctionConfigurationCommand({
      FunctionName: ctx.output(STACK, "agent_lambda_function_name"),
      Qualifier: LIVE_ALIAS,
    }),
  );
  const vars = config.Environment?.Variables ?? {};
  return {
    baseUrl: (vars[ENV.openaiBaseUrl] ?? "").replace(/\/+$/, ""),
    model: vars[ENV.openaiModel] ?? "",
    version: config.Version ?? "",
  };
}

interface LoopbackRecord {
  id: string;
  model: string;
  messages: { role: string; content: string }[];
}

/** What the agent asked the loopback (its outbox), newest last. */
export async function loopbackRequests(ctx: SmokeContext, model?: string): Promise<LoopbackRecord[]> {
  const query = model ? `?model=${encodeURIComponent(model)}` : "";
  const reply = await httpCall(`${ctx.endpoint}/_localcloud/outbox/openai${query}`);
  check(reply.status === 200, `GET /_localcloud/outbox/openai answered ${reply.status}: ${reply.text.slice(0, 200)}`);
  return reply.json().requests as LoopbackRecord[];
}

/**
 * Asks `message` (with HISTORY) and checks the agent's answer came from the loopback, which
 * recorded the agent's request: the system prompt, the history, then the message.
 */
export async function askLoopback(
  ctx: SmokeContext,
  message: string,
): Promise<{ reply: AgentReply; record: LoopbackRecord }> {
  const { model } = await agentEndpoint(ctx);
  const answer = await postMessage(ctx, { message, history: HISTORY });
  check(answer.status === 200, `POST /api/messages answered ${answer.status}: ${answer.text.slice(0, 300)}`);
  const reply = answer.json() as AgentReply;
  check(
    typeof reply.reply === "string" && reply.reply.startsWith(LOOPBACK_MARK) && reply.reply.includes(`"${message}"`),
    `the reply is not the loopback's answer quoting the message: ${answer.text.slice(0, 300)}`,
  );
  check(reply.model === model, `the reply names model ${reply.model}, the agent asks ${model}`);
  check(
    (reply.usage?.promptTokens ?? 0) > 0 && (reply.usage?.completionTokens ?? 0) > 0,
    `the reply carries no token usage: ${answer.text.slice(0, 300)}`,
  );
  const records = await loopbackRequests(ctx, model);
  const record = records.filter((r) => r.messages.at(-1)?.content === message).at(-1);
  check(record, `the loopback recorded no request ending with the message (${records.length} request(s) recorded)`);
  const expected = [{ role: "system", content: SYSTEM_PROMPT }, ...HISTORY, { role: "user", content: message }];
  check(
    JSON.stringify(record.messages) === JSON.stringify(expected),
    `the agent sent the loopback ${JSON.stringify(record.messages).slice(0, 300)}`,
  );
  return { reply, record };
}

interface State {
  message?: string;
}

export const smoke = defineSmoke<State>({
  system: "trip-assistant",
  init: () => ({}),
  steps: [
    {
      name: "GET /api/health answers 200 through the API's live alias",
      async run(ctx) {
        const reply = await httpCall(ctx.output(STACK, "health_url"));
        check(reply.status === 200, `GET /api/health answered ${reply.status}: ${reply.text.slice(0, 300)}`);
        const body = reply.json() as HealthBody;
        const alias = await lambdaOf(ctx).send(
          new GetAliasCommand({ FunctionName: ctx.output(STACK, "api_lambda_function_name"), Name: LIVE_ALIAS }),
        );
        check(
          body.status === "ok" && typeof body.version === "string" && body.version !== "" && body.environment !== "",
          `unexpected health answer: ${reply.text}`,
        );
        check(
          body.functionVersion === alias.FunctionVersion && /^\d+$/.test(body.functionVersion),
          `version ${body.functionVersion} answered, but ${LIVE_ALIAS} points at ${alias.FunctionVersion}`,
        );
        return `image ${body.version}, API version ${body.functionVersion} (= ${LIVE_ALIAS}), environment ${body.environment}`;
      },
    },
    {
      name: "a message without text is refused with 400 naming the field",
      async run(ctx) {
        const reply = await postMessage(ctx, { message: "   " });
        check(reply.status === 400, `POST /api/messages with a blank message answered ${reply.status}: ${reply.text}`);
        const body = reply.json();
        check(
          body.error === "invalid_request" && body.field === "message",
          `the 400 does not name the field: ${reply.text}`,
        );
        return `400 ${body.field}: ${body.message}`;
      },
    },
    {
      name: "POST /api/messages gets the agent's answer",
      async run(ctx, state) {
        const { baseUrl, model, version } = await agentEndpoint(ctx);
        if (baseUrl !== loopbackUrl(ctx)) {
          // Deployed against another endpoint (a real key, or before the loopback existed): the
          // answer must still come, from there.
          const answer = await postMessage(ctx, { message: QUESTION });
          check(
            answer.status === 200,
            `the agent's OpenAI endpoint is not the loopback (${ENV.openaiBaseUrl}=${baseUrl || "unset"}, not ${loopbackUrl(ctx)}), and POST /api/messages answered ${answer.status}: ${answer.text.slice(0, 200)}. The live alias runs version ${version}: a deploy changes the function's settings, not a published version (the CD pipeline publishes and moves live, as on AWS), so publish a version and point live at it (aws lambda publish-version, then update-alias), or deploy to a fresh local cloud (npm stop && npm start) without TF_VAR_openai_api_key and TF_VAR_openai_base_url`,
          );
          const reply = answer.json() as AgentReply;
          check(typeof reply.reply === "string" && reply.reply !== "", `no reply: ${answer.text.slice(0, 300)}`);
          return `the answer came from ${baseUrl} (not the loopback), model ${reply.model}: ${reply.reply.slice(0, 80)}`;
        }
        state.message = `${QUESTION} (smoke ${Date.now()})`;
        const { reply, record } = await askLoopback(ctx, state.message);
        return `the answer came from the local cloud's OpenAI loopback (agent version ${version}, model ${model}, request ${record.id}, ${reply.usage?.promptTokens} prompt tokens): ${reply.reply.slice(0, 90)}...`;
      },
    },
  ],
  tryIt: (ctx) => [
    `curl -s ${ctx.output(STACK, "health_url")}`,
    `curl -s -X POST ${apiUrl(ctx, "/api/messages")} -H 'content-type: application/json' -d '${JSON.stringify({ message: QUESTION })}'`,
    `curl -s -X POST ${apiUrl(ctx, "/api/messages")} -H 'content-type: application/json' -d '{"message":""}'   # 400 naming the field`,
    `curl -s ${ctx.endpoint}/_localcloud/outbox/openai   # what the agent asked the OpenAI loopback`,
    `${ctx.awsCli} lambda get-alias --region ${regionOf(ctx)} --function-name ${ctx.output(STACK, "api_lambda_function_name")} --name ${LIVE_ALIAS}`,
    `${ctx.awsCli} lambda get-function-configuration --region ${regionOf(ctx)} --function-name ${ctx.output(STACK, "agent_lambda_function_name")} --qualifier ${LIVE_ALIAS} --query Environment.Variables`,
    `${ctx.awsCli} logs filter-log-events --region ${regionOf(ctx)} --log-group-name /aws/lambda/${ctx.output(STACK, "agent_lambda_function_name")} --query 'events[].message'`,
  ],
});
