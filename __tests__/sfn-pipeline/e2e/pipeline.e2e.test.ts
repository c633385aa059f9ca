// The pipeline deployed as `npm start -- sfn-pipeline` deploys it, driven through its API: the
// smoke steps, then what IAM enforcement makes real on the deployed system.
import { GetRolePolicyCommand, IAMClient, ListRolePoliciesCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { deploySystem, smokeStepsAsTests } from "../../support/e2e";
import { httpCall } from "../../support/http-call";
import { ended, GOOD_RUN, regionOf, runsUrl, smoke, startedExecution } from "./smoke";

const deployed = deploySystem("sfn-pipeline");

smokeStepsAsTests(smoke, deployed);

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
}
const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

test("GIVEN the state machine's role without its grant on lambda_two WHEN a run starts THEN it fails AccessDenied naming the action, and passes again with the real policy", async () => {
  const ctx = deployed.ctx();
  const iam = new IAMClient(ctx.clientConfig());
  const roleName = ctx.output("sfn-pipeline", "sfn_role_arn").split("/").pop() as string;
  const lambdaTwo = JSON.parse(ctx.output("sfn-pipeline", "lambda_function_names")).lambda_two as string;
  const { PolicyNames = [] } = await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }));
  const originals = new Map<string, string>();
  for (const PolicyName of PolicyNames) {
    const policy = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName }));
    originals.set(PolicyName, decodeURIComponent(policy.PolicyDocument as string));
  }
  const invoking = [...originals].filter(([, doc]) => doc.includes("lambda:InvokeFunction"));
  expect(invoking).toHaveLength(1);
  const [name, document] = invoking[0];
  const parsed = JSON.parse(document) as { Statement: Statement[] };
  const withoutTwo = {
    ...parsed,
    Statement: parsed.Statement.map((s) =>
      list(s.Action).includes("lambda:InvokeFunction")
        ? { ...s, Resource: list(s.Resource).filter((r) => !r.includes(`:function:${lambdaTwo}`)) }
        : s,
    ).filter((s) => list(s.Resource).length > 0),
  };
  expect(JSON.stringify(withoutTwo)).not.toContain(`:function:${lambdaTwo}`);
  await iam.send(
    new PutRolePolicyCommand({ RoleName: roleName, PolicyName: name, PolicyDocument: JSON.stringify(withoutTwo) }),
  );
  try {
    const denied = await ended(ctx, await startedExecution(ctx, GOOD_RUN));
    expect(denied.status).toBe("FAILED");
    expect(denied.error).toBe("Lambda.AccessDeniedException");
    expect(denied.cause).toContain(`assumed-role/${roleName}/`);
    expect(denied.cause).toMatch(
      new RegExp(`not authorized to perform: lambda:InvokeFunction on resource: \\S+:function:${lambdaTwo}`),
    );
  } finally {
    await iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: name, PolicyDocument: document }));
  }
  const passed = await ended(ctx, await startedExecution(ctx, GOOD_RUN));
  expect(passed.status).toBe("SUCCEEDED");
}, 180_000);

test("GIVEN a caller whose key the local cloud never issued WHEN it signs POST /runs THEN it is refused and no execution starts", async () => {
  const ctx = deployed.ctx();
  const reply = await httpCall(runsUrl(ctx), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(GOOD_RUN),
    sign: {
      region: regionOf(ctx),
      credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
    },
  });
  expect(reply.status).toBe(403);
  expect(reply.text).not.toContain("executionArn");
});
