/**
 * What a system is to the app: one descriptor, exported by stacks/<system>/system.ts, that the
 * registry lists. Everything shared (configuration loading, the stack order, 00-bootstrap's
 * GitHub roles, `npm start`, the CI workflows' hooks) iterates over descriptors; no shared code
 * names a system. docs/adding-a-system.md walks through one.
 */
import type { TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { AppConfig, SettingsSection } from "../config";
import type { SystemScopes } from "../constructs/deploy-permissions";

/** A system's name prefix (its resources), state key prefix (its state), and other bucket names it owns. */
export interface SystemNames {
  readonly namePrefix: string;
  readonly statePrefix: string;
  /** Bucket name patterns outside the name prefix (a user-chosen data bucket's base, say). */
  readonly bucketPatterns?: readonly string[];
}

/**
 * Who a system is: its id, its settings section and its names. Stacks take it (SystemStack),
 * and its descriptor extends it; it lives apart from the descriptor so the stacks, which the
 * descriptor builds, can import it without a cycle.
 */
export interface SystemIdentity<N extends SystemNames = SystemNames, S = unknown> {
  /** The system's id: its tag, its GitHub roles' suffix, its folder names. */
  readonly id: string;
  /** How its settings are read; none for a system without settings. */
  readonly settings?: SettingsSection<S>;
  /** Its names, derived from the configuration. */
  readonly names: (config: AppConfig) => N;
}

/** One stack of a system. */
export interface StackSpec {
  /** The stack's name: `cdktf deploy <name>`; part of its state key. Never renamed once shipped. */
  readonly name: string;
  /** Stacks of the same system deployed before this one (00-bootstrap always is). @default [] */
  readonly after?: readonly string[];
  readonly build: (scope: Construct, name: string, config: AppConfig) => TerraformStack;
  /**
   * A script the deploy workflow runs before deploying the stack (repository-relative, e.g. to
   * build and push the image its functions run). @default none
   */
  readonly ciBeforeDeploy?: string;
}

/** An image `npm start` builds and pushes to the local cloud after a stack made its repository. */
export interface LocalImage {
  /** The stack output holding the repository URL. */
  readonly repositoryOutput: string;
  /** Repository-relative Dockerfile. */
  readonly dockerfile: string;
  /** Dockerfile stage. @default the last */
  readonly target?: string;
  /** The tag when TF_VAR_image_tag is unset. */
  readonly defaultTag: (config: AppConfig) => string;
  /**
   * A node script (repository-relative) and its arguments, run first, e.g. to bundle what the
   * Dockerfile copies. @default none
   */
  readonly prepare?: readonly [script: string, ...args: string[]];
  /** Build arguments; `{tag}` is replaced by the tag. @default none */
  readonly buildArgs?: Readonly<Record<string, string>>;
}

/** What `npm start` gives a system on the local cloud beyond its stacks. */
export interface LocalDeploy {
  /**
   * Deploy-time Terraform variables a real deploy must be given, with values for the local
   * cloud: set as TF_VAR_<name> when unset (and said). `endpoint` is the local cloud's URL.
   * Returns the variables and a note per decision.
   */
  readonly variables?: (
    env: Readonly<Record<string, string | undefined>>,
    endpoint: string,
  ) => { readonly values: Readonly<Record<string, string>>; readonly notes: readonly string[] };
  /** Images to push after a stack deploys, by stack name. */
  readonly images?: Readonly<Record<string, readonly LocalImage[]>>;
}

/** A system, as the registry lists it. */
export interface SystemDescriptor<N extends SystemNames = SystemNames, S = unknown> extends SystemIdentity<N, S> {
  /** One line: what the system does. */
  readonly description: string;
  /** Its stacks; `after` orders them. */
  readonly stacks: readonly StackSpec[];
  /** Whether 00-bootstrap makes GitHub deploy and plan roles for it. @default true */
  readonly githubRoles?: boolean;
  /**
   * Deploy-role permissions for resource types of an AWS service only this system uses (the
   * library's catalogue, constructs/deploy-permissions.ts, covers the shared ones). @default none
   */
  readonly deployPermissions?: SystemScopes;
  readonly local?: LocalDeploy;
}

/** Checks a descriptor's own consistency (ids, stack names, `after`); returns the problems. */
export function descriptorProblems(system: SystemDescriptor): string[] {
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/.test(system.id)) {
    problems.push(`system id "${system.id}" must be 3-32 characters of lowercase letters, digits and hyphens`);
  }
  if (system.settings && system.settings.system !== system.id) {
    problems.push(`system ${system.id}'s settings section is for "${system.settings.system}"`);
  }
  if (system.stacks.length === 0) problems.push(`system ${system.id} has no stacks`);
  const names = new Set(system.stacks.map((s) => s.name));
  for (const stack of system.stacks) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(stack.name)) {
      problems.push(`system ${system.id}: stack name "${stack.name}" must be letters, digits, _ and -`);
    }
    for (const dep of stack.after ?? []) {
      if (!names.has(dep))
        problems.push(`system ${system.id}: stack ${stack.name} comes after "${dep}", not one of its stacks`);
    }
  }
  for (const stack of Object.keys(system.local?.images ?? {})) {
    if (!names.has(stack))
      problems.push(`system ${system.id}: images are pushed after "${stack}", not one of its stacks`);
  }
  return problems;
}
