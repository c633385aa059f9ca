#!/usr/bin/env node
// Empties every S3 bucket a deployed stack manages, so `terraform destroy` can delete the buckets:
// every object version and every delete marker (a versioned bucket keeps both after a plain
// delete). The buckets are the aws_s3_bucket resources of the stack's state, read with
// `terraform show -json` in the synthesized stack directory (it must be initialized: run
// `terraform -chdir=<dir> init` first). Used by .github/workflows/destroy.yml.
//   node scripts/empty-buckets.js <synthesized stack directory>   e.g. cdktf.out/stacks/02-deploy
// AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL points it at a local emulator (path-style requests);
// credentials and region come from the usual AWS environment (AWS_REGION, profiles, OIDC).
// TERRAFORM_BIN overrides the binary (default: `terraform` on PATH).
// Exit codes: 0 emptied (or nothing to empty), 1 a bucket could not be emptied, 2 bad arguments.

const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const USAGE = "usage: node scripts/empty-buckets.js <synthesized stack directory, e.g. cdktf.out/stacks/02-deploy>";

class UsageError extends Error {}

/** The stack directory from the arguments, or a UsageError saying what is wrong. */
function parseArgs(argv) {
  if (argv.includes("--help") || argv.includes("-h")) throw new UsageError(USAGE);
  const unknown = argv.filter((a) => a.startsWith("-"));
  if (unknown.length > 0) throw new UsageError(`unknown option ${unknown[0]}\n${USAGE}`);
  if (argv.length !== 1) {
    throw new UsageError(`expected exactly one stack directory, got ${argv.length}\n${USAGE}`);
  }
  const dir = path.resolve(argv[0]);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new UsageError(`${argv[0]} is not a directory\n${USAGE}`);
  }
  if (!fs.existsSync(path.join(dir, "cdk.tf.json"))) {
    throw new UsageError(`${argv[0]} holds no cdk.tf.json: not a synthesized stack directory (run npx cdktf synth)`);
  }
  return dir;
}

/** Every aws_s3_bucket of a `terraform show -json` state document: [{ address, bucket, region }]. */
function bucketsFromState(state) {
  const found = [];
  const visit = (module) => {
    if (!module) return;
    for (const r of module.resources ?? []) {
      if (r.mode === "managed" && r.type === "aws_s3_bucket" && r.values?.bucket) {
        found.push({ address: r.address, bucket: r.values.bucket, region: r.values.region || undefined });
      }
    }
    for (const child of module.child_modules ?? []) visit(child);
  };
  visit(state?.values?.root_module);
  return found;
}

function readState(dir) {
  const terraform = process.env.TERRAFORM_BIN ?? "terraform";
  const out = spawnSync(terraform, [`-chdir=${dir}`, "show", "-json", "-no-color"], {
    encoding: "utf8",
    maxBuffer: 512 * 1024 * 1024,
  });
  if (out.error) throw new Error(`cannot run ${terraform}: ${out.error.message}`);
  if (out.status !== 0) {
    throw new Error(`terraform show -json failed in ${dir} (exit ${out.status}; is it initialized?):\n${out.stderr}`);
  }
  return JSON.parse(out.stdout);
}

function clientFor(region) {
  const { S3Client } = require("@aws-sdk/client-s3");
  const endpoint = process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL;
  return new S3Client({
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
  });
}

/**
 * Deletes every version and delete marker of one bucket; answers how many it deleted. Each round
 * lists from the start again (what was deleted is gone from the listing, and markers into a
 * listing that changed under them can skip entries) until the listing is empty.
 */
async function emptyBucket(client, bucket) {
  const { ListObjectVersionsCommand, DeleteObjectsCommand } = require("@aws-sdk/client-s3");
  let deleted = 0;
  for (;;) {
    const page = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1000 }));
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]
      .slice(0, 1000)
      .map((v) => ({ Key: v.Key, VersionId: v.VersionId }));
    if (objects.length === 0) return deleted;
    const answer = await client.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }),
    );
    const errors = answer.Errors ?? [];
    if (errors.length > 0) {
      const first = errors[0];
      throw new Error(
        `${errors.length} object version(s) not deleted, first ${first.Key} (version ${first.VersionId}): ${first.Code} ${first.Message}`,
      );
    }
    deleted += objects.length;
  }
}

async function main(argv) {
  const dir = parseArgs(argv);
  const stack = path.basename(dir);
  const buckets = bucketsFromState(readState(dir));
  if (buckets.length === 0) {
    console.log(`empty-buckets ${stack}: no aws_s3_bucket in its state; nothing to empty`);
    return;
  }
  const clients = new Map();
  for (const { address, bucket, region } of buckets) {
    const key = region ?? "";
    if (!clients.has(key)) clients.set(key, clientFor(region));
    try {
      const deleted = await emptyBucket(clients.get(key), bucket);
      console.log(
        `empty-buckets ${stack}: emptied ${bucket} (${address}): ${deleted} version(s) and delete marker(s) deleted`,
      );
    } catch (error) {
      if (error?.name === "NoSuchBucket") {
        console.log(`empty-buckets ${stack}: ${bucket} (${address}) does not exist any more; nothing to empty`);
        continue;
      }
      throw new Error(
        `cannot empty bucket ${bucket} (${address}) of stack ${stack}: ${error?.name ?? "Error"}: ${error?.message ?? error}`,
      );
    }
  }
}

module.exports = { parseArgs, bucketsFromState, emptyBucket, UsageError };

if (require.main === module) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(`empty-buckets: ${error.message}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  });
}
