/**
 * The registry: the one place that names the systems. Each system is a descriptor of its own
 * (stacks/<system>/system.ts); main.ts builds the app from the list, and scripts (npm start, the
 * test suites) and the GitHub workflows read systems, stacks and their order from it
 * (`node scripts/stacks.js`), so no system or stack name is written twice.
 */
import { type App, TerraformDataSource, TerraformResource, type TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { type AppConfig, type ConfigSource, readConfig, type SettingsSection } from "../config";
import { Role } from "../constructs/iam";
import { iacCiSystem } from "./iac-ci/system";
import { modelShareSystem } from "./model-share/system";
import type { BootstrapStack } from "./platform/bootstrap-stack";
import { BOOTSTRAP_STACK, platformSystem } from "./platform/system";
import { salesPlatformSystem } from "./sales-platform/system";
import { sfnPipelineSystem } from "./sfn-pipeline/system";
import { descriptorProblems, type SystemDescriptor } from "./system";
import { tripAssistantSystem } from "./trip-assistant/system";

/** For scripts (stacks.js): the GitHub roles' names. */
export { githubRoleArn, githubRoleName } from "../constructs/github-oidc";
export { BOOTSTRAP_STACK } from "./platform/system";

/** The systems, the platform's 00-bootstrap first. A new system is one line here. */
export const SYSTEMS: readonly SystemDescriptor[] = [
  platformSystem,
  iacCiSystem,
  sfnPipelineSystem,
  modelShareSystem,
  salesPlatformSystem,
  tripAssistantSystem,
];
export type SystemId = string;

export interface StackEntry {
  readonly name: string;
  readonly system: SystemId;
  /** Stacks to deploy before this one (and to destroy after it). */
  readonly dependsOn: readonly string[];
  readonly build: (scope: Construct, config: AppConfig) => TerraformStack;
  /** The script the deploy workflow runs before deploying it, if any. */
  readonly ciBeforeDeploy?: string;
}

/** Every stack of `systems`, each after 00-bootstrap and its own system's `after` stacks. */
export function stackEntries(systems: readonly SystemDescriptor[] = SYSTEMS): StackEntry[] {
  const problems = systems.flatMap(descriptorProblems);
  const seen = new Map<string, string>();
  for (const system of systems) {
    for (const stack of system.stacks) {
      const owner = seen.get(stack.name);
      if (owner) problems.push(`stack ${stack.name} is both ${owner}'s and ${system.id}'s`);
      seen.set(stack.name, system.id);
    }
  }
  const ids = systems.map((s) => s.id);
  for (const id of new Set(ids))
    if (ids.indexOf(id) !== ids.lastIndexOf(id)) problems.push(`system ${id} is listed twice`);
  if (problems.length) throw new Error(`the system registry is inconsistent:\n  - ${problems.join("\n  - ")}`);
  return systems.flatMap((system) =>
    system.stacks.map((stack) => ({
      name: stack.name,
      system: system.id,
      dependsOn: stack.name === BOOTSTRAP_STACK ? [] : [BOOTSTRAP_STACK, ...(stack.after ?? [])],
      build: (scope: Construct, config: AppConfig) => stack.build(scope, stack.name, config),
      ciBeforeDeploy: stack.ciBeforeDeploy,
    })),
  );
}

export const STACKS: readonly StackEntry[] = stackEntries();

/** The descriptor of `id`; an unknown id fails naming the systems there are. */
export function systemOf(id: string, systems: readonly SystemDescriptor[] = SYSTEMS): SystemDescriptor {
  const system = systems.find((s) => s.id === id);
  if (!system) throw new Error(`unknown system "${id}"; systems: ${systems.map((s) => s.id).join(", ")}`);
  return system;
}

/** The systems a user deploys (every one but the platform's 00-bootstrap). */
export function deployableSystems(systems: readonly SystemDescriptor[] = SYSTEMS): SystemDescriptor[] {
  return systems.filter((s) => !s.stacks.some((stack) => stack.name === BOOTSTRAP_STACK));
}

/** The app's configuration: the platform's settings and every system's section, validated together. */
export function loadConfig(
  source: ConfigSource = { env: process.env },
  systems: readonly SystemDescriptor[] = SYSTEMS,
): AppConfig {
  return readConfig(
    source,
    systems.flatMap((s) => (s.settings ? [s.settings as SettingsSection<unknown>] : [])),
  );
}

/** Every system's names that get GitHub roles, for 00-bootstrap. */
export function githubSystems(systems: readonly SystemDescriptor[] = SYSTEMS): SystemDescriptor[] {
  return systems.filter((s) => s.githubRoles !== false);
}

/** The stacks of `system` in deploy order (dependencies first), 00-bootstrap excluded. */
export function stacksOf(system: SystemId, systems: readonly SystemDescriptor[] = SYSTEMS): StackEntry[] {
  systemOf(system, systems);
  return deployOrder(stackEntries(systems).filter((s) => s.system === system));
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
  systems: readonly SystemDescriptor[] = SYSTEMS,
): { stack: string; system: SystemId; role: string }[] {
  return deployOrder(stackEntries(systems)).flatMap((entry) => {
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
 * Builds every stack of `systems` (by default the registry's) into `app` from the validated
 * configuration, gives each system's GitHub roles what its stacks need, and adopts the listed
 * roles.
 *
 * The stack order (`after`) is deliberately not a cdktf dependency, so `cdktf deploy <stack>` and
 * `cdktf destroy <stack>` work on one stack as written (cdktf refuses a stack whose dependencies
 * are not named, without --ignore-missing-stack-dependencies); the scripts and workflows follow
 * the order. No stack reads another's attributes: names derive from the shared configuration.
 */
export function buildApp(
  app: App,
  env: NodeJS.ProcessEnv = process.env,
  systems: readonly SystemDescriptor[] = SYSTEMS,
): Map<string, TerraformStack> {
  const config = loadConfig({ env, context: (key: string) => app.node.tryGetContext(key) }, systems);
  const entries = stackEntries(systems);
  const stacks = new Map<string, TerraformStack>();
  for (const entry of deployOrder(entries)) stacks.set(entry.name, entry.build(app, config));
  // Each system's GitHub roles may do what its stacks need: their resource types, its names.
  const bootstrap = stacks.get(BOOTSTRAP_STACK) as BootstrapStack | undefined;
  if (!bootstrap) throw new Error(`the registry has no ${BOOTSTRAP_STACK}: the platform's system must be listed`);
  for (const system of githubSystems(systems)) {
    const types = entries
      .filter((s) => s.system === system.id)
      .flatMap((s) => resourceTypesOf(stacks.get(s.name) as TerraformStack));
    bootstrap.addGithubSystem(system.id, system.names(config), new Set(types), system.deployPermissions);
  }
  adoptRoles(app, config.platform.adoptRoles);
  return stacks;
}
