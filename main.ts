// The CDK for Terraform app: `cdktf synth` runs this (through scripts/run-app.js). Every stack
// of every system comes from the registry (stacks/registry.ts).
import { App } from "cdktf";
import { ConfigError } from "./config";
import { AdoptionError, buildApp, loadConfig } from "./stacks/registry";

try {
  const app = new App();
  buildApp(app);
  // A former setting name still works for a release; say what to set instead.
  for (const warning of loadConfig({ env: process.env, context: (key) => app.node.tryGetContext(key) }).warnings) {
    console.warn(`warning: ${warning}`);
  }
  app.synth();
} catch (error) {
  // A configuration mistake is the user's to fix: print what is wrong, not a stack trace.
  if (error instanceof ConfigError || error instanceof AdoptionError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
