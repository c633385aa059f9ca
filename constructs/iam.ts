import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePoliciesExclusive } from "@cdktf/provider-aws/lib/iam-role-policies-exclusive";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachmentsExclusive } from "@cdktf/provider-aws/lib/iam-role-policy-attachments-exclusive";
import {
  DefaultTokenResolver,
  type ITerraformDependable,
  Lazy,
  StringConcat,
  TerraformStack,
  Token,
  Tokenization,
} from "cdktf";
import { Construct, type IConstruct } from "constructs";
import { NAME_LIMITS, pascalId } from "./names";

/** A condition of an IAM statement (Terraform's `condition` block). */
export interface PolicyCondition {
  readonly test: string;
  readonly variable: string;
  readonly values: readonly string[];
}

/** One Allow statement. Resources are ARNs (or ARN patterns). */
export interface PolicyStatement {
  /** Statement id, alphanumeric; unique within the policy. Use `sidFor` to derive it. */
  readonly sid: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly conditions?: readonly PolicyCondition[];
  /**
   * Required when `resources` contains the bare wildcard `*`: why AWS offers no
   * resource-level permission for these actions. Checked when the statement is added.
   */
  readonly wildcardReason?: string;
}

/** Something that holds permissions: statements added to it land in its one inline policy. */
export interface IPrincipal extends IConstruct {
  addToPolicy(statement: PolicyStatement): void;
  /** The inline policy once it exists; whatever needs the permissions depends on it. */
  readonly policyDependable?: ITerraformDependable;
}

/** Something that can be granted permissions (a function, a state machine, a role). */
export interface IGrantable {
  readonly grantPrincipal: IPrincipal;
}

/**
 * What a grant did: the principal it went to and the statements that principal's policy now
 * holds for it. Granting the same thing twice is a no-op that returns the same statements.
 */
export interface Grant {
  readonly principal: IPrincipal;
  readonly statements: readonly PolicyStatement[];
}

/** Adds `statements` to the grantee's policy: what every grant method returns. */
export function grantTo(grantee: IGrantable, ...statements: PolicyStatement[]): Grant {
  const principal = grantee.grantPrincipal;
  for (const statement of statements) principal.addToPolicy(statement);
  return { principal, statements };
}

/** Several grants to one principal as one (a topic's publish and its key's encrypt, say). */
export function combineGrants(first: Grant, ...rest: Grant[]): Grant {
  for (const g of rest) {
    if (g.principal !== first.principal) throw new Error("combineGrants: the grants went to different principals");
  }
  return { principal: first.principal, statements: [first, ...rest].flatMap((g) => g.statements) };
}

/**
 * What a function uses: the environment variables that tell its code where the thing is, and
 * the grant that lets it. Resources hand these out (`table.readWriteData(ENV.table)`), so a
 * function's env and permissions come from one declaration and never drift apart.
 */
export interface Use {
  readonly environment: Readonly<Record<string, string>>;
  grant(grantee: IGrantable): Grant;
}

/** A Use from an optional env var name/value and a grant. */
export function use(grant: (grantee: IGrantable) => Grant, env?: { name: string; value: string }): Use {
  return { environment: env ? { [env.name]: env.value } : {}, grant };
}

/**
 * A statement id unique by construct path: the action, then the path of `resource` below its
 * stack, then an optional qualifier. Two systems' `OrdersTable`s live at different paths, so
 * granting both to one role never collides.
 */
export function sidFor(resource: IConstruct, action: string, qualifier = ""): string {
  const scopes = resource.node.scopes;
  const stackIndex = scopes.findIndex((s) => TerraformStack.isStack(s));
  const below = scopes.slice(stackIndex + 1).map((s) => s.node.id);
  return `${pascalId(action)}${pascalId(below.join("/"))}${pascalId(qualifier)}`;
}

/** Who may assume a role: an AWS service, or a federated (web identity) provider with conditions. */
export type RoleTrust =
  | { readonly service: string }
  | {
      readonly federated: string;
      /** Condition operator -> key -> values, as in a trust policy. */
      readonly conditions: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
    };

/** The trust policy document (JSON) of a RoleTrust. */
export function trustPolicy(trust: RoleTrust): string {
  const statement =
    "service" in trust
      ? { Effect: "Allow", Principal: { Service: trust.service }, Action: "sts:AssumeRole" }
      : {
          Effect: "Allow",
          Principal: { Federated: trust.federated },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: trust.conditions,
        };
  return JSON.stringify({ Version: "2012-10-17", Statement: [statement] });
}

export interface RoleProps {
  /** Physical role name, 1-64 of letters, digits and +=,.@_- (use `fitName` when composing). */
  readonly roleName: string;
  readonly assumedBy: RoleTrust;
  /** @default "Managed by CDK for Terraform" */
  readonly description?: string;
  /** Seconds, 3600-43200. @default 3600 */
  readonly maxSessionDuration?: number;
  /** Name of the one inline policy. @default "least-privilege" */
  readonly policyName?: string;
  /** IAM path (part of the ARN: `role/<path><name>`). @default "/" */
  readonly path?: string;
}

/**
 * An IAM role with exactly one inline policy that gathers every grant made to it. The policy is
 * created with the first statement, so a role never carries an empty policy. A bare `*`
 * resource is refused unless the statement says why. A role that already exists in the
 * account can be adopted (`adopt()`: a Terraform import block) instead of failing with
 * EntityAlreadyExists. The role's policy sets are managed exclusively: no managed policy, and
 * no inline policy but ours, so an adopted role loses whatever was attached to it by hand
 * (AWSLambdaBasicExecutionRole, say) and holds exactly what the code grants.
 */
export class Role extends Construct implements IGrantable, IPrincipal {
  readonly resource: IamRole;
  readonly roleName: string;
  private readonly statements: PolicyStatement[] = [];
  private readonly policyName: string;
  private policy?: IamRolePolicy;
  private readonly inlinePolicies: IamRolePoliciesExclusive;
  private adoptedFlag = false;

  constructor(scope: Construct, id: string, props: RoleProps) {
    super(scope, id);
    const {
      roleName,
      assumedBy,
      description = "Managed by CDK for Terraform",
      maxSessionDuration = 3600,
      policyName = "least-privilege",
      path,
    } = props;
    if (path !== undefined && !/^\/([\x21-\x7e]{1,510}\/)?$/.test(path)) {
      throw new Error(`${this.node.path}: role path "${path}" must begin and end with "/"`);
    }
    if (Token.isUnresolved(roleName)) {
      throw new Error(`${this.node.path}: role name must be a literal (adoption and the 64-character check need it)`);
    }
    if (!/^[\w+=,.@-]+$/.test(roleName) || roleName.length > NAME_LIMITS.iamRole) {
      throw new Error(
        `${this.node.path}: role name "${roleName}" must be 1-${NAME_LIMITS.iamRole} characters of letters, digits and +=,.@_-`,
      );
    }
    this.roleName = roleName;
    this.policyName = policyName;
    this.resource = new IamRole(this, "Resource", {
      name: roleName,
      description,
      assumeRolePolicy: trustPolicy(assumedBy),
      maxSessionDuration,
      ...(path ? { path } : {}),
    });
    new IamRolePolicyAttachmentsExclusive(this, "NoManagedPolicies", {
      roleName: this.resource.name,
      policyArns: [],
    });
    this.inlinePolicies = new IamRolePoliciesExclusive(this, "OnlyOwnInlinePolicy", {
      roleName: this.resource.name,
      policyNames: [],
    });
  }

  get grantPrincipal(): IPrincipal {
    return this;
  }

  get arn(): string {
    return this.resource.arn;
  }

  /** Whether this role is adopted (imported) rather than created. */
  get adopted(): boolean {
    return this.adoptedFlag;
  }

  /** Adopts the existing role of this name: the apply imports it, then brings it to this definition. */
  adopt(): void {
    if (this.adoptedFlag) return;
    this.resource.importFrom(this.roleName);
    this.adoptedFlag = true;
  }

  get policyDependable(): ITerraformDependable | undefined {
    return this.policy;
  }

  /** The statements gathered so far (a copy). */
  get policyStatements(): readonly PolicyStatement[] {
    return [...this.statements];
  }

  /**
   * Adds a statement. The same statement again (compared after token resolution, so two reads
   * of `fn.arn` are one ARN) is a no-op; a different statement under a used sid is an error.
   */
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
    const same = this.statements.find((s) => s.sid === statement.sid);
    if (same) {
      if (this.rendered(same) === this.rendered(statement)) return;
      throw new Error(
        `${this.node.path}: statement id "${statement.sid}" is used twice with different contents: ` +
          `${this.rendered(same)} and ${this.rendered(statement)}`,
      );
    }
    this.statements.push(statement);
    if (!this.policy) this.createPolicy();
  }

  /** A statement as the policy will hold it: tokens resolved to Terraform expressions, actions sorted. */
  private rendered(s: PolicyStatement): string {
    return JSON.stringify(
      Tokenization.resolve(
        {
          actions: [...s.actions].sort(),
          resources: [...s.resources],
          conditions: (s.conditions ?? []).map((c) => ({ test: c.test, variable: c.variable, values: [...c.values] })),
        },
        { scope: this, resolver: new DefaultTokenResolver(new StringConcat()) },
      ),
    );
  }

  private createPolicy(): void {
    const document = new DataAwsIamPolicyDocument(this, "PolicyDocument", {});
    // Rendered lazily so grants made after this point land in the same policy.
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
      name: this.policyName,
      role: this.resource.name,
      policy: document.json,
    });
    // Named through the policy resource, so the set is applied after the policy exists: the
    // provider cannot create a listed inline policy itself (it has no document for it).
    this.inlinePolicies.policyNames = [this.policy.name];
  }
}

/** A role an AWS service assumes (`lambda.amazonaws.com`, `states.amazonaws.com`, ...). */
export function serviceRole(scope: Construct, id: string, roleName: string, service: string): Role {
  return new Role(scope, id, { roleName, assumedBy: { service } });
}

/** What an X-Ray-traced service needs (as AWSXRayDaemonWriteAccess); X-Ray has no resource-level permissions. */
export const XRAY_WRITE_ACTIONS = [
  "xray:GetSamplingRules",
  "xray:GetSamplingTargets",
  "xray:PutTelemetryRecords",
  "xray:PutTraceSegments",
] as const;
export const XRAY_WILDCARD_REASON = "X-Ray tracing APIs support no resource-level permissions";
