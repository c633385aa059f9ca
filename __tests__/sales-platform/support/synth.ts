// The sales-platform stack alone, synthesized from the app's configuration and its registry
// entry: other systems' stacks are not built, so their state never affects these tests.
import { Testing } from "cdktf";
import { loadConfig, STACKS } from "../../../stacks/registry";
import { type StackJson, toJson } from "../../support/synth";

export function synthSalesPlatform(env: Record<string, string> = {}): StackJson {
  const entry = STACKS.find((s) => s.name === "sales-platform");
  if (!entry) throw new Error("the registry has no sales-platform stack");
  const app = Testing.app();
  return toJson(entry.build(app, loadConfig({ env, context: (key) => app.node.tryGetContext(key) })));
}
