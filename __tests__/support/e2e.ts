// A system's end-to-end suite: the system deployed exactly as `npm start -- <system>` deploys it
// (scripts/deploy-local.sh: 00-bootstrap, then the system's stacks, images pushed), on a local
// cloud of its own, then driven through its public entry points. The smoke steps run as tests
// (in order: a later step relies on an earlier one), beside the suite's own failure paths.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { type SmokeContext, type SystemSmoke, smokeContext } from "./smoke";
import { ROOT } from "./terraform";

/** Long enough for the slowest system's stacks (iac-ci: 00-bootstrap, 01-ecr, 02-deploy). */
export const E2E_DEPLOY_TIMEOUT_MS = 20 * 60_000;

export interface DeployedSystem {
  /** The deployed system's context; valid once beforeAll has run. */
  ctx(): SmokeContext;
}

function deployLocal(system: string, home: string, log: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = fs.openSync(log, "w");
    const child = spawn(path.join(ROOT, "scripts/deploy-local.sh"), [system], {
      cwd: ROOT,
      env: { ...process.env, ...env, EMULATOR_HOME: home, LOCALCLOUD_SMOKE: "off" },
      stdio: ["ignore", out, out],
    });
    child.on("error", reject);
    child.on("close", (code) => {
      fs.closeSync(out);
      if (code === 0) resolve();
      else {
        const tail = fs.readFileSync(log, "utf8").split("\n").slice(-60).join("\n");
        reject(new Error(`npm start -- ${system} failed (exit ${code}); log ${path.relative(ROOT, log)}:\n${tail}`));
      }
    });
  });
}

/**
 * Registers beforeAll/afterAll that deploy `system` to a local cloud of its own and stop it
 * (its request log kept in build/test-results/e2e-<system>-moto.log). `env` adds deploy-time
 * settings (TF_VAR_*) to what npm start sets.
 */
export function deploySystem(system: string, env: Record<string, string> = {}): DeployedSystem {
  const home = path.join(ROOT, ".emulator", `e2e-${system}-${process.pid}`);
  const results = path.join(ROOT, "build", "test-results");
  let ctx: SmokeContext | undefined;
  beforeAll(async () => {
    fs.mkdirSync(results, { recursive: true });
    await deployLocal(system, home, path.join(results, `e2e-${system}-deploy.log`), env);
    ctx = smokeContext(system, home);
  }, E2E_DEPLOY_TIMEOUT_MS);
  afterAll(async () => {
    const log = path.join(home, "moto.log");
    if (fs.existsSync(log)) fs.copyFileSync(log, path.join(results, `e2e-${system}-moto.log`));
    await new Promise<void>((resolve) => {
      spawn(path.join(ROOT, "scripts/emulator.sh"), ["stop"], {
        env: { ...process.env, EMULATOR_HOME: home, EMULATOR_REMOVE_HOME: "1" },
        stdio: "ignore",
      }).on("close", () => resolve());
    });
  }, 60_000);
  return {
    ctx() {
      if (!ctx) throw new Error(`${system} is not deployed (its beforeAll failed)`);
      return ctx;
    },
  };
}

/** Each smoke step as one test, in order, sharing one state; a failed step skips the rest. */
export function smokeStepsAsTests<S>(smoke: SystemSmoke<S>, deployed: DeployedSystem, timeoutMs = 180_000): void {
  let state: S | undefined;
  let failed: string | undefined;
  for (const step of smoke.steps) {
    test(
      `smoke: ${step.name}`,
      async () => {
        if (failed) throw new Error(`not run: the earlier step "${failed}" failed`);
        state ??= smoke.init();
        try {
          await step.run(deployed.ctx(), state);
        } catch (error) {
          failed = step.name;
          throw error;
        }
      },
      timeoutMs,
    );
  }
}
