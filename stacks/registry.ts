/**
 * The registry of every stack the app holds: its name, its system, what must be deployed
 * before it, and how to build it. main.ts builds from it; scripts (npm start, the test suite)
 * and the GitHub workflows read the order from it (`node scripts/stacks.js`), so no stack name
 * is hard-coded twice.
 */
import { type App, TerraformDataSource, TerraformResource, type TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { type AppConfig, loadConfig } from "../config";
import { Role } from "../constructs/iam";

/** For scripts (stacks.js): the configuration and the GitHub roles' names. */
export { loadConfig } from "../config";
export { githubRoleArn, githubRoleName } from "../constructs/github-oidc";

import { DeployStack } from "./iac-ci/deploy-stack";
import { EcrStack } from "./iac-ci/ecr-stack";
import { iacCiNames } from "./iac-ci/names";
import { ModelShareStack } from "./model-share/model-share-stack";
import { modelShareNames } from "./model-share/names";
import { BootstrapStack, type SystemPrefixes } from "./platform/bootstrap-stack";
import { salesPlatformNames } from "./sales-platform/names";
import { SalesPlatformStack } from "./sales-platform/sales-platform-stack";
import { sfnPipelineNames } from "./sfn-pipeline/names";
import { SfnPipelineStack } from "./sfn-pipeline/pipeline-stack";
import { TripAssistantStack } from "./trip-assistant/app-stack";
import { TripAssistantEcrStack } from "./trip-assistant/ecr-stack";
import { tripAssistantNames } from "./trip-assistant/names";

export interface SystemEntry {
  readonly description: string;
  /** Its resource name prefix and state key prefix (the GitHub deploy roles are scoped to them). */
  readonly prefixes?: (config: AppConfig) => SystemPrefixes;
}

/** The systems. `platform` is the shared 00-bootstrap. */
export const SYSTEMS = {
  platform: { description: "state bucket, lock table, GitHub OIDC" },
  "iac-ci": {
    description: "webhook-driven CI runner: HTTP API, four Lambdas, watchdog",
    prefixes: iacCiNames,
  },
  "sfn-pipeline": {
    description: "two Lambdas run in order by a Step Functions state machine",
    prefixes: sfnPipelineNames,
  },
  "model-share": {
    description: "playground API: HTTP API, one TypeScript Lambda, DynamoDB, optional layer",
    prefixes: modelShareNames,
  },
  "sales-platform": {
    description: "sales data platform: event-driven ETL, daily analysis (Bedrock), REST API, SNS alerts",
    prefixes: salesPlatformNames,
  },
  "trip-assistant": {
    description: "trip assistant: HTTP API -> API Lambda -> agent Lambda (OpenAI), image functions with live aliases",
    prefixes: tripAssistantNames,
  },
} as const satisfies Record<string, SystemEntry>;
export type SystemId = keyof typeof SYSTEMS;

/** Every deployable system's prefixes, for 00-bootstrap's GitHub roles. */
export function systemPrefixes(config: AppConfig): SystemPrefixes[] {
  return Object.values<SystemEntry>(SYSTEMS).flatMap((s) => (s.prefixes ? [s.prefixes(config)] : []));
}

export interface StackEntry {
  readonly name: string;
  readonly system: SystemId;
  /** Stacks to deploy before this one (and to destroy after it). */
  readonly dependsOn: readonly string[];
  readonly build: (scope: Construct, config: AppConfig) => TerraformStack;
}

export const BOOTSTRAP_STACK = "00-bootstrap";

export const STACKS: readonly StackEntry[] = [
  {
    name: BOOTSTRAP_STACK,
    system: "platform",
    dependsOn: [],
    build: (scope, config) => new BootstrapStack(scope, BOOTSTRAP_STACK, config),
  },
  {
    name: "01-ecr",
    system: "iac-ci",
    dependsOn: [BOOTSTRAP_STACK],
    build: (scope, config) => new EcrStack(scope, "01-ecr", config),
  },
  {
    name: "02-deploy",
    system: "iac-ci",
    dependsOn: [BOOTSTRAP_STACK, "01-ecr"],
    build: (scope, config) => new DeployStack(scope, "02-deploy", config),
  },
  {
    name: "sfn-pipeline",
    system: "sfn-pipeline",
    dependsOn: [BOOTSTRAP_STACK],
    build: (scope, config) => new SfnPipelineStack(scope, "sfn-pipeline", config),
  },
  {
    name: "model-share",
    system: "model-share",
    dependsOn: [BOOTSTRAP_STACK],
    build: (scope, config) => new ModelShareStack(scope, "model-share", config),
  },
  {
    name: "sales-platform",
    system: "sales-platform",
    dependsOn: [BOOTSTRAP_STACK],
    build: (scope, config) => new SalesPlatformStack(scope, "sales-platform", config),
  },
  {
    name: "trip-assistant-ecr",
    system: "trip-assistant",
    dependsOn: [BOOTSTRAP_STACK],
    build: (scope, config) => new TripAssistantEcrStack(scope, "trip-assistant-ecr", config),
  },
  {
    name: "trip-assistant",
    system: "trip-assistant",
    dependsOn: [BOOTSTRAP_STACK, "trip-assistant-ecr"],
    build: (scope, config) => new TripAssistantStack(scope, "trip-assistant", config),
  },
];

/** The stacks of `system` in deploy order (dependencies first), 00-bootstrap excluded. */
export function stacksOf(system: SystemId): StackEntry[] {
  return deployOrder(STACKS.filter((s) => s.system === system));
}

/** `entries` ordered so every stack comes after the stacks it depends on (among `entries`). */
export function deployOrder(entries: readonly StackEntry[]): StackEntry[] {
  const names = new Set(entries.map((e) => e.name));
  const done = new Set<string>();
  const ordered: StackEntry[] = [];
  const visit = (entry: StackEntry, path: string[]) => {
    if (done.has(entry.name)) return;
    if (path.includes(entry.name)) throw new Error(`stack dependency cycle: ${[...path, entry.name].join(" -> ")}`);
    for (const dep of entry.dependsOn) {
      const target = entries.find((e) => e.name === dep);
      if (target && names.has(dep)) visit(target, [...path, entry.name]);
    }
    done.add(entry.name);
    ordered.push(entry);
  };
  for (const e of entries) visit(e, []);
  return ordered;
}

/** The Terraform types a stack holds: resources as `<type>`, data sources as `data.<type>`. */
export function resourceTypesOf(stack: TerraformStack): string[] {
  const types = new Set<string>();
  for (const c of stack.node.findAll()) {
    if (c instanceof TerraformResource) types.add(c.terraformResourceType);
    else if (c instanceof TerraformDataSource) types.add(`data.${c.terraformResourceType}`);
  }
  return [...types].sort();
}

/** Every IAM role the app defines, with its stack and system, in deploy order (the adoption runbook's table). */
export function roleInventory(
  stacks: ReadonlyMap<string, TerraformStack>,
): { stack: string; system: SystemId; role: string }[] {
  return deployOrder(STACKS).flatMap((entry) => {
    const stack = stacks.get(entry.name);
    if (!stack) return [];
    return stack.node
      .findAll()
      .filter((c): c is Role => c instanceof Role)
      .map((r) => ({ stack: entry.name, system: entry.system, role: r.roleName }));
  });
}

/** The inventory as the Markdown table docs/import-runbook.md carries (`node scripts/stacks.js roles --markdown`). */
export function roleTable(stacks: ReadonlyMap<string, TerraformStack>): string {
  const rows = roleInventory(stacks).map((r) => `| \`${r.role}\` | ${r.stack} | ${r.system} |`);
  return ["| Role | Stack | System |", "|---|---|---|", ...rows].join("\n");
}

export class AdoptionError extends Error {
  override name = "AdoptionError";
}

/**
 * Adopts every role named in PLATFORM_ADOPT_ROLES, whichever stack defines it (a Terraform
 * import block on that role). A name no stack defines fails, listing the names that exist:
 * a typo would otherwise be ignored and the deploy still fail with EntityAlreadyExists.
 */
export function adoptRoles(scope: Construct, names: readonly string[]): Role[] {
  const roles = scope.node.findAll().filter((c): c is Role => c instanceof Role);
  const byName = new Map(roles.map((r) => [r.roleName, r]));
  const unknown = names.filter((n) => !byName.has(n));
  if (unknown.length) {
    throw new AdoptionError(
      `PLATFORM_ADOPT_ROLES names roles that no stack defines: ${unknown.join(", ")}. ` +
        `Roles the stacks define: ${[...byName.keys()].sort().join(", ")}`,
    );
  }
  return names.map((n) => {
    const role = byName.get(n) as Role;
    role.adopt();
    return role;
  });
}

/**
 * Builds every stack of the registry into `app` from the validated configuration, declares
 * the order between a system's stacks (`addDependency`) and adopts the listed roles.
 *
 * 00-bootstrap is not a cdktf dependency of the others: it is deployed once per account with
 * admin credentials and keeps local state, so making it one would force every
 * `cdktf deploy <stack>` to name it or pass --ignore-missing-stack-dependencies.
 */
export function buildApp(app: App, env: NodeJS.ProcessEnv = process.env): Map<string, TerraformStack> {
  const config = loadConfig({ env, context: (key) => app.node.tryGetContext(key) });
  const stacks = new Map<string, TerraformStack>();
  // `dependsOn` orders the scripts and workflows; it is deliberately not a cdktf dependency, so
  // `cdktf deploy <stack>` and `cdktf destroy <stack>` work on one stack as written (cdktf refuses
  // a stack whose dependencies are not named, without --ignore-missing-stack-dependencies). No
  // stack reads another's attributes: names are derived from the shared configuration.
  for (const entry of deployOrder(STACKS)) stacks.set(entry.name, entry.build(app, config));
  // Each system's GitHub roles may do what its stacks need: their resource types, its prefixes.
  const bootstrap = stacks.get(BOOTSTRAP_STACK) as BootstrapStack;
  for (const [system, entry] of Object.entries<SystemEntry>(SYSTEMS)) {
    if (!entry.prefixes) continue;
    const types = STACKS.filter((s) => s.system === system).flatMap((s) =>
      resourceTypesOf(stacks.get(s.name) as TerraformStack),
    );
    bootstrap.addGithubSystem(system, entry.prefixes(config), new Set(types));
  }
  adoptRoles(app, config.platform.adoptRoles);
  return stacks;
}
