import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Construct } from "constructs";
import { type Grant, grantTo, type IGrantable, sidFor } from "./iam";

export interface KeyProps {
  readonly description: string;
  /**
   * Service principals that may encrypt and decrypt with the key (`kms:GenerateDataKey*`,
   * `kms:Decrypt`), e.g. `cloudwatch.amazonaws.com` so alarms can publish to a topic encrypted
   * with it. @default none
   */
  readonly services?: readonly string[];
  /** Days between `terraform destroy` and the key's deletion (7-30). @default 30 */
  readonly deletionWindowDays?: number;
}

/** What a data key is made and opened with: a publisher to an encrypted topic needs both. */
export const KEY_USE_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey*"] as const;

/**
 * A customer managed, symmetric KMS key with yearly rotation. Its key policy lets the account
 * manage it through IAM (the root statement every key needs, or nobody could change it) and lets
 * the given services use it; principals of the account get it through grants
 * (`grantEncryptDecrypt`). The key policy is the key's own: its `Resource: "*"` means this key.
 */
export class Key extends Construct {
  private readonly memo: Record<string, string> = {};
  readonly resource: KmsKey;

  constructor(scope: Construct, id: string, props: KeyProps) {
    super(scope, id);
    const { description, services = [], deletionWindowDays = 30 } = props;
    if (!Number.isInteger(deletionWindowDays) || deletionWindowDays < 7 || deletionWindowDays > 30) {
      throw new Error(`${this.node.path}: deletionWindowDays ${deletionWindowDays} must be an integer from 7 to 30`);
    }
    const account = new DataAwsCallerIdentity(this, "Account", {});
    const partition = new DataAwsPartition(this, "Partition", {}).partition;
    const statements: Record<string, unknown>[] = [
      {
        Sid: "AccountManagesTheKeyThroughIam",
        Effect: "Allow",
        Principal: { AWS: `arn:${partition}:iam::${account.accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
    ];
    if (services.length) {
      statements.push({
        Sid: "ServicesUseTheKey",
        Effect: "Allow",
        Principal: { Service: [...services] },
        Action: [...KEY_USE_ACTIONS],
        Resource: "*",
      });
    }
    this.resource = new KmsKey(this, "Resource", {
      description,
      enableKeyRotation: true,
      deletionWindowInDays: deletionWindowDays,
      policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
    });
  }

  /** Memoized: one token, so every user of the ARN sees the same value. */
  get arn(): string {
    this.memo.arn ??= this.resource.arn;
    return this.memo.arn;
  }

  /** Lets `grantee` make and open data keys with this key (publishing to a topic it encrypts). */
  grantEncryptDecrypt(grantee: IGrantable): Grant {
    return grantTo(grantee, {
      sid: sidFor(this, "UseKey"),
      actions: [...KEY_USE_ACTIONS],
      resources: [this.arn],
    });
  }
}
