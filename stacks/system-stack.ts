import { TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import { type AppConfig, type PlatformConfig, settingsOf, stateKey } from "../config";
import { AwsStack } from "../constructs/aws-stack";
import type { SystemIdentity, SystemNames } from "./system";

/** Where a stack keeps state: 00-bootstrap locally (it creates the store), the rest in the store. */
export type StateKind = "local" | "remote";

export interface SystemStackOptions {
  /** @default "remote" (the 00-bootstrap store); 00-bootstrap itself is "local". */
  readonly state?: StateKind;
}

/**
 * A stack of one system, built from the app's configuration: the region, the emulator
 * endpoint, the tags (project, system, environment, stack) and the state backend. Remote
 * state lives in the 00-bootstrap store under a key carrying system, environment and stack,
 * locked in the lock table; environments and systems never share state.
 */
export class SystemStack<N extends SystemNames = SystemNames, S = undefined> extends AwsStack {
  readonly config: AppConfig;
  /** The shared settings (environment, region, retention, ...). */
  readonly platform: PlatformConfig;
  readonly stackName: string;
  /** The system's id. */
  readonly system: string;
  /** The system's names (`identity.names(config)`). */
  readonly names: N;
  /** The system's validated settings (undefined for a system without settings). */
  readonly settings: S;

  constructor(
    scope: Construct,
    stackName: string,
    config: AppConfig,
    identity: SystemIdentity<N, S>,
    options: SystemStackOptions = {},
  ) {
    const { platform } = config;
    const names = identity.names(config);
    super(scope, stackName, {
      region: platform.region,
      endpoint: platform.awsEndpoint,
      tags: {
        project: names.namePrefix,
        system: identity.id,
        environment: platform.environment,
        stack: stackName,
        "managed-by": "cdktf",
      },
      state:
        (options.state ?? "remote") === "local"
          ? // Relative to cdktf.out/stacks/<stack>: the file lives beside the output directory,
            // outside what synth regenerates, for both `cdktf deploy` and `terraform -chdir`.
            { kind: "local", path: `../../../terraform.${stackName}.tfstate` }
          : {
              kind: "s3",
              bucket: platform.stateBucket,
              key: stateKey(names.statePrefix, platform.environment, stackName),
              region: platform.region,
              lockTable: platform.lockTable,
            },
    });
    this.config = config;
    this.platform = platform;
    this.stackName = stackName;
    this.system = identity.id;
    this.names = names;
    this.settings = (identity.settings ? settingsOf(config, identity.settings) : undefined) as S;
  }

  /**
   * Declares the `aws_region` Terraform variable (validated as a region code, by default
   * `defaultRegion`) and makes it the provider's region. The state stays in the platform's store
   * and region: an S3 backend block cannot take a variable. Every stack of a system that has the
   * variable must get the same value (their names and ARNs meet in that region).
   */
  regionVariable(defaultRegion: string, description: string): TerraformVariable {
    const region = new TerraformVariable(this, "aws_region", {
      type: "string",
      default: defaultRegion,
      description,
      validation: [
        {
          condition: '${can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$", var.aws_region))}',
          errorMessage: `aws_region must be an AWS region code such as ${defaultRegion}.`,
        },
      ],
    });
    this.provider.region = region.stringValue;
    return region;
  }

  /**
   * Declares the `environment` Terraform variable, so `terraform plan -var environment=dev` (and a
   * tfvars file that sets it) works as with a hand-written root module. The environment is fixed
   * at synth (names and the state key carry it), so the variable defaults to it and any other
   * value fails the plan with a message saying how to plan that environment instead.
   */
  environmentVariable(): TerraformVariable {
    const environment = this.environment;
    const variable = new TerraformVariable(this, "environment", {
      type: "string",
      default: environment,
      description: `Deployment environment; this synthesized stack is ${environment}'s (set PLATFORM_ENV and synthesize again for another).`,
      validation: [
        {
          condition: `\${var.environment == "${environment}"}`,
          errorMessage: `This stack was synthesized for environment ${environment} (its names and state key carry it): run PLATFORM_ENV=<environment> npx cdktf synth to plan another environment.`,
        },
      ],
    });
    // The environment tag every resource carries is the variable's value (which the validation
    // holds to the synthesized one: the rendered tags do not change).
    this.provider.defaultTags = [{ tags: { ...this.tags, environment: variable.stringValue } }];
    return variable;
  }

  /** The environment of this synth (dev, stage, prod). */
  get environment(): string {
    return this.config.platform.environment;
  }
}
