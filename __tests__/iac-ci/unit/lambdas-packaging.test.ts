// The image and the functions agree: the bundle script produces one module per
// FUNCTIONS[*].command exporting that function, the Dockerfile copies exactly those bundles into
// the task root with a valid default CMD, and CodeBuild's command runs the worker bundle.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative, resolve } from "node:path";
import { CODEBUILD_WORKER_COMMAND, FUNCTIONS, IMAGE_TASK_ROOT, RUN_ENV } from "../../../lambdas/iac-ci/contract";
import { dockerfileSteps, exportsOf } from "../../support/images";

const ROOT = resolve(__dirname, "../../..");

interface Bundle {
  id: string;
  module: string;
  exportName: string;
  file: string;
  bytes: number;
  clients: string[];
}
const script = require("../../../lambdas/iac-ci/bundle.js") as {
  bundleLambdas: (o: { measure: boolean; log: boolean }) => Promise<Bundle[]>;
  DEFAULT_OUTDIR: string;
  SIZE_LIMIT_BYTES: number;
};

let bundles: Bundle[];
/** The bundles copied out of the repository: no node_modules above them, as in the image. */
let isolated: string;

const dockerfile = () => dockerfileSteps(join(ROOT, "lambdas", "iac-ci", "Dockerfile"));

beforeAll(async () => {
  bundles = await script.bundleLambdas({ measure: false, log: false });
  isolated = mkdtempSync(join(tmpdir(), "iac-ci-image-"));
  for (const b of bundles) copyFileSync(b.file, join(isolated, basename(b.file)));
}, 60_000);

afterAll(() => rmSync(isolated, { recursive: true, force: true }));

test("every function's command names a bundle in build/lambdas that exports it", () => {
  expect(script.DEFAULT_OUTDIR).toBe(join(ROOT, "build", "lambdas"));
  for (const { id, command } of Object.values(FUNCTIONS)) {
    const [module, exportName] = command.split(".");
    const file = join(script.DEFAULT_OUTDIR, `${module}.js`);
    expect(existsSync(file)).toBe(true);
    // Loaded where no node_modules can be found: every dependency is inside the bundle.
    expect(exportsOf(join(isolated, `${module}.js`))).toMatchObject({ [exportName]: "function" });
    expect(bundles.find((b) => b.id === id)).toMatchObject({ module, exportName, file });
  }
  expect(bundles).toHaveLength(Object.keys(FUNCTIONS).length);
});

test("bundles are under the size limit and carry only the AWS clients their handler calls", () => {
  const expected: Record<string, string[]> = {
    [FUNCTIONS.processWebhook.id]: ["client-dynamodb", "client-lambda", "client-s3", "client-ssm"],
    [FUNCTIONS.orchestrator.id]: ["client-codebuild", "client-dynamodb", "client-lambda", "client-s3", "client-sfn"],
    [FUNCTIONS.watchdogCheck.id]: ["client-s3"],
    [FUNCTIONS.worker.id]: ["client-s3"],
  };
  for (const b of bundles) {
    expect(b.bytes).toBeLessThan(script.SIZE_LIMIT_BYTES);
    expect(b.clients).toEqual(expected[b.id]);
  }
});

test("the Dockerfile copies the bundles into the task root of the Lambda Node.js 22 image", () => {
  const steps = dockerfile();
  expect(steps[0]).toEqual({ instruction: "FROM", args: "public.ecr.aws/lambda/nodejs:22" });

  const copies = steps.filter((s) => s.instruction === "COPY");
  expect(copies).toHaveLength(1);
  const [source, target] = copies[0].args.split(/\s+/);
  expect(resolve(ROOT, source)).toBe(script.DEFAULT_OUTDIR);
  // LAMBDA_TASK_ROOT is /var/task in the base image.
  expect(target.replace("${LAMBDA_TASK_ROOT}", "/var/task").replace(/\/$/, "")).toBe(IMAGE_TASK_ROOT);
  expect(relative(ROOT, script.DEFAULT_OUTDIR)).toBe("build/lambdas");

  const cmds = steps.filter((s) => s.instruction === "CMD");
  expect(cmds).toHaveLength(1);
  const cmd = JSON.parse(cmds[0].args) as string[];
  expect(cmd).toEqual([FUNCTIONS.processWebhook.command]);
  // No ENTRYPOINT override: the base image's runtime interface client must stay.
  expect(steps.some((s) => s.instruction === "ENTRYPOINT")).toBe(false);
});

test("CodeBuild's command runs the worker bundle in CLI mode", () => {
  const worker = bundles.find((b) => b.id === FUNCTIONS.worker.id) as Bundle;
  expect(CODEBUILD_WORKER_COMMAND).toBe(`node ${IMAGE_TASK_ROOT}/${worker.module}.js --cli`);

  // Without its environment overrides the CLI stops at once, naming them (no network needed).
  const out = spawnSync(process.execPath, [join(isolated, basename(worker.file)), "--cli"], {
    encoding: "utf8",
    env: { PATH: process.env.PATH },
  });
  expect(out.status).toBe(2);
  for (const name of Object.values(RUN_ENV)) expect(out.stderr).toContain(name);
  // Loaded as a Lambda module, it does not start the CLI.
  expect(exportsOf(worker.file)).toMatchObject({ handler: "function" });
});
