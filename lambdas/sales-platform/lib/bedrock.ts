/**
 * Recommendations from Amazon Bedrock: the configured model (the `bedrock_model_id` variable) is
 * called with InvokeModel in its family's native request format, and its answer is parsed as a
 * JSON list of recommendations. Families: Amazon Nova, Anthropic Claude, Amazon Titan Text,
 * Meta Llama and Mistral.
 */
import { BedrockRuntimeClient, InvokeModelCommand } from "@aws-sdk/client-bedrock-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { AnalysisBundle, Recommendation } from "./analysis";

let client: BedrockRuntimeClient | undefined;

/**
 * The Bedrock runtime client. InvokeModel is a plain request/response call, so HTTP/1.1 serves
 * it (the client's default handler speaks HTTP/2 only, for the streaming APIs we do not use).
 */
export function bedrock(): BedrockRuntimeClient {
  client ??= new BedrockRuntimeClient({
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: 60_000 }),
    maxAttempts: 3,
  });
  return client;
}

export type ModelFamily = "nova" | "anthropic" | "titan" | "llama" | "mistral";

/** The family of a model id such as `amazon.nova-lite-v1:0`, or undefined when unsupported. */
export function modelFamily(modelId: string): ModelFamily | undefined {
  const id = modelId.replace(/^(us|eu|apac|us-gov|global)\./, "");
  if (id.startsWith("amazon.nova")) return "nova";
  if (id.startsWith("anthropic.")) return "anthropic";
  if (id.startsWith("amazon.titan-text")) return "titan";
  if (id.startsWith("meta.llama")) return "llama";
  if (id.startsWith("mistral.")) return "mistral";
  return undefined;
}

export interface Prompt {
  readonly system: string;
  readonly user: string;
  readonly maxTokens: number;
  readonly temperature: number;
}

/** The InvokeModel body of `prompt` for a family. */
export function requestBody(family: ModelFamily, p: Prompt): Record<string, unknown> {
  switch (family) {
    case "nova":
      return {
        schemaVersion: "messages-v1",
        system: [{ text: p.system }],
        messages: [{ role: "user", content: [{ text: p.user }] }],
        inferenceConfig: { maxTokens: p.maxTokens, temperature: p.temperature },
      };
    case "anthropic":
      return {
        anthropic_version: "bedrock-2023-05-31",
        max_tokens: p.maxTokens,
        temperature: p.temperature,
        system: p.system,
        messages: [{ role: "user", content: [{ type: "text", text: p.user }] }],
      };
    case "titan":
      return {
        inputText: `${p.system}\n\n${p.user}`,
        textGenerationConfig: { maxTokenCount: p.maxTokens, temperature: p.temperature },
      };
    case "llama":
      return {
        prompt: `<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n${p.system}<|eot_id|><|start_header_id|>user<|end_header_id|>\n${p.user}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n`,
        max_gen_len: p.maxTokens,
        temperature: p.temperature,
      };
    case "mistral":
      return {
        prompt: `<s>[INST] ${p.system}\n\n${p.user} [/INST]`,
        max_tokens: p.maxTokens,
        temperature: p.temperature,
      };
  }
}

/** The generated text of a family's InvokeModel answer ("" when it holds none). */
export function answerText(family: ModelFamily, answer: unknown): string {
  // biome-ignore lint/suspicious/noExplicitAny: the answer is the model's JSON, checked field by field.
  const a = (answer ?? {}) as any;
  const text = (() => {
    switch (family) {
      case "nova":
        return (a.output?.message?.content ?? []).map((c: { text?: string }) => c.text ?? "").join("");
      case "anthropic":
        return (a.content ?? []).map((c: { text?: string }) => c.text ?? "").join("");
      case "titan":
        return (a.results ?? []).map((r: { outputText?: string }) => r.outputText ?? "").join("");
      case "llama":
        return a.generation ?? "";
      case "mistral":
        return (a.outputs ?? []).map((o: { text?: string }) => o.text ?? "").join("");
    }
  })();
  return typeof text === "string" ? text : "";
}

export const MAX_RECOMMENDATIONS = 8;
const PRIORITIES = ["high", "medium", "low"] as const;

/**
 * The recommendations in a model's text: the first JSON array in it, each entry with a title,
 * a detail and a priority (high|medium|low). Entries that do not fit are dropped; text without
 * any usable entry gives [].
 */
export function parseRecommendations(text: string): Recommendation[] {
  const start = text.indexOf("[");
  const end = text.lastIndexOf("]");
  if (start < 0 || end <= start) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.slice(start, end + 1));
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const out: Recommendation[] = [];
  for (const item of parsed) {
    if (typeof item !== "object" || item === null) continue;
    const { title, detail, priority } = item as Record<string, unknown>;
    if (typeof title !== "string" || typeof detail !== "string" || !title.trim()) continue;
    const p = typeof priority === "string" ? priority.toLowerCase() : "medium";
    out.push({
      priority: (PRIORITIES as readonly string[]).includes(p) ? (p as Recommendation["priority"]) : "medium",
      title: title.trim().slice(0, 200),
      detail: detail.trim().slice(0, 1000),
    });
    if (out.length === MAX_RECOMMENDATIONS) break;
  }
  return out;
}

/** The prompt: the day's analysis, compact, and the answer format asked for. */
export function recommendationPrompt(a: AnalysisBundle, grounding: readonly Recommendation[]): Prompt {
  const facts = {
    date: a.company.date,
    company: {
      totalSales: a.company.totalSales,
      transactions: a.company.transactionCount,
      avgTransactionValue: a.company.avgTransactionValue,
      storesReported: a.company.storeCount,
      storesExpected: a.company.expectedStoreCount,
      missingStores: a.company.missingStores,
      bestStore: a.company.bestStore,
      worstStore: a.company.worstStore,
      categories: a.products.categories.slice(0, 8),
    },
    topProducts: a.products.topProducts.slice(0, 5).map((p) => ({ name: p.name, sales: p.sales, units: p.units })),
    bottomProducts: a.products.bottomProducts
      .slice(0, 3)
      .map((p) => ({ name: p.name, sales: p.sales, units: p.units })),
    anomalies: a.anomalies.anomalies.slice(0, 10),
    trends: { company: a.trends.company, risers: a.trends.risers, fallers: a.trends.fallers },
    ruleBasedFindings: grounding.map((r) => r.title),
  };
  return {
    system:
      "You are a retail sales analyst. Give concrete, actionable recommendations for store managers, " +
      "grounded only in the data given. Answer with a JSON array only.",
    user:
      `Daily sales analysis:\n${JSON.stringify(facts)}\n\n` +
      `Answer with a JSON array of at most ${MAX_RECOMMENDATIONS} objects, each ` +
      '{"priority": "high" | "medium" | "low", "title": "<at most 12 words>", "detail": "<one or two sentences>"}.',
    maxTokens: 1200,
    temperature: 0.2,
  };
}

/** Calls the model; returns its recommendations ([] when its answer holds none). */
export async function modelRecommendations(modelId: string, prompt: Prompt): Promise<Recommendation[]> {
  const family = modelFamily(modelId);
  if (!family) throw new Error(`model ${modelId} is of no supported family (nova, anthropic, titan, llama, mistral)`);
  const out = await bedrock().send(
    new InvokeModelCommand({
      modelId,
      contentType: "application/json",
      accept: "application/json",
      body: JSON.stringify(requestBody(family, prompt)),
    }),
  );
  const raw = Buffer.from(out.body ?? new Uint8Array()).toString("utf8");
  let answer: unknown;
  try {
    answer = raw ? JSON.parse(raw) : {};
  } catch {
    return [];
  }
  return parseRecommendations(answerText(family, answer));
}
