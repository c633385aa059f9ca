// The images and the functions agree, without a Docker engine: the Dockerfile's build-stage
// esbuild command (run here as written) produces one self-contained bundle per function that
// exports its handler; each image stage is arm64, copies exactly its function's bundle into the
// task root and runs FUNCTIONS[*].command; the context ignore file lets in what the build copies.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { FUNCTIONS, type FunctionKey, IMAGE_ENV, ROUTES } from "../../../lambdas/trip-assistant/contract";
import { type DockerStep, dockerfileSteps, exportsOf } from "../../support/images";

const ROOT = resolve(__dirname, "../../..");
const DOCKERFILE = join(ROOT, "lambdas", "trip-assistant", "Dockerfile");

interface Stage {
  readonly from: string;
  readonly name: string;
  readonly steps: DockerStep[];
}

/** The Dockerfile's stages and their instructions. */
function stages(): Stage[] {
  const result: Stage[] = [];
  for (const step of dockerfileSteps(DOCKERFILE)) {
    if (step.instruction === "FROM") {
      const name = / AS (\S+)$/i.exec(step.args)?.[1] ?? "";
      result.push({ from: step.args, name, steps: [] });
    } else {
      result[result.length - 1].steps.push(step);
    }
  }
  return result;
}

const stageNamed = (name: string) => stages().find((s) => s.name === name) as Stage;

let outDir: string;
/** The bundles copied where no node_modules can be found, as in the image's task root. */
let isolated: string;

beforeAll(() => {
  const build = stageNamed("build");
  const run = build.steps.filter((s) => s.instruction === "RUN" && s.args.startsWith("npx esbuild "));
  expect(run).toHaveLength(1);
  outDir = mkdtempSync(join(tmpdir(), "trip-assistant-image-"));
  // The build stage's command, as written, but into a temporary directory instead of /out.
  const args = run[0].args
    .replace(/^npx esbuild /, "")
    .split(/\s+/)
    .map((a) => (a === "--outdir=/out" ? `--outdir=${outDir}` : a));
  expect(args).toContain(`--outdir=${outDir}`);
  const esbuild = spawnSync(join(ROOT, "node_modules", ".bin", "esbuild"), [...args, "--log-level=warning"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (esbuild.status !== 0) throw new Error(`esbuild failed:\n${esbuild.stderr}`);
  isolated = mkdtempSync(join(tmpdir(), "trip-assistant-task-root-"));
  for (const { module } of Object.values(FUNCTIONS))
    copyFileSync(join(outDir, `${module}.js`), join(isolated, `${module}.js`));
}, 120_000);

afterAll(() => {
  for (const dir of [outDir, isolated]) if (dir) rmSync(dir, { recursive: true, force: true });
});

test("the build stage bundles every function's module; each loads without node_modules and exports its handler", () => {
  for (const { module, command } of Object.values(FUNCTIONS)) {
    const [file, exportName] = command.split(".");
    expect(file).toBe(module);
    expect(exportsOf(join(isolated, `${module}.js`))).toMatchObject({ [exportName]: "function" });
    // Small enough for fast cold starts: the SDK clients are the ES module builds, tree-shaken.
    expect(statSync(join(isolated, `${module}.js`)).size).toBeLessThan(1024 * 1024);
  }
});

test("each bundle carries the client it calls: the agent SSM and openai, the API Lambda; neither the other's", () => {
  const agent = readFileSync(join(isolated, "agent.js"), "utf8");
  const api = readFileSync(join(isolated, "api.js"), "utf8");
  expect(agent).toMatch(/GetParameter/);
  expect(agent).toMatch(/chat\/completions/);
  expect(agent).not.toMatch(/x-amz-invocation-type/i);
  expect(api).toMatch(/x-amz-invocation-type/i);
  expect(api).not.toMatch(/chat\/completions/);
});

test("the API bundle, run as Lambda would, answers GET /api/health with the version baked into the image", () => {
  const script = `
    const { handler } = require(process.argv[1]);
    handler({ rawPath: "${ROUTES.health.path}", requestContext: { http: { method: "GET" } }, headers: {} })
      .then((r) => process.stdout.write(JSON.stringify(r)));`;
  const out = spawnSync(process.execPath, ["-e", script, join(isolated, "api.js")], {
    encoding: "utf8",
    env: {
      PATH: process.env.PATH,
      [IMAGE_ENV.appVersion]: "0123abc",
      AWS_LAMBDA_FUNCTION_VERSION: "4",
      ENVIRONMENT: "dev",
    },
  });
  expect(out.status).toBe(0);
  const res = JSON.parse(out.stdout);
  expect(res.statusCode).toBe(200);
  expect(JSON.parse(res.body)).toEqual({ status: "ok", version: "0123abc", functionVersion: "4", environment: "dev" });
});

test.each(
  Object.keys(FUNCTIONS) as FunctionKey[],
)("the %s image: arm64 Lambda Node.js 22 base, its bundle only in the task root, its command, the build's version", (key) => {
  const { module, command } = FUNCTIONS[key];
  const stage = stageNamed(key);
  expect(stage.from).toBe(`--platform=linux/arm64 public.ecr.aws/lambda/nodejs:22 AS ${key}`);
  const copies = stage.steps.filter((s) => s.instruction === "COPY");
  expect(copies.map((c) => c.args)).toEqual([`--from=build /out/${module}.js \${LAMBDA_TASK_ROOT}/`]);
  const cmds = stage.steps.filter((s) => s.instruction === "CMD");
  expect(cmds.map((c) => JSON.parse(c.args))).toEqual([[command]]);
  // The base image's runtime interface client must stay the entry point.
  expect(stage.steps.some((s) => s.instruction === "ENTRYPOINT")).toBe(false);
  // Nothing runs in the arm64 stage: no emulation is needed to build it on an x86 runner.
  expect(stage.steps.some((s) => s.instruction === "RUN")).toBe(false);
  expect(stage.steps).toEqual(
    expect.arrayContaining([
      { instruction: "ARG", args: `${IMAGE_ENV.appVersion}=unknown` },
      { instruction: "ENV", args: `${IMAGE_ENV.appVersion}=\${${IMAGE_ENV.appVersion}}` },
    ]),
  );
});

test("the build context holds what the build stage copies and nothing else", () => {
  const build = stageNamed("build");
  expect(build.from).toBe("--platform=$BUILDPLATFORM node:22-bookworm-slim AS build");
  const copied = build.steps.filter((s) => s.instruction === "COPY").flatMap((s) => s.args.split(/\s+/).slice(0, -1));
  expect(copied).toEqual(["package.json", "package-lock.json", "lambdas/shared", "lambdas/trip-assistant"]);
  const ignore = readFileSync(`${DOCKERFILE}.dockerignore`, "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  expect(ignore[0]).toBe("*");
  expect(ignore.filter((l) => l.startsWith("!")).map((l) => l.slice(1).replace(/\/\*\*$/, ""))).toEqual(copied);
});
