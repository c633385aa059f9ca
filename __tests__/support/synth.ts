import { type App, type TerraformStack, Testing } from "cdktf";
import { buildApp, SYSTEMS } from "../../stacks/registry";
import type { SystemDescriptor } from "../../stacks/system";

/** A node of synthesized Terraform JSON: its shape is the provider schema's, not a TypeScript type. */
// biome-ignore lint/suspicious/noExplicitAny: parsed Terraform JSON is untyped by nature.
export type Json = any;

/** Terraform JSON of one stack, parsed. */
export interface StackJson {
  readonly raw: string;
  readonly terraform: Record<string, Json>;
  readonly resource: Record<string, Record<string, Json>>;
  readonly data: Record<string, Record<string, Json>>;
  readonly output: Record<string, Json>;
  readonly variable: Record<string, Json>;
  readonly locals: Record<string, Json>;
  readonly provider: Record<string, Json>;
  readonly import: { to: string; id: string }[];
}

export function toJson(stack: TerraformStack): StackJson {
  const raw = Testing.synth(stack);
  const parsed = JSON.parse(raw);
  return {
    raw,
    terraform: parsed.terraform ?? {},
    resource: parsed.resource ?? {},
    data: parsed.data ?? {},
    output: parsed.output ?? {},
    variable: parsed.variable ?? {},
    locals: parsed.locals ?? {},
    provider: parsed.provider ?? {},
    import: parsed.import ?? [],
  };
}

/** All resources of one type, as a list of their bodies. */
export function resourcesOf(json: StackJson, type: string): Record<string, Json>[] {
  return Object.values(json.resource[type] ?? {});
}

/** The single resource of a type whose body satisfies `match`. */
export function findResource(json: StackJson, type: string, match: (body: Record<string, Json>) => boolean) {
  const found = resourcesOf(json, type).filter(match);
  if (found.length !== 1) throw new Error(`expected one ${type} matching, found ${found.length}`);
  return found[0];
}

/**
 * Synthesizes every stack of the app (of `systems`, by default the registry's) with the given
 * environment variables (nothing else leaks in).
 */
export function synthApp(
  env: Record<string, string> = {},
  systems: readonly SystemDescriptor[] = SYSTEMS,
): {
  app: App;
  stacks: Map<string, TerraformStack>;
  json: (stack: string) => StackJson;
} {
  const app = Testing.app();
  const stacks = buildApp(app, env, systems);
  const cache = new Map<string, StackJson>();
  const json = (name: string) => {
    const stack = stacks.get(name);
    if (!stack) throw new Error(`no stack ${name}; the app has ${[...stacks.keys()].join(", ")}`);
    if (!cache.has(name)) cache.set(name, toJson(stack));
    return cache.get(name) as StackJson;
  };
  return { app, stacks, json };
}

/** iac-ci's three stacks (00-bootstrap, 01-ecr, 02-deploy), synthesized with the given settings. */
export function synthPlatform(env: Record<string, string> = {}) {
  const { app, stacks, json } = synthApp(env);
  return { app, stacks, bootstrap: json("00-bootstrap"), ecr: json("01-ecr"), deploy: json("02-deploy") };
}
