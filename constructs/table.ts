import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import type { IResolvable } from "cdktf";
import { Construct } from "constructs";
import { type Grant, grantTo, type IGrantable, sidFor, type Use, use } from "./iam";

export type AttributeType = "S" | "N" | "B";

export interface TableKey {
  readonly name: string;
  readonly type: AttributeType;
}

export interface GlobalSecondaryIndex {
  readonly indexName: string;
  readonly partitionKey: TableKey;
  readonly sortKey?: TableKey;
  /** @default "ALL" */
  readonly projectionType?: "ALL" | "KEYS_ONLY";
}

export interface TableProps {
  /** Physical name, 3-255 of letters, digits, _ . - */
  readonly tableName: string;
  readonly partitionKey: TableKey;
  readonly sortKey?: TableKey;
  /** Attribute holding an epoch-seconds expiry; enables TTL. @default no TTL */
  readonly ttlAttribute?: string;
  readonly globalSecondaryIndexes?: readonly GlobalSecondaryIndex[];
  /**
   * Point-in-time recovery: a boolean, or a Terraform boolean (a variable's `booleanValue`) to
   * switch it at plan time. @default true
   */
  readonly pointInTimeRecovery?: boolean | IResolvable;
  /** DynamoDB's deletion protection: DeleteTable is refused while it is on. @default false (or `protect`) */
  readonly deletionProtection?: boolean;
  /**
   * Protect the data: deletion protection on, and `lifecycle.prevent_destroy`, so any plan that
   * would destroy or replace the table fails. To destroy on purpose, apply once without it (that
   * turns deletion protection off), then destroy. @default false
   */
  readonly protect?: boolean;
}

const READ_ACTIONS = [
  "dynamodb:BatchGetItem",
  "dynamodb:ConditionCheckItem",
  "dynamodb:DescribeTable",
  "dynamodb:GetItem",
  "dynamodb:Query",
  "dynamodb:Scan",
];
const WRITE_ACTIONS = [
  "dynamodb:BatchWriteItem",
  "dynamodb:DeleteItem",
  "dynamodb:DescribeTable",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
];
const READ_WRITE_ACTIONS = [...new Set([...READ_ACTIONS, ...WRITE_ACTIONS])];

/**
 * An on-demand DynamoDB table, encrypted, with point-in-time recovery on by default.
 * Grants cover the table and its indexes, never other tables.
 */
export class Table extends Construct {
  private readonly memo: Record<string, string> = {};
  readonly resource: DynamodbTable;

  constructor(scope: Construct, id: string, props: TableProps) {
    super(scope, id);
    const {
      tableName,
      partitionKey,
      sortKey,
      ttlAttribute,
      globalSecondaryIndexes = [],
      pointInTimeRecovery = true,
      protect = false,
    } = props;
    if (protect && props.deletionProtection === false) {
      throw new Error(
        `${this.node.path}: protect turns deletion protection on; do not also set deletionProtection: false`,
      );
    }
    const deletionProtection = protect || (props.deletionProtection ?? false);
    if (!/^[A-Za-z0-9_.-]{3,255}$/.test(tableName)) {
      throw new Error(`${this.node.path}: table name "${tableName}" must be 3-255 of letters, digits, _ . -`);
    }
    // Every key attribute is declared once, with one type.
    const attributes = new Map<string, AttributeType>();
    const declare = (key: TableKey) => {
      const seen = attributes.get(key.name);
      if (seen && seen !== key.type) {
        throw new Error(`${this.node.path}: attribute "${key.name}" is declared as both ${seen} and ${key.type}`);
      }
      attributes.set(key.name, key.type);
    };
    for (const key of [partitionKey, sortKey, ...globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey])]) {
      if (key) declare(key);
    }
    this.resource = new DynamodbTable(this, "Resource", {
      name: tableName,
      billingMode: "PAY_PER_REQUEST",
      hashKey: partitionKey.name,
      rangeKey: sortKey?.name,
      attribute: [...attributes].map(([name, type]) => ({ name, type })),
      ttl: ttlAttribute ? { enabled: true, attributeName: ttlAttribute } : undefined,
      globalSecondaryIndex: globalSecondaryIndexes.length
        ? globalSecondaryIndexes.map((i) => ({
            name: i.indexName,
            hashKey: i.partitionKey.name,
            rangeKey: i.sortKey?.name,
            projectionType: i.projectionType ?? "ALL",
          }))
        : undefined,
      pointInTimeRecovery: { enabled: pointInTimeRecovery },
      serverSideEncryption: { enabled: true },
      deletionProtectionEnabled: deletionProtection,
      ...(protect ? { lifecycle: { preventDestroy: true } } : {}),
    });
  }

  /** Memoized: one token, so every user of the name sees the same value. */
  get tableName(): string {
    this.memo.tableName ??= this.resource.name;
    return this.memo.tableName;
  }

  get arn(): string {
    return this.resource.arn;
  }

  grantReadData(grantee: IGrantable): Grant {
    return this.grant(grantee, "Read", READ_ACTIONS);
  }

  grantWriteData(grantee: IGrantable): Grant {
    return this.grant(grantee, "Write", WRITE_ACTIONS);
  }

  grantReadWriteData(grantee: IGrantable): Grant {
    return this.grant(grantee, "ReadWrite", READ_WRITE_ACTIONS);
  }

  /**
   * Grants exactly `actions` on this table and its indexes; the statement id is `label` and
   * this table's construct path.
   */
  grant(grantee: IGrantable, label: string, actions: readonly string[]): Grant {
    return grantTo(grantee, {
      sid: sidFor(this, label),
      actions,
      resources: [this.arn, `${this.arn}/index/*`],
    });
  }

  /** A Use: read items; the table's name in env var `envName`. */
  readData(envName: string): Use {
    return this.use(envName, "Read", READ_ACTIONS);
  }

  /** A Use: read and write items; the table's name in env var `envName`. */
  readWriteData(envName: string): Use {
    return this.use(envName, "ReadWrite", READ_WRITE_ACTIONS);
  }

  /** A Use with exactly `actions` (labelled `label` in the statement id). */
  use(envName: string, label: string, actions: readonly string[]): Use {
    return use((g) => this.grant(g, label, actions), { name: envName, value: this.tableName });
  }
}
