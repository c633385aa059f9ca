#!/usr/bin/env node
// `docker build` + `docker push` for the local cloud, which has no Docker: reads a Dockerfile
// stage and produces the directory its Lambda task root would hold, then pushes it to the local
// cloud under <repository>:<tag> with the stage's CMD and ENV (scripts/localcloud/images.py).
//
// The one mapping (docs/emulator.md, "Image functions"): in the target stage,
//   COPY <path> ${LAMBDA_TASK_ROOT}/          copies <path> from the repository (the build context)
//   COPY --from=<stage> <path> ${LAMBDA_TASK_ROOT}/
//                                             runs <stage>'s `RUN npx esbuild ...` commands here,
//                                             with that stage's output directory mapped to a scratch one
//   ENV K=V / ARG K=default                   become the image's environment (--build-arg overrides)
//   CMD ["module.handler"]                    the default handler (a function's ImageConfig command wins)
//   FROM public.ecr.aws/lambda/nodejs:<major> the runtime (nodejs<major>.x)
// Anything else (RUN in the final stage, other base images, EntryPoint) is refused, naming it.
//
//   node scripts/local-image.js --endpoint URL --repository R --tag T [--dockerfile F] [--target STAGE]
//        [--build-arg K=V ...] [--out DIR]
//   require("./scripts/local-image.js").buildLocalImage({...}) / pushLocalImage({...})

const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const TASK_ROOT = /^\$\{?LAMBDA_TASK_ROOT\}?\/?$/;

/** The stages of a Dockerfile: [{ name, from, steps: [{ instruction, args }] }]. */
function stagesOf(dockerfile) {
  const text = fs.readFileSync(dockerfile, "utf8").replace(/\\\n/g, " ");
  const stages = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const [word, ...rest] = line.split(/\s+/);
    const instruction = word.toUpperCase();
    const args = rest.join(" ");
    if (instruction === "FROM") {
      const name = / AS (\S+)$/i.exec(args)?.[1] ?? "";
      const image = args.split(/\s+/).find((a) => !a.startsWith("--")) ?? "";
      stages.push({ name, from: image, steps: [] });
    } else if (instruction === "ARG" && stages.length === 0) {
      // global ARG before the first FROM: only used in FROM lines; ignored here
    } else {
      if (stages.length === 0) throw new Error(`${dockerfile}: ${instruction} before the first FROM`);
      stages[stages.length - 1].steps.push({ instruction, args });
    }
  }
  return stages;
}

function substitute(text, vars) {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a, b) => vars[a ?? b] ?? whole);
}

function runtimeOf(from, dockerfile) {
  const match = /^public\.ecr\.aws\/lambda\/nodejs:(\d+)/.exec(from);
  if (!match) throw new Error(`${dockerfile}: base image ${from} is not an AWS Lambda Node.js base image`);
  return `nodejs${match[1]}.x`;
}

/** Runs a stage's esbuild commands with its output directory (e.g. /out) mapped to `outDir`. */
function runBuildStage(stage, sourcePath, outDir, dockerfile) {
  const outRoot = path.posix.dirname(sourcePath) === "/" ? sourcePath : path.posix.dirname(sourcePath);
  const commands = stage.steps.filter((s) => s.instruction === "RUN" && s.args.startsWith("npx esbuild "));
  if (commands.length === 0)
    throw new Error(`${dockerfile}: stage ${stage.name} has no 'RUN npx esbuild' to build ${sourcePath}`);
  for (const command of commands) {
    const args = command.args
      .replace(/^npx esbuild /, "")
      .split(/\s+/)
      .map((a) => a.replace(new RegExp(`=${outRoot}(?=/|$)`), `=${outDir}`));
    const result = spawnSync(path.join(ROOT, "node_modules", ".bin", "esbuild"), [...args, "--log-level=warning"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    if (result.status !== 0) throw new Error(`esbuild (stage ${stage.name}) failed:\n${result.stderr}`);
  }
  return outRoot;
}

/**
 * Builds the task root of a Dockerfile stage into `out`; returns { taskRoot, cmd, env, runtime }.
 * @param {{ dockerfile?: string, target?: string, buildArgs?: Record<string,string>, out: string }} options
 */
function buildLocalImage(options) {
  const dockerfile = path.resolve(ROOT, options.dockerfile ?? "Dockerfile");
  const stages = stagesOf(dockerfile);
  const stage = options.target ? stages.find((s) => s.name === options.target) : stages[stages.length - 1];
  if (!stage) throw new Error(`${dockerfile}: no stage named ${options.target}`);
  const runtime = runtimeOf(stage.from, dockerfile);
  const vars = { LAMBDA_TASK_ROOT: "/var/task" };
  const env = {};
  let cmd = [];
  const taskRoot = path.resolve(options.out);
  fs.rmSync(taskRoot, { recursive: true, force: true });
  fs.mkdirSync(taskRoot, { recursive: true });
  const scratch = `${taskRoot}.build`;
  for (const { instruction, args } of stage.steps) {
    if (instruction === "ARG") {
      const [key, value] = args.split("=");
      vars[key] = options.buildArgs?.[key] ?? value ?? "";
    } else if (instruction === "ENV") {
      const [key, ...value] = args.split("=");
      env[key] = substitute(value.join("="), vars);
      vars[key] = env[key];
    } else if (instruction === "CMD") {
      cmd = JSON.parse(args);
    } else if (instruction === "COPY") {
      const parts = args.split(/\s+/);
      const from = parts.find((p) => p.startsWith("--from="))?.slice("--from=".length);
      const [source, destination] = parts.filter((p) => !p.startsWith("--"));
      if (!TASK_ROOT.test(destination))
        throw new Error(`${dockerfile}: COPY to ${destination}: only \${LAMBDA_TASK_ROOT}/ is mapped`);
      let sourceFile;
      if (from) {
        const buildStage = stages.find((s) => s.name === from);
        if (!buildStage) throw new Error(`${dockerfile}: COPY --from=${from}: no such stage`);
        fs.rmSync(scratch, { recursive: true, force: true });
        fs.mkdirSync(scratch, { recursive: true });
        const outRoot = runBuildStage(buildStage, source, scratch, dockerfile);
        sourceFile = path.join(scratch, path.posix.relative(outRoot, source));
      } else {
        sourceFile = path.resolve(ROOT, source);
      }
      if (!fs.existsSync(sourceFile))
        throw new Error(`${dockerfile}: COPY source ${source} does not exist (${sourceFile}); build it first`);
      if (fs.statSync(sourceFile).isDirectory()) fs.cpSync(sourceFile, taskRoot, { recursive: true });
      else fs.copyFileSync(sourceFile, path.join(taskRoot, path.basename(sourceFile)));
    } else if (instruction === "WORKDIR" || instruction === "LABEL") {
      // nothing to do for the task root
    } else {
      throw new Error(`${dockerfile}: ${instruction} in the image stage is not supported by the local image build`);
    }
  }
  fs.rmSync(scratch, { recursive: true, force: true });
  return { taskRoot, cmd, env, runtime };
}

/** Pushes a built task root to the local cloud at `endpoint` as repository:tag. */
async function pushLocalImage({ endpoint, repository, tag, image }) {
  const res = await fetch(`${endpoint}/_localcloud/images`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      repository,
      tag,
      taskRoot: image.taskRoot,
      cmd: image.cmd,
      env: image.env,
      runtime: image.runtime,
    }),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`push ${repository}:${tag}: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body;
}

function parseArgs(argv) {
  const options = { buildArgs: {} };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    i++;
    if (flag === "--endpoint") options.endpoint = value;
    else if (flag === "--repository") options.repository = value;
    else if (flag === "--tag") options.tag = value;
    else if (flag === "--dockerfile") options.dockerfile = value;
    else if (flag === "--target") options.target = value;
    else if (flag === "--out") options.out = value;
    else if (flag === "--build-arg") {
      const [k, ...v] = value.split("=");
      options.buildArgs[k] = v.join("=");
    } else throw new Error(`unknown option ${flag}`);
  }
  for (const required of ["endpoint", "repository", "tag"]) {
    if (!options[required]) throw new Error(`--${required} is required`);
  }
  options.out ??= path.join(ROOT, "build", "local-images", options.repository, options.tag);
  return options;
}

if (require.main === module) {
  (async () => {
    const options = parseArgs(process.argv.slice(2));
    const image = buildLocalImage(options);
    const manifest = await pushLocalImage({ ...options, image });
    console.log(
      `[local-image] pushed ${options.repository}:${options.tag} (${image.runtime}, CMD ${JSON.stringify(image.cmd)}) from ${image.taskRoot}`,
    );
    return manifest;
  })().catch((error) => {
    console.error(`[local-image] ${error.message}`);
    process.exit(1);
  });
}

module.exports = { buildLocalImage, pushLocalImage, stagesOf };
