import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";

// scripts/toolchain.sh against temporary toolchain homes, with nothing real to build: a fake
// slow artefact (IAC_CI_TOOLCHAIN_TEST_SLEEP) that goes through the same lock/heartbeat/rename
// path as the real builds, fake `terraform` scripts on PATH, cache entries placed beforehand standing
// in for the pinned Terraform and the provider plugins, and a local HTTP server standing in
// for the provider registry.

const ROOT = path.resolve(__dirname, "../..");
const SCRIPT = path.join(ROOT, "scripts", "toolchain.sh");
const homes: string[] = [];

jest.setTimeout(30_000);

afterAll(() => {
  for (const h of homes) fs.rmSync(h, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  homes.push(dir);
  return dir;
}

/** The pins of scripts/versions.sh. */
function pins(): Record<string, string> {
  const out = spawnSync(
    "bash",
    [
      "-c",
      `source "${ROOT}/scripts/versions.sh"; echo "$TERRAFORM_VERSION $AWS_PROVIDER_VERSION $RANDOM_PROVIDER_VERSION"`,
    ],
    {
      encoding: "utf8",
    },
  );
  const [terraform, aws, random] = out.stdout.trim().split(" ");
  return { terraform, aws, random };
}

/** A directory holding a fake `terraform` that reports VERSION. */
function fakeTerraform(version: string): string {
  const dir = tempDir("fake-terraform-");
  fs.writeFileSync(
    path.join(dir, "terraform"),
    `#!/bin/sh\necho "Terraform v${version}"\necho "on linux_amd64"\necho "fake $*" >&2\n`,
    { mode: 0o755 },
  );
  return dir;
}

/** Environment of a run: its own toolchain home, no network, a PATH without the machine's terraform. */
function envFor(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, IAC_CI_TOOLCHAIN_HOME: home, IAC_CI_PROVIDERS: "mirror" };
  for (const k of ["IAC_CI_TERRAFORM", "IAC_CI_REGISTRY_URL", "IAC_CI_TOOLCHAIN_TEST_SLEEP"]) delete env[k];
  env.PATH = "/usr/bin:/bin";
  return { ...env, ...extra };
}

function toolchain(args: string[], env: NodeJS.ProcessEnv) {
  const r = spawnSync(SCRIPT, args, { env, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Run {
  readonly child: ChildProcess;
  readonly done: Promise<{ status: number | null; output: string; endedAt: number }>;
  output(): string;
}

function start(args: string[], env: NodeJS.ProcessEnv): Run {
  const child = spawn(SCRIPT, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (d) => {
    output += d;
  });
  child.stderr?.on("data", (d) => {
    output += d;
  });
  const done = new Promise<{ status: number | null; output: string; endedAt: number }>((resolve) =>
    child.on("close", (status) => resolve({ status, output, endedAt: Date.now() })),
  );
  return { child, done, output: () => output };
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("two toolchain runs at once", () => {
  test("the second waits on the first's lock, then finds its artefact cached; both succeed", async () => {
    const home = tempDir("toolchain-lock-");
    const env = envFor(home, { IAC_CI_TOOLCHAIN_TEST_SLEEP: "4", IAC_CI_TOOLCHAIN_HEARTBEAT: "1" });
    const first = start(["test-artefact"], env);
    // The second starts while the first holds the artefact's lock and is building it.
    await waitFor("the first run to start building", () => first.output().includes("test-artefact 1: building"));
    const second = start(["test-artefact"], env);
    const [a, b] = await Promise.all([first.done, second.done]);

    expect(a.status).toBe(0);
    expect(b.status).toBe(0);
    // The first built it, with a heartbeat (elapsed time and what the build last reported).
    expect(a.output).toMatch(/test-artefact 1: build: 0m0\ds elapsed; last: step \d of 4/);
    expect(a.output).toContain("test-artefact 1: built");
    // The second said it waits, and for whom, kept saying so, and did not build.
    expect(b.output).toContain(`test-artefact-1: another toolchain run is building it (pid ${first.child.pid} on `);
    expect(b.output).toMatch(/test-artefact-1: still waiting for the other run, 0m0\ds so far/);
    expect(b.output).toContain("test-artefact 1: cached (built by the run we waited for)");
    expect(b.output).not.toContain("test-artefact 1: building");
    expect(b.endedAt).toBeGreaterThanOrEqual(a.endedAt);
    // One artefact, written once, whole; no leftovers of either run.
    const artefact = spawnSync(path.join(home, "bin", "test-artefact"), { encoding: "utf8" });
    expect(artefact.stdout.trim()).toBe(`built by ${first.child.pid}`);
    expect(fs.readdirSync(path.join(home, "bin")).filter((f) => f.includes("tmp"))).toEqual([]);
    // The lock is free again: a third run is a plain cache hit.
    const third = toolchain(["test-artefact"], env);
    expect(third.status).toBe(0);
    expect(third.stderr).toContain("test-artefact 1: cached");
    expect(third.stderr).not.toContain("waiting");
  });

  test("a failed build is reported with its log tail and leaves nothing behind for the next run", () => {
    const home = tempDir("toolchain-fail-");
    const env = envFor(home, { IAC_CI_TOOLCHAIN_TEST_SLEEP: "fail" });
    const r = toolchain(["test-artefact"], env);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/test-artefact 1: build: FAILED after 0m0\ds \(exit 3\); last lines of /);
    expect(r.stderr).toContain("simulated failure");
    expect(fs.existsSync(path.join(home, "bin", "test-artefact-1"))).toBe(false);
    const retry = toolchain(["test-artefact"], { ...env, IAC_CI_TOOLCHAIN_TEST_SLEEP: "1" });
    expect(retry.status).toBe(0);
    expect(retry.stderr).toContain("test-artefact 1: built");
  });
});

describe("which Terraform", () => {
  test.each([
    ["1.4.7", false],
    ["0.15.5", false],
    ["1.5.0", true],
    ["1.10.2", true],
    ["1.11.4", true],
  ])("a terraform %s on PATH is chosen: %s", (version, chosen) => {
    const home = tempDir("toolchain-tf-");
    const fake = fakeTerraform(version);
    const r = toolchain(["which-terraform"], envFor(home, { PATH: `${fake}:/usr/bin:/bin` }));
    expect(r.status).toBe(0);
    if (chosen) {
      expect(r.stdout).toContain(`terraform: ${fake}/terraform ${version} (the terraform on PATH, and >= 1.5.0`);
    } else {
      expect(r.stdout).toContain(`terraform: pinned ${pins().terraform}, built from its Go module`);
      expect(r.stdout).toContain(`${fake}/terraform is ${version}, older than the 1.5.0 this project needs`);
    }
  });

  test("no terraform on PATH: the pinned build", () => {
    const r = toolchain(["which-terraform"], envFor(tempDir("toolchain-tf-")));
    expect(r.stdout).toContain(
      `terraform: pinned ${pins().terraform}, built from its Go module (no terraform on PATH)`,
    );
  });

  test("an installed terraform >= 1.5 is what bin/terraform (first on PATH in env.sh) runs; the choice is printed", () => {
    const home = tempDir("toolchain-tf-");
    const fake = fakeTerraform("1.9.8");
    // The toolchain's own bin/ first on PATH, as scripts/env.sh puts it, is not mistaken for the user's.
    const env = envFor(home, { PATH: `${path.join(home, "bin")}:${fake}:/usr/bin:/bin` });
    const r = toolchain(["terraform"], env);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`terraform: ${fake}/terraform 1.9.8 (the terraform on PATH`);
    expect(fs.readlinkSync(path.join(home, "bin", "terraform"))).toBe(path.join(fake, "terraform"));
    // Run again with bin/terraform now a link to the fake: still the fake, not a link to itself.
    expect(toolchain(["which-terraform"], env).stdout).toContain(`terraform: ${fake}/terraform 1.9.8`);
    const viaEnv = spawnSync("bash", ["-c", `source "${ROOT}/scripts/env.sh" && terraform version`], {
      env,
      encoding: "utf8",
    });
    expect(viaEnv.stdout).toContain("Terraform v1.9.8");
  });

  test("a terraform < 1.5 is refused: bin/terraform is the pinned build (a cache hit here)", () => {
    const home = tempDir("toolchain-tf-");
    const pinned = path.join(home, "bin", `terraform-${pins().terraform}`);
    fs.mkdirSync(path.dirname(pinned), { recursive: true });
    fs.writeFileSync(pinned, `#!/bin/sh\necho "Terraform v${pins().terraform}"\n`, { mode: 0o755 });
    const fake = fakeTerraform("1.3.9");
    const r = toolchain(["terraform"], envFor(home, { PATH: `${fake}:/usr/bin:/bin` }));
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`${fake}/terraform is 1.3.9, older than the 1.5.0 this project needs`);
    expect(r.stderr).toContain(`terraform ${pins().terraform}: cached`);
    expect(fs.readlinkSync(path.join(home, "bin", "terraform"))).toBe(pinned);
  });

  test("IAC_CI_TERRAFORM=pinned and IAC_CI_TERRAFORM=<path> override; an old <path> fails", () => {
    const home = tempDir("toolchain-tf-");
    const fake = fakeTerraform("1.7.0");
    const env = envFor(home, { PATH: `${fake}:/usr/bin:/bin` });
    expect(toolchain(["which-terraform"], { ...env, IAC_CI_TERRAFORM: "pinned" }).stdout).toContain(
      "(IAC_CI_TERRAFORM=pinned)",
    );
    const other = fakeTerraform("1.6.6");
    expect(
      toolchain(["which-terraform"], { ...env, IAC_CI_TERRAFORM: path.join(other, "terraform") }).stdout,
    ).toContain(`terraform: ${other}/terraform 1.6.6 (IAC_CI_TERRAFORM=`);
    const old = fakeTerraform("1.2.0");
    const r = toolchain(["which-terraform"], { ...env, IAC_CI_TERRAFORM: path.join(old, "terraform") });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("is 1.2.0, older than the 1.5.0 this project needs");
  });
});

describe("providers: the registry when it answers, else the mirror", () => {
  let server: http.Server;
  let url = "";
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"providers.v1":"/v1/providers/"}');
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/terraform.json`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  test("registry reachable: nothing is built and terraform.rc leaves installation to Terraform's defaults", async () => {
    const home = tempDir("toolchain-registry-");
    // Asynchronous, so this process's server can answer. No `go` on PATH: a wrong turn to the
    // mirror fails at once instead of building the AWS provider.
    const r = await start(["providers"], envFor(home, { IAC_CI_PROVIDERS: "auto", IAC_CI_REGISTRY_URL: url })).done;
    expect(r.output).toContain("providers: from the registry, `terraform init` downloads hashicorp/aws");
    expect(r.status).toBe(0);
    expect(r.output).not.toContain("building");
    const rc = fs.readFileSync(path.join(home, "terraform.rc"), "utf8");
    expect(rc).not.toContain("provider_installation");
    expect(fs.readdirSync(path.join(home, "mirror"))).toEqual([]);
  });

  test("registry unreachable: the providers come from the mirror (cache hits here) and terraform.rc points at it", () => {
    const home = tempDir("toolchain-mirror-");
    const go = spawnSync("go", ["env", "GOOS", "GOARCH"], { encoding: "utf8" });
    const platform = go.stdout.trim().split("\n").join("_");
    for (const [name, version] of [
      ["aws", pins().aws],
      ["random", pins().random],
    ]) {
      const dir = path.join(home, "mirror", "registry.terraform.io", "hashicorp", name, version, platform);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `terraform-provider-${name}_v${version}`), "", { mode: 0o755 });
    }
    const started = Date.now();
    const r = toolchain(
      ["providers"],
      envFor(home, {
        IAC_CI_PROVIDERS: "auto",
        IAC_CI_REGISTRY_URL: "http://127.0.0.1:9/.well-known/terraform.json",
        PATH: process.env.PATH ?? "",
      }),
    );
    expect(r.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(r.stderr).toContain("providers: built from their Go modules into the local mirror (http://127.0.0.1:9/");
    expect(r.stderr).toContain(`provider aws ${pins().aws}: cached`);
    expect(r.stderr).toContain(`provider random ${pins().random}: cached`);
    const rc = fs.readFileSync(path.join(home, "terraform.rc"), "utf8");
    expect(rc).toContain(`path    = "${path.join(home, "mirror")}"`);
  });
});
