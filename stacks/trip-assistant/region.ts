import { TerraformVariable } from "cdktf";
import type { SystemStack } from "../system-stack";
import { VARIABLE_DEFAULTS } from "./names";

/**
 * The `aws_region` variable: the region of the system's resources (the provider's), by default
 * us-east-2 (as originally specified). The state stays in the platform's store and region (the S3
 * backend cannot take a variable). Both stacks of the system have it: give both the same value.
 */
export function regionVariable(stack: SystemStack): TerraformVariable {
  const region = new TerraformVariable(stack, "aws_region", {
    type: "string",
    default: VARIABLE_DEFAULTS.region,
    description: "AWS region of the trip assistant's resources (state stays in the platform's region).",
    validation: [
      {
        condition: '${can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$", var.aws_region))}',
        errorMessage: "aws_region must be an AWS region code such as us-east-2.",
      },
    ],
  });
  stack.provider.region = region.stringValue;
  return region;
}
