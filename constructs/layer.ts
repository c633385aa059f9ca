import path from "node:path";
import { LambdaLayerVersion } from "@cdktf/provider-aws/lib/lambda-layer-version";
import { AssetType, type IResolvable, TerraformAsset, Token } from "cdktf";
import { Construct } from "constructs";
import { bundleNodeHandler, type NodeBundle } from "./bundle";

/**
 * A Node.js module of ours, bundled with esbuild at synth time into a deterministic zip as
 * `nodejs/node_modules/<moduleName>/index.js`: Lambda extracts layers under /opt and puts
 * `/opt/nodejs/node_modules` on NODE_PATH, so functions `require("<moduleName>")`.
 */
export interface NodeModuleLayerCode {
  readonly kind: "nodeModule";
  /** The module name functions require, e.g. `my-kit` or `@org/kit`. */
  readonly moduleName: string;
  /** Absolute path of the module's entry file (its exports are the module's). */
  readonly entry: string;
  /** Where bundles are cached. @default `<cwd>/build/bundles` */
  readonly bundleDir?: string;
}

export type LayerArchitecture = "x86_64" | "arm64";

export interface LayerVersionProps {
  /** Layer name, 1-140 of letters, digits, _ and -. */
  readonly layerName: string;
  readonly code: NodeModuleLayerCode;
  readonly description?: string;
  /** @default ["nodejs22.x"] */
  readonly compatibleRuntimes?: readonly string[];
  /** Bundled JavaScript runs on both. @default ["arm64", "x86_64"] */
  readonly compatibleArchitectures?: readonly LayerArchitecture[];
  /**
   * Whether the layer exists: a boolean, or a Terraform boolean (a variable's `booleanValue`),
   * which makes the layer version a counted resource switched at plan time. @default true
   */
  readonly enabled?: boolean | IResolvable;
}

const MODULE_NAME = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

/**
 * A Lambda layer version built from our own code, deterministic (the same code gives the same
 * `source_code_hash`, so a re-plan is clean and a code change publishes a new version). Give
 * its `arns` to a function's `layers`: the list is empty when the layer is switched off, so
 * the function's configuration follows the switch.
 */
export class LayerVersion extends Construct {
  /** The layer version resource; undefined when `enabled` is literally false. */
  readonly resource?: LambdaLayerVersion;
  /** The bundled zip (the asset the layer version uploads). */
  readonly bundle: NodeBundle;
  readonly moduleName: string;
  /** Path of the module inside the zip. */
  readonly zipPath: string;
  private readonly switched: boolean;

  constructor(scope: Construct, id: string, props: LayerVersionProps) {
    super(scope, id);
    const {
      layerName,
      code,
      description,
      compatibleRuntimes = ["nodejs22.x"],
      compatibleArchitectures = ["arm64", "x86_64"],
      enabled = true,
    } = props;
    const where = this.node.path;
    if (!/^[A-Za-z0-9_-]{1,140}$/.test(layerName)) {
      throw new Error(`${where}: layer name "${layerName}" must be 1-140 of letters, digits, _ and -`);
    }
    if (!MODULE_NAME.test(code.moduleName) || code.moduleName.length > 214) {
      throw new Error(`${where}: module name "${code.moduleName}" is not a valid npm package name`);
    }
    if (compatibleRuntimes.length < 1 || compatibleRuntimes.length > 15) {
      throw new Error(`${where}: give 1-15 compatible runtimes`);
    }
    if (compatibleArchitectures.length < 1) throw new Error(`${where}: give at least one compatible architecture`);

    this.moduleName = code.moduleName;
    this.zipPath = `nodejs/node_modules/${code.moduleName}/index.js`;
    this.bundle = bundleNodeHandler({
      entry: code.entry,
      outDir: code.bundleDir ?? path.join(process.cwd(), "build", "bundles"),
      zipPath: this.zipPath,
    });
    this.switched = typeof enabled !== "boolean";
    if (enabled === false) return;

    const asset = new TerraformAsset(this, "Code", { path: this.bundle.zipFile, type: AssetType.FILE });
    this.resource = new LambdaLayerVersion(this, "Resource", {
      layerName,
      description,
      filename: asset.path,
      sourceCodeHash: this.bundle.sha256,
      compatibleRuntimes: [...compatibleRuntimes],
      compatibleArchitectures: [...compatibleArchitectures],
      ...(this.switched ? { count: Token.asNumber(`\${${Token.asString(enabled)} ? 1 : 0}`) } : {}),
    });
  }

  /**
   * The layer version ARNs to run with: `[arn]`, or `[]` when the layer is off. For a switched
   * layer this is the Terraform list of the counted resource's ARNs (`[*].arn`).
   */
  get arns(): string[] {
    if (!this.resource) return [];
    if (!this.switched) return [this.resource.arn];
    return Token.asList(`\${${this.resource.fqn}[*].arn}`);
  }

  /**
   * The layer version ARN; for a switched layer, null (Terraform) when it is off. Prefer `arns`
   * for stack outputs: `cdktf deploy` fails after the apply on an output whose value is null.
   */
  get arn(): string {
    if (!this.resource) throw new Error(`${this.node.path}: the layer is disabled; it has no ARN`);
    if (!this.switched) return this.resource.arn;
    return Token.asString(`\${one(${this.resource.fqn}[*].arn)}`);
  }
}
