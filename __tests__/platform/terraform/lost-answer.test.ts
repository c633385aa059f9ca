import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { CreateTableCommand, DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { startSystemEmulator } from "../../support/deploy";
import {
  emulatorEnv,
  orphanedLocksReleased,
  ownOrphanedLock,
  run,
  startProcess,
  terraform,
} from "../../support/terraform";

// A lock write whose answer is lost: the emulator stores Terraform's lock item, the answer never
// reaches Terraform, the SDK sends the conditional PutItem again, and it fails on the item the
// first attempt wrote. Terraform reports "Error acquiring the state lock" on its own lock and
// leaves it behind (a CI run met this once under load). Here a loopback proxy in front of the
// emulator resets the connection after the emulator has answered the first lock write, so the
// failure is reproduced with real Terraform and real moto; the harness must recognise it and
// recover as an operator would (force-unlock the orphan, run again), and nothing else.

jest.setTimeout(300_000);

const BUCKET = "lost-answer-state";
const TABLE = "lost-answer-locks";
const KEY = "lost-answer.tfstate";
const emulator = startSystemEmulator("lost-answer");
const s3 = new S3Client(emulator.clientConfig());
const dynamo = new DynamoDBClient(emulator.clientConfig());
const dir = path.join(emulator.work, "stack");

/** Forwards to the emulator; when armed, resets the connection after the emulator answered a lock write. */
class LossyProxy {
  armed = false;
  readonly lost: number[] = [];
  private readonly server = http.createServer((req, res) => {
    const body: Buffer[] = [];
    req.on("data", (chunk: Buffer) => body.push(chunk));
    req.on("end", () => {
      const sent = Buffer.concat(body);
      const upstream = http.request(
        `${emulator.endpoint}${req.url}`,
        { method: req.method, headers: req.headers },
        (answer) => {
          const answerBody: Buffer[] = [];
          answer.on("data", (chunk: Buffer) => answerBody.push(chunk));
          answer.on("end", () => {
            const lockWrite =
              req.headers["x-amz-target"] === "DynamoDB_20120810.PutItem" &&
              sent.includes("attribute_not_exists(LockID)");
            if (this.armed && lockWrite) {
              this.armed = false;
              this.lost.push(answer.statusCode ?? 0);
              req.socket.resetAndDestroy();
              return;
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(answerBody));
          });
        },
      );
      upstream.end(sent);
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const proxy = new LossyProxy();
let env: Record<string, string>;

async function lockItems(): Promise<string[]> {
  const items = (await dynamo.send(new ScanCommand({ TableName: TABLE }))).Items ?? [];
  return items.map((i) => i.LockID?.S ?? "").filter((id) => !id.endsWith("-md5"));
}

beforeAll(async () => {
  const endpoint = await proxy.start();
  env = emulatorEnv(endpoint, {}, emulator.credentials);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await dynamo.send(
    new CreateTableCommand({
      TableName: TABLE,
      KeySchema: [{ AttributeName: "LockID", KeyType: "HASH" }],
      AttributeDefinitions: [{ AttributeName: "LockID", AttributeType: "S" }],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
  fs.mkdirSync(dir, { recursive: true });
  const backend = {
    bucket: BUCKET,
    key: KEY,
    region: "us-east-1",
    dynamodb_table: TABLE,
    skip_credentials_validation: true,
    skip_requesting_account_id: true,
    skip_metadata_api_check: true,
    use_path_style: true,
    endpoints: { s3: endpoint, dynamodb: endpoint },
  };
  const config = { terraform: { backend: { s3: backend } }, output: { answer: { value: 42 } } };
  fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify(config, null, 2));
  const init = await terraform(dir, ["init", "-input=false"], env);
  expect(init.output).toContain("Successfully configured the backend");
});

afterAll(async () => {
  await proxy.stop();
  emulator.stop();
});

test("Terraform alone fails on its own lock when the lock write's answer is lost, and leaves it behind", async () => {
  const started = new Date();
  proxy.armed = true;
  const { PLATFORM_AWS_ENDPOINT: _endpoint, ...withoutRecovery } = env;
  const apply = await terraform(dir, ["apply", "-auto-approve", "-input=false"], withoutRecovery);
  expect(proxy.lost).toEqual([200]);
  expect(apply.status).toBe(1);
  expect(apply.output).toContain("Error acquiring the state lock");
  expect(apply.output).toContain("ConditionalCheckFailedException");
  const orphan = ownOrphanedLock(apply.output, started);
  expect(orphan).toMatch(/^[0-9a-f-]{36}$/);
  expect(await lockItems()).toEqual([`${BUCKET}/${KEY}`]);

  // The operator's way out: force-unlock that lock, and the next run succeeds.
  const unlock = await terraform(dir, ["force-unlock", "-force", orphan ?? ""], env);
  expect(unlock.output).toContain("Terraform state has been successfully unlocked!");
  expect(await lockItems()).toEqual([]);
});

test("the harness's run() releases only that orphan and runs the command again, which succeeds", async () => {
  const releasedBefore = orphanedLocksReleased.length;
  proxy.armed = true;
  const apply = await run("terraform", [`-chdir=${dir}`, "apply", "-auto-approve", "-input=false", "-no-color"], {
    env,
  });
  expect(proxy.lost).toEqual([200, 200]);
  expect(apply.status).toBe(0);
  expect(apply.output).toContain("Apply complete!");
  expect(orphanedLocksReleased.slice(releasedBefore)).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/)]);
  expect(await lockItems()).toEqual([]);
  await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: KEY }));
});

test("a lock held by another run is never taken: the command fails on it", async () => {
  // `terraform console` holds the lock; a second run started after it is refused and stays refused.
  const holder = startProcess("terraform", [`-chdir=${dir}`, "console"], env);
  try {
    for (let i = 0; i < 120 && (await lockItems()).length === 0; i += 1) await new Promise((r) => setTimeout(r, 250));
    expect(await lockItems()).toEqual([`${BUCKET}/${KEY}`]);
    const releasedBefore = orphanedLocksReleased.length;
    const apply = await run(
      "terraform",
      [`-chdir=${dir}`, "apply", "-auto-approve", "-input=false", "-lock-timeout=0s", "-no-color"],
      { env },
    );
    expect(apply.status).toBe(1);
    expect(apply.output).toContain("Error acquiring the state lock");
    expect(orphanedLocksReleased.length).toBe(releasedBefore);
  } finally {
    holder.child.stdin.end("exit\n");
    await holder.exited;
  }
  expect(await lockItems()).toEqual([]);
});
