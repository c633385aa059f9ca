import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expectOk, failureMessage, lockedStackDir, ownOrphanedLock, ROOT, type RunResult } from "../support/terraform";

// The harness' failure messages: a CI log often shows only an excerpt of a failed test, so the
// message leads with Terraform's error block and keeps the whole output on disk.

const LOCK_FAILURE = [
  "Acquiring state lock. This may take a few moments...",
  ...Array.from({ length: 40 }, (_, i) => `progress line ${i}`),
  "",
  "Error: Error acquiring the state lock",
  "",
  "Error message: operation error DynamoDB: PutItem, ConditionalCheckFailedException",
  "Lock Info:",
  "  ID:        8d1f",
  "  Path:      iac-ci-tfstate/iac-ci/stage/02-deploy.tfstate",
  "  Operation: OperationTypeApply",
  "",
  "Terraform acquires a state lock to protect the state from being written",
].join("\n");

/** Deletes the output file a failure message names (the tests' own, not a real failure's). */
function removeSavedOutput(message: string): void {
  const saved = message.match(/full output: (\S+);/)?.[1];
  if (!saved) throw new Error(`no saved output named in: ${message.slice(0, 200)}`);
  fs.rmSync(path.join(ROOT, saved));
}

describe("failureMessage", () => {
  test("leads with the headline and Terraform's error block, and saves the full output", () => {
    const message = failureMessage("terraform state rm exited 1", LOCK_FAILURE);
    const [headline, causeLabel, firstError] = message.split("\n");
    expect(headline).toBe("terraform state rm exited 1");
    expect(causeLabel).toBe("cause:");
    expect(firstError).toBe("Error: Error acquiring the state lock");
    // The lock's details come with the cause, before the tail.
    expect(message.indexOf("Path:      iac-ci-tfstate/iac-ci/stage/02-deploy.tfstate")).toBeLessThan(
      message.indexOf("progress line 0"),
    );
    const saved = message.match(/full output: (\S+);/)?.[1];
    expect(saved).toMatch(/^build\/test-results\/failures\/terraform_state_rm_exited_1-\d+\.log$/);
    expect(fs.readFileSync(path.join(ROOT, saved ?? ""), "utf8")).toBe(LOCK_FAILURE);
    removeSavedOutput(message);
  });

  test("says so when the output has no error block", () => {
    const message = failureMessage("cdktf deploy exited 1", "killed\n");
    expect(message).toContain("cause:\n(no Terraform error block in the output)");
    removeSavedOutput(message);
  });
});

describe("expectOk", () => {
  const result = (status: number, output: string): RunResult => ({ status, output, seconds: 1, maxRssMb: 1 });

  test("returns a successful result unchanged", () => {
    const ok = result(0, "Apply complete!");
    expect(expectOk(ok, "terraform apply")).toBe(ok);
  });

  test("throws the failure message for a non-zero exit", () => {
    let message = "";
    try {
      expectOk(result(1, LOCK_FAILURE), "terraform state rm");
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^terraform state rm exited 1\ncause:\nError: Error acquiring the state lock/);
    removeSavedOutput(message);
  });
});

// What Terraform 1.11 printed when the emulator lost the answer to its lock write (a CI run).
const OWN_LOCK_REFUSED = (created: string, who = "root@vm") =>
  [
    "Acquiring state lock. This may take a few moments...",
    "",
    "Error: Error acquiring the state lock",
    "",
    "Error message: operation error DynamoDB: PutItem, https response error",
    "StatusCode: 400, RequestID:",
    "5iWCcueySX6jbbX4JpMOJsDlxxpNuZCgfHlIT81JPsF1ad8o3gqi,",
    "ConditionalCheckFailedException: The conditional request failed",
    "Lock Info:",
    "  ID:        3fdae401-b6f2-e53d-bbf3-702dbe878724",
    "  Path:      iac-ci-tfstate/model-share/dev/model-share.tfstate",
    "  Operation: OperationTypeApply",
    `  Who:       ${who}`,
    "  Version:   1.11.4",
    `  Created:   ${created} +0000 UTC`,
    "  Info:      ",
  ].join("\n");

describe("ownOrphanedLock", () => {
  const started = new Date("2026-11-24T09:45:38.500Z");

  test("a lock this machine took after the command started is the command's own", () => {
    expect(ownOrphanedLock(OWN_LOCK_REFUSED("2026-11-24 09:45:39.093932344"), started, "root@vm")).toBe(
      "3fdae401-b6f2-e53d-bbf3-702dbe878724",
    );
  });

  test("cdktf's coloured, prefixed copy of the same error is read the same way", () => {
    const coloured = OWN_LOCK_REFUSED("2026-11-24 09:45:39.093932344")
      .split("\n")
      .map(
        (line) => `model-share  \u001b[31m│\u001b[0m \u001b[0m${line.replace("Error:", "Error: \u001b[0m\u001b[1m")}`,
      )
      .join("\n");
    expect(ownOrphanedLock(coloured, started, "root@vm")).toBe("3fdae401-b6f2-e53d-bbf3-702dbe878724");
    const message = failureMessage("cdktf destroy exited 1", coloured);
    expect(message).toMatch(/cause:\nmodel-share {2}│ Error:\s+Error acquiring the state lock/);
    removeSavedOutput(message);
  });

  test("a lock older than the command, or another machine's, is someone else's and stays", () => {
    expect(ownOrphanedLock(OWN_LOCK_REFUSED("2026-11-24 09:45:38.400000000"), started, "root@vm")).toBeUndefined();
    expect(ownOrphanedLock(OWN_LOCK_REFUSED("2026-11-24 09:45:39.0", "ci@other"), started, "root@vm")).toBeUndefined();
  });

  test("any other failure is not a lock of its own", () => {
    expect(ownOrphanedLock(LOCK_FAILURE, started, "root@vm")).toBeUndefined();
    expect(ownOrphanedLock("Error: creating IAM Role: EntityAlreadyExists", started, "root@vm")).toBeUndefined();
  });
});

describe("npm start's own_orphaned_lock (scripts/lost-lock.sh)", () => {
  const me = `${os.userInfo().username}@${os.hostname()}`;
  const started = Math.floor(new Date("2026-11-24T09:45:38Z").getTime() / 1000);
  const bash = (log: string) => {
    const file = path.join(os.tmpdir(), `lost-lock-${process.pid}-${Math.random().toString(36).slice(2)}.log`);
    fs.writeFileSync(file, log);
    try {
      return spawnSync(
        "bash",
        ["-c", `source scripts/lost-lock.sh && own_orphaned_lock "$1" "$2"`, "-", file, String(started)],
        {
          cwd: ROOT,
          encoding: "utf8",
        },
      );
    } finally {
      fs.rmSync(file);
    }
  };
  const coloured = (text: string) =>
    text
      .split("\n")
      .map((line) => `01-ecr  \u001b[31m│\u001b[0m \u001b[0m${line.replace("Error:", "Error: \u001b[0m\u001b[1m")}`)
      .join("\n");

  test("cdktf's copy of a lock this user took on this machine after the deploy began is its own", () => {
    const out = bash(coloured(OWN_LOCK_REFUSED("2026-11-24 09:45:39.093932344", me)));
    expect(out.status).toBe(0);
    expect(out.stdout.trim()).toBe("3fdae401-b6f2-e53d-bbf3-702dbe878724");
  });

  test("an older lock, another machine's lock or another failure is not released", () => {
    expect(bash(OWN_LOCK_REFUSED("2026-11-24 09:45:37.9", me)).status).toBe(1);
    expect(bash(OWN_LOCK_REFUSED("2026-11-24 09:45:39.0", "ci@other")).status).toBe(1);
    expect(bash(LOCK_FAILURE).status).toBe(1);
    expect(bash("Error: creating IAM Role: EntityAlreadyExists").status).toBe(1);
  });
});

describe("lockedStackDir", () => {
  test("is the -chdir of a terraform run and the stack folder of a cdktf deploy or destroy", () => {
    expect(lockedStackDir("terraform", ["-chdir=build/x/stacks/02-deploy", "state", "rm", "a.b"])).toBe(
      path.join(ROOT, "build/x/stacks/02-deploy"),
    );
    expect(
      lockedStackDir("/p/node_modules/.bin/cdktf", ["deploy", "01-ecr", "--output", "build/o", "--skip-synth"]),
    ).toBe(path.join(ROOT, "build/o/stacks/01-ecr"));
    expect(lockedStackDir("cdktf", ["synth", "--output", "build/o"])).toBeUndefined();
    expect(lockedStackDir("terraform", ["version"])).toBeUndefined();
  });
});
