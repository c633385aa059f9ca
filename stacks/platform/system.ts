import type { SystemDescriptor, SystemNames } from "../system";
import { BootstrapStack, PLATFORM } from "./bootstrap-stack";

/** The shared 00-bootstrap: deployed once per account, before any system. */
export const BOOTSTRAP_STACK = "00-bootstrap";

export const platformSystem: SystemDescriptor<SystemNames, undefined> = {
  ...PLATFORM,
  description: "state bucket, lock table, GitHub OIDC",
  // 00-bootstrap is deployed with admin credentials; the GitHub roles are its output.
  githubRoles: false,
  stacks: [{ name: BOOTSTRAP_STACK, build: (scope, name, config) => new BootstrapStack(scope, name, config) }],
};
