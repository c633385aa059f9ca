import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  GetRoleCommand,
  type IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";

// Role adoption as docs/import-runbook.md tells it, for any system's emulator test: a role made
// by hand (broad managed policy, leftover inline policy) before the stack is deployed with the
// role in PLATFORM_ADOPT_ROLES; afterwards the role carries the code's definition and only it.

const HAND_MADE = "made by hand";

/** Creates `roleName` as a user might have by hand: trusted by `service`, a managed policy and an `s3:*` inline policy attached. */
export async function makeRoleByHand(
  iam: IAMClient,
  roleName: string,
  service: string,
  managedPolicyArn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
): Promise<void> {
  await iam.send(
    new CreateRoleCommand({
      RoleName: roleName,
      Description: HAND_MADE,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
      }),
    }),
  );
  await iam.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: managedPolicyArn }));
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: roleName,
      PolicyName: "hand-made",
      PolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }],
      }),
    }),
  );
}

/** The adopted role now has the code's description and exactly the code's one inline policy, no managed policy. */
export async function expectAdopted(iam: IAMClient, roleName: string, policyName = "least-privilege"): Promise<void> {
  const role = await iam.send(new GetRoleCommand({ RoleName: roleName }));
  expect([roleName, role.Role?.Description]).not.toEqual([roleName, HAND_MADE]);
  expect([roleName, (await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames]).toEqual([
    roleName,
    [policyName],
  ]);
  expect([
    roleName,
    (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }))).AttachedPolicies,
  ]).toEqual([roleName, []]);
}

/** The import blocks of a synthesized stack: the ids (role names) it adopts. */
export function importedIds(stackJson: { import?: { id: string }[] }): string[] {
  return (stackJson.import ?? []).map((i) => i.id).sort();
}
