import { S3Client } from "@aws-sdk/client-s3";
import { customS3Endpoint } from "./endpoint";

let client: S3Client | undefined;
let presignClient: S3Client | undefined;

/** The S3 client of this container; path-style addressing only against a custom endpoint. */
export function s3(): S3Client {
  client ??= new S3Client({ forcePathStyle: customS3Endpoint() });
  return client;
}

/**
 * A client for presigning only. Flexible checksums are limited to operations that require them:
 * by default the SDK would sign the CRC32 of an empty body into a presigned PutObject URL, and
 * S3 would then refuse any real upload through it.
 */
export function s3Presigner(): S3Client {
  presignClient ??= new S3Client({ forcePathStyle: customS3Endpoint(), requestChecksumCalculation: "WHEN_REQUIRED" });
  return presignClient;
}
