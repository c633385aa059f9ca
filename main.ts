// The CDK for Terraform app: `cdktf synth` runs this (through scripts/run-app.js).
import { App } from "cdktf";
import { ConfigError } from "./config";
import { AdoptionError } from "./constructs/stack-base";
import { buildPlatform } from "./stacks";

try {
  const app = new App();
  buildPlatform(app);
  app.synth();
} catch (error) {
  // A configuration mistake is the user's to fix: print what is wrong, not a stack trace.
  if (error instanceof ConfigError || error instanceof AdoptionError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
