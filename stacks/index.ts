import type { App } from "cdktf";
import { loadConfig } from "../config";
import { assertAdoptedRolesExist } from "../constructs/stack-base";
import { BootstrapStack } from "./bootstrap-stack";
import { DeployStack } from "./deploy-stack";
import { EcrStack } from "./ecr-stack";

export interface PlatformStacks {
  readonly bootstrap: BootstrapStack;
  readonly ecr: EcrStack;
  readonly deploy: DeployStack;
}

/** Adds the three stages to `app` in deploy order, from the validated configuration. */
export function buildPlatform(app: App, env: NodeJS.ProcessEnv = process.env): PlatformStacks {
  const config = loadConfig({ env, context: (key) => app.node.tryGetContext(key) });
  const stacks = {
    bootstrap: new BootstrapStack(app, config),
    ecr: new EcrStack(app, config),
    deploy: new DeployStack(app, config),
  };
  assertAdoptedRolesExist(app, config);
  return stacks;
}
