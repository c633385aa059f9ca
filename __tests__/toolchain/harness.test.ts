import fs from "node:fs";
import path from "node:path";
import { expectOk, failureMessage, ROOT, type RunResult } from "../support/terraform";

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
    fs.rmSync(path.join(ROOT, saved ?? ""));
  });

  test("says so when the output has no error block", () => {
    const message = failureMessage("cdktf deploy exited 1", "killed\n");
    expect(message).toContain("cause:\n(no Terraform error block in the output)");
    fs.rmSync(path.join(ROOT, message.match(/full output: (\S+);/)?.[1] ?? "missing"));
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
    fs.rmSync(path.join(ROOT, message.match(/full output: (\S+);/)?.[1] ?? "missing"));
  });
});
