import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import type { Construct } from "constructs";
import { type Grant, grantTo, type IGrantable, type PolicyStatement, sidFor, type Use, use } from "./iam";

export interface SecureParameterProps {
  /** Full parameter name, a path such as `/<project>/<env>/api-key`. */
  readonly parameterName: string;
  readonly description: string;
  /** The secret (a sensitive Terraform variable or a generated password's result). */
  readonly value: string;
  /**
   * Grant readers `kms:Decrypt` on the key that encrypts the parameter (the account's aws/ssm
   * key: give its ARN and the region), only through SSM and only for this parameter. AWS's key
   * policy of aws/ssm already lets the account's principals decrypt through SSM, so this is an
   * explicit statement of what reading needs, not a requirement there. @default none
   */
  readonly decrypt?: { readonly keyArn: string; readonly region: string };
}

/**
 * A SecureString SSM parameter with its read grant. Not a construct level of its own: the
 * parameter resource is created at `scope`/`id` (its Terraform address is what it was before
 * this class existed, so no state moves). Its value is in the Terraform state (encrypted,
 * private) and in no output.
 */
export class SecureParameter {
  readonly resource: SsmParameter;
  private readonly decrypt?: SecureParameterProps["decrypt"];

  constructor(scope: Construct, id: string, props: SecureParameterProps) {
    if (!props.parameterName.startsWith("/")) {
      throw new Error(
        `${scope.node.path}/${id}: parameter name "${props.parameterName}" must be a path starting with "/"`,
      );
    }
    this.resource = new SsmParameter(scope, id, {
      name: props.parameterName,
      description: props.description,
      type: "SecureString",
      value: props.value,
    });
    this.decrypt = props.decrypt;
  }

  private readonly memo: { name?: string; arn?: string } = {};

  /** Memoized: one token, so every user of the name sees the same value. */
  get name(): string {
    this.memo.name ??= this.resource.name;
    return this.memo.name;
  }

  get arn(): string {
    this.memo.arn ??= this.resource.arn;
    return this.memo.arn;
  }

  /** ssm:GetParameter on exactly this parameter (and the decrypt, when configured). */
  grantRead(grantee: IGrantable): Grant {
    const statements: PolicyStatement[] = [
      { sid: sidFor(this.resource, "Read"), actions: ["ssm:GetParameter"], resources: [this.arn] },
    ];
    if (this.decrypt) {
      statements.push({
        sid: sidFor(this.resource, "Decrypt"),
        actions: ["kms:Decrypt"],
        resources: [this.decrypt.keyArn],
        conditions: [
          { test: "StringEquals", variable: "kms:ViaService", values: [`ssm.${this.decrypt.region}.amazonaws.com`] },
          { test: "StringEquals", variable: "kms:EncryptionContext:PARAMETER_ARN", values: [this.arn] },
        ],
      });
    }
    return grantTo(grantee, ...statements);
  }

  /** A Use: read the parameter; its name in env var `envName`. */
  read(envName: string): Use {
    return use((g) => this.grantRead(g), { name: envName, value: this.name });
  }
}
