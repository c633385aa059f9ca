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
//   node scripts/stacks.js ci-hook --stack S     the script the deploy workflow runs before S (or nothing)
//   node scripts/stacks.js local-vars --endpoint URL SYSTEM...
//                                                `NAME=value` lines: the TF_VAR_* npm start sets for
//                                                those systems on the local cloud (notes on stderr)
//   node scripts/stacks.js local-images --stack S --endpoint URL --outputs FILE
//                                                build and push the images S's system runs, after S
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
  const systems = registry.deployableSystems().map((s) => s.id);
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
  if (command === "ci-hook") {
    const entry = stackEntry(registry, option("--stack"));
    if (entry.ciBeforeDeploy) process.stdout.write(`${entry.ciBeforeDeploy}\n`);
    return;
  }
  if (command === "local-vars") {
    const endpoint = option("--endpoint");
    if (!endpoint) throw new Error("local-vars needs --endpoint URL");
    const named = args.slice(1).filter((a, i, all) => !a.startsWith("--") && all[i - 1] !== "--endpoint");
    for (const id of named.length ? named : systems) {
      const vars = registry.systemOf(id).local?.variables?.(process.env, endpoint);
      if (!vars) continue;
      for (const note of vars.notes) process.stderr.write(`[deploy-local] ${id}: ${note}\n`);
      for (const [name, value] of Object.entries(vars.values)) {
        if (/[\n=]/.test(name) || /\n/.test(value))
          throw new Error(`${id}: variable ${name} cannot be passed as a line`);
        process.stdout.write(`TF_VAR_${name}=${value}\n`);
      }
    }
    return;
  }
  if (command === "local-images") {
    await pushLocalImages(registry, option("--stack"), option("--endpoint"), option("--outputs"));
    return;
  }
  if (command === "systems") names = systems;
  else if (command === "order" || command === "destroy-order") {
    const entries = system ? registry.stacksOf(system) : registry.deployOrder(registry.STACKS);
    names = entries.map((e) => e.name);
    if (command === "destroy-order") names.reverse();
  } else {
    throw new Error(
      "usage: stacks.js systems | order [--system S] | destroy-order [--system S] [--json] | role-arn --system S --kind deploy|plan --account ID | roles [--markdown|--json] | ci-hook --stack S | local-vars --endpoint URL [SYSTEM...] | local-images --stack S --endpoint URL --outputs FILE",
    );
  }
  process.stdout.write(json ? `${JSON.stringify(names)}\n` : `${names.join("\n")}\n`);
}

function stackEntry(registry, name) {
  const entry = registry.STACKS.find((s) => s.name === name);
  if (!entry) throw new Error(`unknown stack "${name}"; stacks: ${registry.STACKS.map((s) => s.name).join(", ")}`);
  return entry;
}

/**
 * After a stack that makes ECR repositories: builds and pushes to the local cloud the images its
 * system declares for it (scripts/local-image.js), under TF_VAR_image_tag or the image's default.
 */
async function pushLocalImages(registry, stack, endpoint, outputsFile) {
  const { spawnSync } = require("node:child_process");
  const fs = require("node:fs");
  const entry = stackEntry(registry, stack);
  const images = registry.systemOf(entry.system).local?.images?.[stack] ?? [];
  if (images.length === 0) return;
  if (!endpoint || !outputsFile) throw new Error("local-images needs --endpoint URL and --outputs FILE");
  const outputs = JSON.parse(fs.readFileSync(outputsFile, "utf8"))[stack] ?? {};
  const config = registry.loadConfig({ env: process.env });
  // What the scripts print goes to stderr: stdout is for the commands' answers.
  const run = (script, scriptArgs, quiet = false) => {
    const result = spawnSync(process.execPath, [path.join(__dirname, "..", script), ...scriptArgs], {
      stdio: ["ignore", quiet ? "ignore" : process.stderr, "inherit"],
    });
    if (result.status !== 0) throw new Error(`${script} ${scriptArgs.join(" ")} failed (exit ${result.status})`);
  };
  for (const image of images) {
    const url = outputs[image.repositoryOutput];
    if (!url) throw new Error(`${stack} has no output ${image.repositoryOutput} in ${outputsFile}`);
    const tag = process.env.TF_VAR_image_tag || image.defaultTag(config);
    if (image.prepare) run(image.prepare[0], image.prepare.slice(1), true);
    const buildArgs = Object.entries(image.buildArgs ?? {}).flatMap(([k, v]) => [
      "--build-arg",
      `${k}=${v.replaceAll("{tag}", tag)}`,
    ]);
    run("scripts/local-image.js", [
      "--endpoint",
      endpoint,
      "--repository",
      url.split("/").slice(1).join("/"),
      "--tag",
      tag,
      "--dockerfile",
      image.dockerfile,
      ...(image.target ? ["--target", image.target] : []),
      ...buildArgs,
    ]);
  }
}

main(process.argv.slice(2)).catch((error) => {
  console.error(`stacks.js: ${error.message}`);
  process.exit(2);
});
