import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import type { StackJson } from "./synth";

/** A fresh stack with an AWS provider, for one construct test. */
export function newStack(): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "test");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  return stack;
}

/** Image code for functions whose code does not matter to the test. */
export const imageCode = {
  kind: "image" as const,
  imageUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1",
  command: ["a.handler"],
};

/** The statements of the policy documents whose key starts with `docPrefix`. */
export const statementsOf = (json: StackJson, docPrefix: string) =>
  Object.entries(json.data.aws_iam_policy_document)
    .filter(([k]) => k.startsWith(docPrefix))
    // biome-ignore lint/suspicious/noExplicitAny: parsed Terraform JSON.
    .flatMap(([, v]) => (v as any).statement);
