import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketCorsConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-cors-configuration";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketNotification } from "@cdktf/provider-aws/lib/s3-bucket-notification";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { DefaultTokenResolver, StringConcat, TerraformStack, Token, Tokenization } from "cdktf";
import { Construct } from "constructs";
import type { LambdaFunction } from "./function";
import { type Grant, grantTo, type IGrantable, sidFor, type Use, use } from "./iam";
import { s3BucketNameProblem } from "./names";

export interface BucketProps {
  /** Physical bucket name; may be a Terraform expression (checked only when literal). */
  readonly bucketName: string;
  /** Delete all objects on destroy. @default false (a bucket with data refuses to be destroyed) */
  readonly forceDestroy?: boolean;
  /** Keep object versions. @default false */
  readonly versioned?: boolean;
  /** Expire every object this many days after creation. @default never */
  readonly expireAfterDays?: number;
  /** With versioning: delete noncurrent versions this many days after they became noncurrent. @default never */
  readonly noncurrentVersionExpireAfterDays?: number;
  /** Deny every request not made over TLS. @default true */
  readonly enforceTls?: boolean;
  /** Browser access (presigned uploads and downloads from a web app). @default none */
  readonly cors?: readonly BucketCorsRule[];
  /** Send every object event to EventBridge (rules then pick what they need). @default false */
  readonly eventBridge?: boolean;
  /**
   * Protect the data: `lifecycle.prevent_destroy` on the bucket, so any plan that would destroy
   * or replace it fails; refused together with `forceDestroy`. To destroy on purpose, synthesize
   * without it for that run. @default false
   */
  readonly protect?: boolean;
}

/** One CORS rule of a bucket. */
export interface BucketCorsRule {
  /** Origins, e.g. `https://app.example.com`; may be Terraform expressions. */
  readonly allowedOrigins: readonly string[];
  readonly allowedMethods: readonly ("GET" | "PUT" | "POST" | "DELETE" | "HEAD")[];
  /** @default ["*"] (the headers a presigned request signs vary) */
  readonly allowedHeaders?: readonly string[];
  /** @default ["ETag"] */
  readonly exposeHeaders?: readonly string[];
  /** @default 3000 */
  readonly maxAgeSeconds?: number;
}

/**
 * A private S3 bucket: all four public access blocks, SSE-S3 encryption, a TLS-only bucket
 * policy, and optional versioning and expiry. Grants take a key prefix so a function can be
 * limited to e.g. `tmp/exec/`.
 */
export class Bucket extends Construct {
  private readonly memo: Record<string, string> = {};
  readonly resource: S3Bucket;
  readonly publicAccessBlock: S3BucketPublicAccessBlock;
  private notification?: { resource: S3BucketNotification; functions: unknown[] };

  constructor(scope: Construct, id: string, props: BucketProps) {
    super(scope, id);
    const {
      bucketName,
      forceDestroy = false,
      versioned = false,
      expireAfterDays,
      noncurrentVersionExpireAfterDays,
      enforceTls = true,
      cors,
      eventBridge = false,
      protect = false,
    } = props;
    if (protect && forceDestroy) {
      throw new Error(`${this.node.path}: a protected bucket cannot also be force-destroyed`);
    }
    if (!Token.isUnresolved(bucketName)) {
      const problem = s3BucketNameProblem(bucketName);
      if (problem) throw new Error(`${this.node.path}: bucket name "${bucketName}" ${problem}`);
    }
    if (expireAfterDays !== undefined && (!Number.isInteger(expireAfterDays) || expireAfterDays < 1)) {
      throw new Error(`${this.node.path}: expireAfterDays ${expireAfterDays} must be a positive integer`);
    }

    this.resource = new S3Bucket(this, "Resource", {
      bucket: bucketName,
      forceDestroy,
      ...(protect ? { lifecycle: { preventDestroy: true } } : {}),
    });
    this.publicAccessBlock = new S3BucketPublicAccessBlock(this, "PublicAccessBlock", {
      bucket: this.resource.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketServerSideEncryptionConfigurationA(this, "Encryption", {
      bucket: this.resource.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    if (versioned) {
      new S3BucketVersioningA(this, "Versioning", {
        bucket: this.resource.id,
        versioningConfiguration: { status: "Enabled" },
      });
    }
    if (noncurrentVersionExpireAfterDays !== undefined && !versioned) {
      throw new Error(`${this.node.path}: noncurrentVersionExpireAfterDays needs versioned: true`);
    }
    if (expireAfterDays !== undefined || noncurrentVersionExpireAfterDays !== undefined) {
      new S3BucketLifecycleConfiguration(this, "Lifecycle", {
        bucket: this.resource.id,
        rule: [
          expireAfterDays !== undefined
            ? {
                id: `expire-after-${expireAfterDays}-days`,
                status: "Enabled",
                filter: [{ prefix: "" }],
                expiration: [{ days: expireAfterDays }],
                abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
              }
            : {
                id: `expire-noncurrent-after-${noncurrentVersionExpireAfterDays}-days`,
                status: "Enabled",
                filter: [{ prefix: "" }],
                noncurrentVersionExpiration: [{ noncurrentDays: noncurrentVersionExpireAfterDays ?? 0 }],
                abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
              },
        ],
      });
    }
    if (cors?.length) {
      new S3BucketCorsConfiguration(this, "Cors", {
        bucket: this.resource.id,
        corsRule: cors.map((r) => ({
          allowedOrigins: [...r.allowedOrigins],
          allowedMethods: [...r.allowedMethods],
          allowedHeaders: [...(r.allowedHeaders ?? ["*"])],
          exposeHeaders: [...(r.exposeHeaders ?? ["ETag"])],
          maxAgeSeconds: r.maxAgeSeconds ?? 3000,
        })),
      });
    }
    if (eventBridge) {
      this.notification = {
        resource: new S3BucketNotification(this, "Notification", { bucket: this.resource.id, eventbridge: true }),
        functions: [],
      };
    }
    if (enforceTls) {
      const tlsOnly = new DataAwsIamPolicyDocument(this, "TlsOnlyPolicy", {
        statement: [
          {
            sid: "DenyInsecureTransport",
            effect: "Deny",
            actions: ["s3:*"],
            principals: [{ type: "*", identifiers: ["*"] }],
            resources: [this.arn, `${this.arn}/*`],
            condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
          },
        ],
      });
      // After the public access block: a policy put while it is being set up can be refused.
      new S3BucketPolicy(this, "Policy", {
        bucket: this.resource.id,
        policy: tlsOnly.json,
        dependsOn: [this.publicAccessBlock],
      });
    }
  }

  get arn(): string {
    return this.resource.arn;
  }

  /** Memoized: one token, so every user of the name sees the same value. */
  get bucketName(): string {
    this.memo.bucketName ??= this.resource.bucket;
    return this.memo.bucketName;
  }

  /** s3:GetObject on keys under `prefix` (default: every key). */
  grantRead(grantee: IGrantable, prefix = ""): Grant {
    return this.grantObjects(grantee, "Read", ["s3:GetObject"], prefix);
  }

  /** s3:PutObject on keys under `prefix` (default: every key). */
  grantWrite(grantee: IGrantable, prefix = ""): Grant {
    return this.grantObjects(grantee, "Write", ["s3:PutObject"], prefix);
  }

  /** s3:GetObject and s3:PutObject on keys under `prefix` (default: every key). */
  grantReadWrite(grantee: IGrantable, prefix = ""): Grant {
    return this.grantObjects(grantee, "ReadWrite", ["s3:GetObject", "s3:PutObject"], prefix);
  }

  /**
   * s3:ListBucket limited to keys under `prefix`, so a missing object answers 404 (not 403)
   * without revealing other keys.
   */
  grantList(grantee: IGrantable, prefix: string): Grant {
    if (!Token.isUnresolved(prefix) && !prefix.endsWith("/")) {
      throw new Error(`${this.node.path}: list prefix "${prefix}" must end with "/"`);
    }
    return grantTo(grantee, {
      sid: sidFor(this, "List", this.sidQualifier(prefix)),
      actions: ["s3:ListBucket"],
      resources: [this.arn],
      conditions: [{ test: "StringLike", variable: "s3:prefix", values: [`${prefix}*`] }],
    });
  }

  /** A Use: read keys under `prefix`; the bucket's name in env var `envName`. */
  read(envName: string, prefix = ""): Use {
    return use((g) => this.grantRead(g, prefix), { name: envName, value: this.bucketName });
  }

  /** A Use: write keys under `prefix`; the bucket's name in env var `envName`. */
  write(envName: string, prefix = ""): Use {
    return use((g) => this.grantWrite(g, prefix), { name: envName, value: this.bucketName });
  }

  /** A Use: read and write keys under `prefix`; the bucket's name in env var `envName`. */
  readWrite(envName: string, prefix = ""): Use {
    return use((g) => this.grantReadWrite(g, prefix), { name: envName, value: this.bucketName });
  }

  /** s3:DeleteObject on keys under `prefix` (a prefix is required: deleting everywhere is never a default). */
  grantDelete(grantee: IGrantable, prefix: string): Grant {
    if (prefix === "") throw new Error(`${this.node.path}: grantDelete needs a prefix`);
    return this.grantObjects(grantee, "Delete", ["s3:DeleteObject"], prefix);
  }

  /** A Use: delete keys under `prefix`; the bucket's name in env var `envName`. */
  delete(envName: string, prefix: string): Use {
    return use((g) => this.grantDelete(g, prefix), { name: envName, value: this.bucketName });
  }

  /** A Use: list keys under `prefix`; the bucket's name in env var `envName`. */
  list(envName: string, prefix: string): Use {
    return use((g) => this.grantList(g, prefix), { name: envName, value: this.bucketName });
  }

  private grantObjects(grantee: IGrantable, label: string, actions: string[], prefix: string): Grant {
    if (prefix !== "" && !Token.isUnresolved(prefix) && !prefix.endsWith("/")) {
      throw new Error(`${this.node.path}: grant prefix "${prefix}" must end with "/"`);
    }
    return grantTo(grantee, {
      sid: sidFor(this, label, this.sidQualifier(prefix)),
      actions,
      resources: [`${this.arn}/${prefix}*`],
    });
  }

  /**
   * A prefix as a statement id qualifier. A Terraform expression (a variable) is named by what
   * it refers to (`${var.upload_prefix}` gives VarUploadPrefix), so the id is the same in every
   * synth, whatever else the app holds.
   */
  private sidQualifier(prefix: string): string {
    if (!Token.isUnresolved(prefix)) return prefix;
    return String(
      Tokenization.resolve(prefix, {
        scope: TerraformStack.of(this),
        resolver: new DefaultTokenResolver(new StringConcat()),
        preparing: false,
      }),
    );
  }

  /**
   * Invokes `fn` when an object is created under `prefix` with `suffix`. Adds the invoke
   * permission for S3 (scoped to this bucket and account) and orders the notification after it.
   */
  notifyFunction(fn: LambdaFunction, props: { prefix: string; suffix: string; sourceAccount: string }): void {
    if (this.notification) {
      throw new Error(
        `${this.node.path}: one bucket notification per bucket (EventBridge included); add targets to it instead`,
      );
    }
    const permission = fn.allowInvokeFrom(sidFor(this, "AllowS3Invoke"), {
      principal: "s3.amazonaws.com",
      sourceArn: this.arn,
      sourceAccount: props.sourceAccount,
    });
    const resource = new S3BucketNotification(this, "Notification", {
      bucket: this.resource.id,
      lambdaFunction: [
        {
          id: `${fn.node.id}-on-${props.suffix.replace(/[^A-Za-z0-9]+/g, "-")}`,
          lambdaFunctionArn: fn.arn,
          events: ["s3:ObjectCreated:*"],
          filterPrefix: props.prefix,
          filterSuffix: props.suffix,
        },
      ],
      dependsOn: [permission],
    });
    this.notification = { resource, functions: [fn] };
  }
}
