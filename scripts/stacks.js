#!/usr/bin/env node
// The stack registry (stacks/registry.ts) for scripts and workflows, so no stack name or order
// is written twice:
//   node scripts/stacks.js systems               deployable systems, one per line
//   node scripts/stacks.js order [--system S]    stacks in deploy order (00-bootstrap first; with
//                                                --system, only S's stacks, without 00-bootstrap)
//   node scripts/stacks.js destroy-order [--system S]   the reverse
//   node scripts/stacks.js role-arn --system S --kind deploy|plan --account ID
//                                                the system's GitHub OIDC role (00-bootstrap makes it)
//   node scripts/stacks.js roles [--markdown]    every IAM role the stacks define for the current
//                                                settings (role, stack, system), for adoption
//   add --json for a JSON array (GitHub Actions matrices: fromJSON(...))

const path = require("node:path");
const { createJiti } = require("jiti");

/** stacks/registry.ts, loaded from TypeScript by jiti (types are tsc's job). */
function loadRegistry() {
  return createJiti(__filename).import(path.join(__dirname, "..", "stacks", "registry.ts"));
}

async function main(argv) {
  const json = argv.includes("--json");
  const args = argv.filter((a) => a !== "--json");
  const command = args[0];
  const systemAt = args.indexOf("--system");
  const system = systemAt >= 0 ? args[systemAt + 1] : undefined;
  const option = (name) => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const registry = await loadRegistry();
  const systems = Object.keys(registry.SYSTEMS).filter((s) => s !== "platform");
  if (system !== undefined && !systems.includes(system)) {
    throw new Error(`unknown system "${system}"; systems: ${systems.join(", ")}`);
  }
  let names;
  if (command === "role-arn") {
    const kind = option("--kind");
    const account = option("--account");
    if (!system) throw new Error("role-arn needs --system");
    if (kind !== "deploy" && kind !== "plan") throw new Error(`--kind must be deploy or plan, not "${kind}"`);
    if (!/^\d{12}$/.test(account ?? ""))
      throw new Error(`--account must be a 12-digit AWS account id, not "${account}"`);
    const config = registry.loadConfig({ env: process.env });
    process.stdout.write(`${registry.githubRoleArn(account, config.platform.platformPrefix, kind, system)}\n`);
    return;
  }
  if (command === "roles") {
    const { App } = require("cdktf");
    const stacks = registry.buildApp(new App({ skipValidation: true }), process.env);
    if (args.includes("--markdown")) {
      process.stdout.write(`${registry.roleTable(stacks)}\n`);
      return;
    }
    const roles = registry.roleInventory(stacks);
    process.stdout.write(
      json ? `${JSON.stringify(roles)}\n` : `${roles.map((r) => `${r.role}\t${r.stack}\t${r.system}`).join("\n")}\n`,
    );
    return;
  }
  if (command === "systems") names = systems;
  else if (command === "order" || command === "destroy-order") {
    const entries = system ? registry.stacksOf(system) : registry.deployOrder(registry.STACKS);
    names = entries.map((e) => e.name);
    if (command === "destroy-order") names.reverse();
  } else {
    throw new Error(
      "usage: stacks.js systems | order [--system S] | destroy-order [--system S] [--json] | role-arn --system S --kind deploy|plan --account ID | roles [--markdown|--json]",
    );
  }
  process.stdout.write(json ? `${JSON.stringify(names)}\n` : `${names.join("\n")}\n`);
}

main(process.argv.slice(2)).catch((error) => {
  console.error(`stacks.js: ${error.message}`);
  process.exit(2);
});
