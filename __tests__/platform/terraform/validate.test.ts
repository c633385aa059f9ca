import fs from "node:fs";
import path from "node:path";
import { STACKS as REGISTRY } from "../../../stacks/registry";
import { cdktf, offlineEnv, ROOT, runOk } from "../../support/terraform";

// Every synthesized stack of every system (the registry's) must pass `terraform validate` with
// the real provider plugins, served from the local filesystem mirror (no network).
const STACKS = REGISTRY.map((s) => s.name);
const work = path.join(ROOT, "build", "tf-validate");
const out = path.join(work, "cdktf.out");
const env = { ...offlineEnv(), CDKTF_OUTDIR: out };
const metrics: Record<string, { init: number; validate: number; validateRssMb: number }> = {};

jest.setTimeout(600_000);

beforeAll(async () => {
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  const synth = await cdktf(["synth", "--output", out], env);
  if (synth.status !== 0) throw new Error(`cdktf synth failed:\n${synth.output}`);
});

afterAll(() => {
  fs.mkdirSync(path.join(ROOT, "build", "test-results"), { recursive: true });
  fs.writeFileSync(path.join(ROOT, "build", "test-results", "validate-metrics.json"), JSON.stringify(metrics, null, 2));
  for (const [stack, m] of Object.entries(metrics)) {
    console.log(
      `${stack}: init ${m.init.toFixed(1)} s, validate ${m.validate.toFixed(1)} s, peak RSS ${m.validateRssMb.toFixed(0)} MB`,
    );
  }
});

test.each(STACKS)("%s: terraform init -backend=false and validate pass with the real plugins", async (stack) => {
  const dir = path.join(out, "stacks", stack);
  const init = await runOk("terraform", [`-chdir=${dir}`, "init", "-backend=false", "-input=false", "-no-color"], {
    env,
  });
  expect(init.output).toContain("Terraform has been successfully initialized");
  // The plugins came from the mirror, at the pinned versions.
  expect(init.output).toMatch(/Installed hashicorp\/aws v6\.\d+\.\d+|Using previously-installed hashicorp\/aws v6\./);
  const validate = await runOk("terraform", [`-chdir=${dir}`, "validate", "-json", "-no-color"], { env });
  const verdict = JSON.parse(validate.output.slice(validate.output.indexOf("{")));
  expect(verdict.valid).toBe(true);
  expect(verdict.error_count).toBe(0);
  metrics[stack] = { init: init.seconds, validate: validate.seconds, validateRssMb: validate.maxRssMb };
});
