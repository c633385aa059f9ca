// A sixth system is its own folders plus one registry line: the example system in
// __tests__/platform/fixtures/example-system (stacks/notes/ and lambdas/notes/, laid out as a
// real system's) is registered here the way the registry lists systems, and gets everything the
// five real systems get, with no other file edited: its settings validated with the rest, its
// stack in the order after 00-bootstrap, its state key, tags, deploy and plan roles scoped to its
// names, its roles in the adoption inventory.
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { type PermissionScope, UncoveredResourceTypeError } from "../../../constructs/deploy-permissions";
import { deployOrder, roleInventory, STACKS, SYSTEMS, stackEntries, stacksOf } from "../../../stacks/registry";
import type { SystemDescriptor } from "../../../stacks/system";
import { resourcesOf, synthApp } from "../../support/synth";
import { notesSystem } from "../fixtures/example-system/stacks/notes/system";

type Statement = { sid: string; actions: string[]; resources: string[] };

/** The registry's list with the example's one line added. */
const withNotes: readonly SystemDescriptor[] = [...SYSTEMS, notesSystem];
const env = { PLATFORM_GITHUB_REPOSITORY: "acme/platform", PLATFORM_ENV: "stage" };

describe("a system added by its descriptor alone", () => {
  const { stacks, json } = synthApp(env, withNotes);

  test("its stack is synthesized: one table, one function reading it, one route, its own tags and state key", () => {
    const notes = json("notes");
    expect(resourcesOf(notes, "aws_dynamodb_table").map((t) => t.name)).toEqual(["notes-stage-notes"]);
    const [fn] = resourcesOf(notes, "aws_lambda_function");
    expect(fn).toMatchObject({
      function_name: "notes-stage-api",
      environment: { variables: { NOTES_TABLE: expect.any(String) } },
    });
    expect(resourcesOf(notes, "aws_apigatewayv2_route").map((r) => r.route_key)).toEqual(["GET /notes/{noteId}"]);
    expect(notes.terraform.backend.s3).toMatchObject({
      key: "notes/stage/notes.tfstate",
      dynamodb_table: "iac-ci-tf-locks",
    });
    expect(notes.provider.aws[0].default_tags[0].tags).toMatchObject({
      system: "notes",
      project: "notes",
      stack: "notes",
    });
    // The function may read the table and nothing more.
    const policies = Object.values(notes.data.aws_iam_policy_document ?? {}) as { statement: Statement[] }[];
    const actions = policies
      .flatMap((p) => p.statement.flatMap((s) => s.actions))
      .filter((a) => a.startsWith("dynamodb:"));
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((a) => /Put|Update|Delete|Write/.test(a))).toEqual([]);
  });

  test("its place in the stack order: after 00-bootstrap, and the real systems' order is unchanged", () => {
    const order = deployOrder(stackEntries(withNotes)).map((e) => e.name);
    expect(order[0]).toBe("00-bootstrap");
    expect(order.filter((n) => n !== "notes")).toEqual(deployOrder(STACKS).map((e) => e.name));
    expect(stacksOf("notes", withNotes).map((e) => e.name)).toEqual(["notes"]);
    expect(() => stacksOf("notes")).toThrow(/unknown system "notes"; systems: platform, iac-ci/);
  });

  test("00-bootstrap gives it a deploy and a plan role scoped to its names and state", () => {
    const bootstrap = json("00-bootstrap");
    const names = Object.values(bootstrap.resource.aws_iam_role).map((r) => (r as { name: string }).name);
    expect(names).toEqual(expect.arrayContaining(["iac-ci-github-deploy-notes", "iac-ci-github-plan-notes"]));
    const docs = bootstrap.data.aws_iam_policy_document as Record<string, { statement: Statement[] }>;
    const deploy = Object.entries(docs).find(([key]) => key.startsWith("GithubOidc_notesDeployRole_"))?.[1].statement;
    expect(deploy).toBeDefined();
    const bySid = new Map((deploy ?? []).map((s) => [s.sid, s]));
    expect(bySid.get("Tables")?.resources).toEqual([
      "arn:aws:dynamodb:*:${data.aws_caller_identity.current.account_id}:table/notes-*",
    ]);
    expect(bySid.get("Tables")?.actions).toEqual(
      expect.arrayContaining(["dynamodb:CreateTable", "dynamodb:DeleteTable"]),
    );
    expect(bySid.get("Functions")?.actions).toEqual(expect.arrayContaining(["lambda:CreateFunction"]));
    expect(bySid.get("TerraformState")?.resources).toEqual([
      "arn:aws:s3:::iac-ci-tfstate",
      "arn:aws:s3:::iac-ci-tfstate/notes/*",
    ]);
    // Nothing it does not hold: no state machines, queues, repositories.
    for (const sid of ["StateMachines", "Queues", "Repositories"]) expect(bySid.has(sid)).toBe(false);
  });

  test("its settings are validated with the platform's, and its roles join the adoption inventory", () => {
    expect(() => synthApp({ NOTES_PREFIX: "Bad" }, withNotes)).toThrow(
      /NOTES_PREFIX="Bad": must be 3-20 lowercase letters, digits and hyphens/,
    );
    const roles = roleInventory(stacks, withNotes).filter((r) => r.system === "notes");
    expect(roles.map((r) => r.stack)).toEqual(["notes"]);
    expect(roles[0].role).toMatch(/^notes-stage-api/);
  });

  test("an AWS service only it uses: its descriptor's deployPermissions cover the type, else synth names it", () => {
    const dashboards = (c: { namePrefixes: readonly string[]; account: string }): PermissionScope => ({
      sid: "NotesDashboards",
      resources: c.namePrefixes.map((p) => `arn:aws:cloudwatch::${c.account}:dashboard/${p}-*`),
      read: ["cloudwatch:GetDashboard"],
      write: ["cloudwatch:PutDashboard", "cloudwatch:DeleteDashboards"],
    });
    const withDashboard = (own?: SystemDescriptor["deployPermissions"]): SystemDescriptor => ({
      ...notesSystem,
      deployPermissions: own,
      stacks: [
        {
          name: "notes",
          build: (scope, name, config) => {
            const stack = notesSystem.stacks[0].build(scope, name, config);
            // A resource type the library's catalogue does not cover.
            new CloudwatchDashboard(stack, "Board", {
              dashboardName: "notes-board",
              dashboardBody: "{}",
            });
            return stack;
          },
        },
      ],
    });
    expect(() => synthApp(env, [...SYSTEMS, withDashboard()])).toThrow(UncoveredResourceTypeError);
    expect(() => synthApp(env, [...SYSTEMS, withDashboard()])).toThrow(
      /notes's stacks use aws_cloudwatch_dashboard, which no deploy-role scope covers/,
    );
    const { json: covered } = synthApp(env, [...SYSTEMS, withDashboard({ aws_cloudwatch_dashboard: [dashboards] })]);
    const docs = covered("00-bootstrap").data.aws_iam_policy_document as Record<string, { statement: Statement[] }>;
    const deploy = Object.entries(docs).find(([key]) => key.startsWith("GithubOidc_notesDeployRole_"))?.[1].statement;
    expect([...(deploy?.find((s) => s.sid === "NotesDashboards")?.actions ?? [])].sort()).toEqual([
      "cloudwatch:DeleteDashboards",
      "cloudwatch:GetDashboard",
      "cloudwatch:PutDashboard",
    ]);
  });

  test("a descriptor that contradicts itself or the registry fails, naming the problem", () => {
    expect(() => stackEntries([...SYSTEMS, notesSystem, notesSystem])).toThrow(/system notes is listed twice/);
    expect(() =>
      stackEntries([...SYSTEMS, { ...notesSystem, stacks: [{ ...notesSystem.stacks[0], name: "model-share" }] }]),
    ).toThrow(/stack model-share is both model-share's and notes's/);
    expect(() =>
      stackEntries([...SYSTEMS, { ...notesSystem, stacks: [{ ...notesSystem.stacks[0], after: ["nowhere"] }] }]),
    ).toThrow(/system notes: stack notes comes after "nowhere", not one of its stacks/);
  });
});
