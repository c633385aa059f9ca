import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { LambdaLayerVersion } from "@cdktf/provider-aws/lib/lambda-layer-version";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformStack, TerraformVariable, Testing } from "cdktf";
import { LambdaFunction } from "../../constructs/function";
import { LayerVersion } from "../../constructs/layer";
import { toJson } from "../support/synth";
import { extractZip, readZip } from "../support/zip";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "layer-test-"));
const bundleDir = path.join(work, "bundles");
const entry = path.join(work, "greeter.ts");
fs.writeFileSync(
  entry,
  'export const greet = (name: string): string => `hello ${name}`;\nexport const KIND = "layer";\n',
);
const handlerEntry = path.join(work, "handler.ts");
fs.writeFileSync(handlerEntry, "export const handler = async () => 1;\n");

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function newStack(): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "test");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  return stack;
}
const code = { kind: "nodeModule" as const, moduleName: "greeter-kit", entry, bundleDir };

describe("LayerVersion", () => {
  test("GIVEN a module entry WHEN synthesized THEN the zip holds it at nodejs/node_modules/<name>/index.js and Node resolves it from there", () => {
    const layer = new LayerVersion(newStack(), "Kit", { layerName: "greeter", code });
    const entries = readZip(fs.readFileSync(layer.bundle.zipFile));
    expect([...entries.keys()]).toEqual(["nodejs/node_modules/greeter-kit/index.js"]);

    // As Lambda does: extract under /opt-like dir, put nodejs/node_modules on NODE_PATH, require by name.
    const opt = path.join(work, "opt");
    extractZip(layer.bundle.zipFile, opt);
    const out = execFileSync(process.execPath, ["-e", 'process.stdout.write(require("greeter-kit").greet("layer"))'], {
      env: { ...process.env, NODE_PATH: path.join(opt, "nodejs", "node_modules") },
      cwd: work,
      encoding: "utf8",
    });
    expect(out).toBe("hello layer");
  });

  test("GIVEN the same code twice THEN the zip hash is the same (a re-plan is clean); a change gives a new hash", () => {
    const a = new LayerVersion(newStack(), "Kit", { layerName: "greeter", code });
    const b = new LayerVersion(newStack(), "Kit", { layerName: "greeter", code });
    expect(b.bundle.sha256).toBe(a.bundle.sha256);
    const changedEntry = path.join(work, "greeter2.ts");
    fs.writeFileSync(changedEntry, "export const greet = (name: string): string => `hi ${name}`;\n");
    const c = new LayerVersion(newStack(), "Kit", { layerName: "greeter", code: { ...code, entry: changedEntry } });
    expect(c.bundle.sha256).not.toBe(a.bundle.sha256);
  });

  test("GIVEN a handler and a layer of the same entry THEN they are separate bundles (the handler keeps index.js)", () => {
    const layer = new LayerVersion(newStack(), "Kit", { layerName: "greeter", code });
    const stack = newStack();
    const fn = new LambdaFunction(stack, "Fn", {
      functionName: "fn",
      code: { kind: "bundle", entry, bundleDir },
      deadLetterQueue: false,
    });
    void fn;
    const zips = fs.readdirSync(bundleDir).filter((f) => f.endsWith(".zip") && f.startsWith("greeter-"));
    expect(zips.length).toBeGreaterThanOrEqual(2);
    const handlerZip = zips.map((z) => path.join(bundleDir, z)).find((z) => z !== layer.bundle.zipFile) as string;
    expect([...readZip(fs.readFileSync(handlerZip)).keys()]).toEqual(["index.js"]);
  });

  test("GIVEN enabled (default) THEN one layer version with hash, runtimes and architectures; arns is [arn]", () => {
    const stack = newStack();
    const layer = new LayerVersion(stack, "Kit", { layerName: "greeter", code, description: "greeter kit" });
    new LambdaFunction(stack, "Fn", {
      functionName: "fn",
      code: { kind: "bundle", entry: handlerEntry, bundleDir },
      layers: layer.arns,
      deadLetterQueue: false,
    });
    const json = toJson(stack);
    expect(json.raw).toHaveResourceWithProperties(LambdaLayerVersion, {
      layer_name: "greeter",
      description: "greeter kit",
      compatible_runtimes: ["nodejs22.x"],
      compatible_architectures: ["arm64", "x86_64"],
      source_code_hash: layer.bundle.sha256,
    });
    const body = Object.values(json.resource.aws_lambda_layer_version)[0] as Record<string, unknown>;
    expect(body.count).toBeUndefined();
    expect(body.filename).toMatch(/^assets\/Kit_Code_\w+\/\w+\/greeter-[0-9a-f]{8}\.zip$/);
    const fnBody = Object.values(json.resource.aws_lambda_function)[0] as { layers: string[] };
    expect(fnBody.layers).toEqual([expect.stringMatching(/^\$\{aws_lambda_layer_version\.Kit_\w+\.arn\}$/)]);
  });

  test("GIVEN enabled by a Terraform variable THEN the layer is counted by it and the function's layers follow it", () => {
    const stack = newStack();
    const useLayer = new TerraformVariable(stack, "use_layer", { type: "bool", default: false });
    const layer = new LayerVersion(stack, "Kit", { layerName: "greeter", code, enabled: useLayer.booleanValue });
    new LambdaFunction(stack, "Fn", {
      functionName: "fn",
      code: { kind: "bundle", entry: handlerEntry, bundleDir },
      layers: layer.arns,
      deadLetterQueue: false,
    });
    const json = toJson(stack);
    const [key, body] = Object.entries(json.resource.aws_lambda_layer_version)[0] as [string, { count: string }];
    expect(body.count).toBe("${var.use_layer ? 1 : 0}");
    const fnBody = Object.values(json.resource.aws_lambda_function)[0] as { layers: unknown };
    expect(fnBody.layers).toBe(`\${aws_lambda_layer_version.${key}[*].arn}`);
    expect(layer.arn).toBeDefined();
  });

  test("GIVEN enabled false THEN no layer version and no layers", () => {
    const stack = newStack();
    const layer = new LayerVersion(stack, "Kit", { layerName: "greeter", code, enabled: false });
    expect(layer.arns).toEqual([]);
    expect(() => layer.arn).toThrow(/test\/Kit: the layer is disabled/);
    expect(toJson(stack).resource.aws_lambda_layer_version).toBeUndefined();
  });

  test.each([
    ["a layer name with a space", { layerName: "bad name", code }, /layer name "bad name"/],
    ["an upper-case module name", { layerName: "ok", code: { ...code, moduleName: "Kit" } }, /module name "Kit"/],
    ["no runtimes", { layerName: "ok", code, compatibleRuntimes: [] }, /1-15 compatible runtimes/],
    [
      "a missing entry",
      { layerName: "ok", code: { ...code, entry: path.join(work, "missing.ts") } },
      /missing\.ts does not exist/,
    ],
  ])("refuses %s", (_what, props, message) => {
    expect(() => new LayerVersion(newStack(), "Kit", props)).toThrow(message);
  });
});

describe("LambdaFunction layers", () => {
  test("refuses more than five layers", () => {
    expect(
      () =>
        new LambdaFunction(newStack(), "Fn", {
          functionName: "fn",
          code: { kind: "bundle", entry: handlerEntry, bundleDir },
          layers: ["a", "b", "c", "d", "e", "f"].map((l) => `arn:aws:lambda:us-east-1:123456789012:layer:${l}:1`),
        }),
    ).toThrow(/test\/Fn: 6 layers given; Lambda allows at most 5/);
  });

  test("without layers the function has no layers attribute (existing output unchanged)", () => {
    const stack = newStack();
    new LambdaFunction(stack, "Fn", { functionName: "fn", code: { kind: "bundle", entry: handlerEntry, bundleDir } });
    const fnBody = Object.values(toJson(stack).resource.aws_lambda_function)[0] as Record<string, unknown>;
    expect("layers" in fnBody).toBe(false);
  });
});
