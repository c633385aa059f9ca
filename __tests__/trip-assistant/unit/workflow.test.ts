// The CD workflow (.github/workflows/trip-assistant-deploy.yml) and the stack agree: every AWS
// call it makes is one the deploy role allows, it moves the contract's alias, builds the
// Dockerfile's two targets for arm64 tagged with the commit, smoke-tests the health route, and
// rolls back when anything after reading the live versions fails. (actionlint checks its syntax:
// scripts/test.sh.)
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { FUNCTIONS, LIVE_ALIAS, ROUTES } from "../../../lambdas/trip-assistant/contract";
import { DEPLOY_ACTIONS } from "../../../stacks/trip-assistant/app-stack";

const workflow = readFileSync(resolve(__dirname, "../../../.github/workflows/trip-assistant-deploy.yml"), "utf8");
/** The IAM action of `aws <service> <command>` (kebab-case to the API's PascalCase). */
const actionOf = (service: string, command: string) =>
  `${service}:${command.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase())}`;
/** Step ids in the order the job runs them. */
const stepIds = [...workflow.matchAll(/^\s+- id: (\w+)$/gm)].map((m) => m[1]);

test("every AWS CLI call of the workflow is allowed to the deploy role; its other actions are docker push's", () => {
  const calls = [...workflow.matchAll(/\baws (lambda|ecr) ([a-z-]+)/g)].map((m) => actionOf(m[1], m[2]));
  const used = [...new Set(calls)].sort();
  // amazon-ecr-login calls ecr:GetAuthorizationToken; docker push the layer and image actions.
  const pushedByDocker = DEPLOY_ACTIONS.push.filter((a) => a !== "ecr:DescribeImages");
  expect(used).toEqual([...DEPLOY_ACTIONS.functionCode, ...DEPLOY_ACTIONS.alias, "ecr:DescribeImages"].sort());
  expect(workflow).toContain("aws-actions/amazon-ecr-login@v2");
  expect(workflow).toMatch(/--push/);
  expect(pushedByDocker).toEqual(
    expect.arrayContaining(["ecr:PutImage", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"]),
  );
});

test("both images are built from the Dockerfile's targets for arm64, tagged and versioned with the commit SHA", () => {
  expect(workflow).toMatch(/for target in agent api; do/);
  expect(Object.keys(FUNCTIONS).sort()).toEqual(["agent", "api"]);
  expect(workflow).toMatch(/--platform linux\/arm64/);
  expect(workflow).toMatch(/--file lambdas\/trip-assistant\/Dockerfile/);
  expect(workflow).toMatch(/IMAGE_TAG: \$\{\{ github\.sha \}\}/);
  expect(workflow).toMatch(/--build-arg "APP_VERSION=\$IMAGE_TAG"/);
  expect(workflow).toMatch(/--tag "\$REGISTRY\/\$repository:\$IMAGE_TAG"/);
});

test("order: read live, publish, move live, smoke-test the health route; roll back on any failure after reading live", () => {
  expect(stepIds).toEqual(["registry", "previous", "publish", "move", "smoke"]);
  expect(workflow.match(/--name live\b/g)?.length).toBeGreaterThanOrEqual(6);
  expect(LIVE_ALIAS).toBe("live");
  expect(workflow).toContain(`url="\${API_URL%/}${ROUTES.health.path}"`);
  // The smoke test demands the new image's version and the new function version, not just a 200.
  expect(workflow).toMatch(/jq -r \.version <<< "\$body"\)" = "\$IMAGE_TAG"/);
  expect(workflow).toMatch(/jq -r \.functionVersion <<< "\$body"\)" = "\$API_VERSION"/);
  const rollback = workflow.slice(workflow.indexOf("- name: roll live back"));
  expect(rollback).toMatch(/^\s+if: failure\(\) && steps\.previous\.outcome == 'success'$/m);
  expect(rollback).toMatch(/AGENT_VERSION: \$\{\{ steps\.previous\.outputs\.agent \}\}/);
  expect(rollback).toMatch(/API_VERSION: \$\{\{ steps\.previous\.outputs\.api \}\}/);
});

test("one deploy per environment at a time, never cancelled; OIDC credentials only", () => {
  expect(workflow).toMatch(
    /group: trip-assistant-deploy-\$\{\{ inputs\.environment \|\| 'dev' \}\}\n\s+cancel-in-progress: false/,
  );
  expect(workflow).toMatch(/id-token: write/);
  expect(workflow).toMatch(/role-to-assume: \$\{\{ vars\.TRIP_ASSISTANT_DEPLOY_ROLE_ARN \}\}/);
  expect(workflow).not.toMatch(/aws-access-key-id|AWS_SECRET_ACCESS_KEY/);
});
