import { LambdaAlias } from "@cdktf/provider-aws/lib/lambda-alias";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { Token } from "cdktf";
import { Construct } from "constructs";
import type { LambdaFunction } from "./function";
import { type Grant, grantTo, type IGrantable, sidFor, type Use, use } from "./iam";

/** Who moves an alias once it exists. */
export type AliasVersionOwner = "terraform" | "pipeline";

export interface AliasProps {
  /** The function the alias points into. */
  readonly fn: LambdaFunction;
  /** 1-128 of letters, digits, - and _, not only digits (a version number). @default "live" */
  readonly aliasName?: string;
  /**
   * The version the alias points at. @default the function's latest published version
   * (`fn.version`), which needs `publish: true` on the function
   */
  readonly functionVersion?: string;
  /**
   * Who moves the alias after it is created. `terraform`: every apply points it at
   * `functionVersion`. `pipeline`: a CD pipeline moves it (UpdateAlias) and rolls it back;
   * Terraform creates it on the first version and then ignores `function_version` and
   * `routing_config` (`lifecycle.ignore_changes`), so a plan after a move or a rollback is clean.
   * @default "terraform"
   */
  readonly versionManagedBy?: AliasVersionOwner;
  /** @default none */
  readonly description?: string;
}

/**
 * A Lambda alias: a stable name (and ARN) for one version of a function, which callers and
 * integrations use instead of the function itself, so a deploy or a rollback is one
 * UpdateAlias. Grants, env names and invoke permissions are scoped to the alias, never to the
 * whole function.
 */
export class Alias extends Construct {
  readonly resource: LambdaAlias;
  readonly fn: LambdaFunction;
  readonly aliasName: string;
  readonly versionManagedBy: AliasVersionOwner;
  private arnToken?: string;

  constructor(scope: Construct, id: string, props: AliasProps) {
    super(scope, id);
    const { fn, aliasName = "live", functionVersion, versionManagedBy = "terraform", description } = props;
    const where = this.node.path;
    if (!Token.isUnresolved(aliasName)) {
      if (!/^[A-Za-z0-9_-]{1,128}$/.test(aliasName) || /^\d+$/.test(aliasName)) {
        throw new Error(
          `${where}: alias name "${aliasName}" must be 1-128 of letters, digits, - and _, and not only digits`,
        );
      }
      if (aliasName === "$LATEST") throw new Error(`${where}: "$LATEST" is not an alias name`);
    }
    if (functionVersion === undefined && fn.resource.publishInput !== true) {
      throw new Error(
        `${where}: function ${fn.node.path} does not publish versions: give it publish: true, or give functionVersion`,
      );
    }
    this.fn = fn;
    this.aliasName = aliasName;
    this.versionManagedBy = versionManagedBy;
    this.resource = new LambdaAlias(this, "Resource", {
      name: aliasName,
      description,
      functionName: fn.resource.functionName,
      functionVersion: functionVersion ?? fn.version,
      lifecycle:
        versionManagedBy === "pipeline" ? { ignoreChanges: ["function_version", "routing_config"] } : undefined,
    });
  }

  /** The alias ARN (`<function ARN>:<alias>`): what callers invoke. */
  get arn(): string {
    // Memoized: one token, so every user of the ARN sees the same value.
    this.arnToken ??= this.resource.arn;
    return this.arnToken;
  }

  /** The ARN API Gateway integrations call. */
  get invokeArn(): string {
    return this.resource.invokeArn;
  }

  /** Lets `grantee` invoke this alias, and only it (not the function's other versions or aliases). */
  grantInvoke(grantee: IGrantable): Grant {
    return grantTo(grantee, {
      sid: sidFor(this, "Invoke"),
      actions: ["lambda:InvokeFunction"],
      resources: [this.arn],
    });
  }

  /** A Use: invoke this alias, its ARN in env var `envName` (when given). */
  invoke(envName?: string): Use {
    return use((g) => this.grantInvoke(g), envName ? { name: envName, value: this.arn } : undefined);
  }

  /** Lets an AWS service invoke this alias, scoped to one source ARN (and account, when given). */
  allowInvokeFrom(
    id: string,
    props: { readonly principal: string; readonly sourceArn: string; readonly sourceAccount?: string },
  ): LambdaPermission {
    return new LambdaPermission(this, id, {
      statementId: id,
      action: "lambda:InvokeFunction",
      functionName: this.fn.resource.functionName,
      // The alias resource's own name attribute: the permission waits for the alias to exist.
      qualifier: this.resource.name,
      principal: props.principal,
      sourceArn: props.sourceArn,
      sourceAccount: props.sourceAccount,
    });
  }
}
