import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { type ITerraformDependable, Lazy, Token } from "cdktf";
import { Construct } from "constructs";

/** A condition of an IAM statement (Terraform's `condition` block). */
export interface PolicyCondition {
  readonly test: string;
  readonly variable: string;
  readonly values: readonly string[];
}

/** One Allow statement. Resources are ARNs (or ARN prefixes ending in `/*`). */
export interface PolicyStatement {
  /** Statement id; also the way tests and reviewers find a statement. */
  readonly sid: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly conditions?: readonly PolicyCondition[];
  /**
   * Required when `resources` contains the bare wildcard `*`: why AWS offers no
   * resource-level permission for these actions. Checked at construction; tests list the
   * statements allowed to carry it.
   */
  readonly wildcardReason?: string;
}

/** Something that can receive permissions: it owns a role with one inline policy. */
export interface IGrantable {
  readonly grantPrincipal: ServiceRole;
}

/** Trust policy document allowing an AWS service to assume a role. */
export function serviceTrustPolicy(service: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  });
}

export interface ServiceRoleProps {
  /** Physical role name (max 64 characters). */
  readonly roleName: string;
  /** Service principal allowed to assume the role, e.g. `lambda.amazonaws.com`. */
  readonly assumedBy: string;
  /**
   * Adopt a role that already exists in the account (made by hand, or left by an earlier
   * apply) by emitting a Terraform import block instead of failing with EntityAlreadyExists.
   * @default false
   */
  readonly adopt?: boolean;
  /** @default "Managed by iac-ci (CDK for Terraform)" */
  readonly description?: string;
}

/**
 * An IAM role for one AWS service, with exactly one inline policy that gathers every grant
 * made to it. The policy is created with the first statement, so a role never carries an
 * empty policy. A bare `*` resource is refused unless the statement says why.
 */
export class ServiceRole extends Construct implements IGrantable {
  readonly resource: IamRole;
  readonly roleName: string;
  readonly adopted: boolean;
  private readonly statements: PolicyStatement[] = [];
  private policy?: IamRolePolicy;

  constructor(scope: Construct, id: string, props: ServiceRoleProps) {
    super(scope, id);
    const { roleName, assumedBy, adopt = false, description = "Managed by iac-ci (CDK for Terraform)" } = props;
    if (!Token.isUnresolved(roleName) && !/^[\w+=,.@-]{1,64}$/.test(roleName)) {
      throw new Error(
        `${this.node.path}: role name "${roleName}" must be 1-64 characters of letters, digits and +=,.@_-`,
      );
    }
    this.roleName = roleName;
    this.adopted = adopt;
    this.resource = new IamRole(this, "Resource", {
      name: roleName,
      description,
      assumeRolePolicy: serviceTrustPolicy(assumedBy),
    });
    if (adopt) this.resource.importFrom(roleName);
  }

  get grantPrincipal(): ServiceRole {
    return this;
  }

  get arn(): string {
    return this.resource.arn;
  }

  /** The inline policy, once a statement exists; things that need the permissions depend on it. */
  get policyDependable(): ITerraformDependable | undefined {
    return this.policy;
  }

  /** The statements gathered so far (a copy). */
  get policyStatements(): readonly PolicyStatement[] {
    return [...this.statements];
  }

  addToPolicy(statement: PolicyStatement): void {
    if (statement.actions.length === 0 || statement.resources.length === 0) {
      throw new Error(`${this.node.path}: statement "${statement.sid}" needs at least one action and one resource`);
    }
    if (statement.resources.includes("*") && !statement.wildcardReason) {
      throw new Error(
        `${this.node.path}: statement "${statement.sid}" uses the wildcard resource "*"; ` +
          "scope it to ARNs, or give wildcardReason when AWS has no resource-level permission",
      );
    }
    if (!/^[A-Za-z0-9]+$/.test(statement.sid)) {
      throw new Error(`${this.node.path}: statement id "${statement.sid}" must be alphanumeric`);
    }
    if (this.statements.some((s) => s.sid === statement.sid)) {
      throw new Error(`${this.node.path}: statement id "${statement.sid}" is used twice`);
    }
    this.statements.push(statement);
    if (!this.policy) this.createPolicy();
  }

  private createPolicy(): void {
    const document = new DataAwsIamPolicyDocument(this, "PolicyDocument", {});
    // Statements are rendered lazily so grants made after this point land in the same policy.
    document.addOverride(
      "statement",
      Lazy.anyValue({
        produce: () =>
          this.statements.map((s) => ({
            sid: s.sid,
            effect: "Allow",
            actions: [...s.actions].sort(),
            resources: [...s.resources],
            ...(s.conditions?.length
              ? { condition: s.conditions.map((c) => ({ test: c.test, variable: c.variable, values: [...c.values] })) }
              : {}),
          })),
      }),
    );
    this.policy = new IamRolePolicy(this, "Policy", {
      name: "least-privilege",
      role: this.resource.name,
      policy: document.json,
    });
  }
}
