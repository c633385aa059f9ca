// Pure parts of the handlers: body validation, signature check, output tails, result parsing.
import { createHmac } from "node:crypto";
import { RUN_LIMITS, WEBHOOK_LIMITS } from "../../../lambdas/iac-ci/contract";
import { parseJobPayload } from "../../../lambdas/iac-ci/lib/payload";
import { parseRunResult } from "../../../lambdas/iac-ci/lib/result";
import { TailBuffer } from "../../../lambdas/iac-ci/lib/runner";
import { signBody, verifySignature } from "../../../lambdas/iac-ci/lib/signature";
import { validateOrder } from "../../../lambdas/iac-ci/lib/validate";

describe("validateOrder", () => {
  test("fills in the runner and its default timeout", () => {
    expect(validateOrder({ order_name: "a", commands: ["true"] })).toEqual({
      ok: true,
      order: {
        order_name: "a",
        commands: ["true"],
        runner: "lambda",
        timeout_seconds: RUN_LIMITS.lambda.defaultTimeoutSeconds,
      },
    });
    expect(validateOrder({ order_name: "a", commands: ["true"], runner: "codebuild" })).toMatchObject({
      ok: true,
      order: { timeout_seconds: RUN_LIMITS.codebuild.defaultTimeoutSeconds },
    });
  });

  test("accepts the limits themselves and refuses one past them", () => {
    const base = { order_name: "x".repeat(WEBHOOK_LIMITS.maxOrderNameLength), commands: ["true"] };
    expect(validateOrder({ ...base, timeout_seconds: RUN_LIMITS.lambda.maxTimeoutSeconds }).ok).toBe(true);
    expect(validateOrder({ ...base, timeout_seconds: RUN_LIMITS.lambda.minTimeoutSeconds }).ok).toBe(true);
    expect(validateOrder({ ...base, timeout_seconds: RUN_LIMITS.lambda.minTimeoutSeconds - 1 })).toMatchObject({
      field: "timeout_seconds",
    });
    expect(validateOrder({ ...base, order_name: `${base.order_name}x` })).toMatchObject({ field: "order_name" });
    expect(validateOrder({ ...base, commands: Array(WEBHOOK_LIMITS.maxCommands).fill("true") }).ok).toBe(true);
    expect(validateOrder({ ...base, commands: ["   "] })).toMatchObject({ field: "commands[0]" });
    expect(validateOrder({ ...base, runner: "codebuild", timeout_seconds: 30 })).toMatchObject({
      field: "timeout_seconds",
    });
  });

  test("refuses what is not an object", () => {
    for (const body of [null, [], "x", 3]) expect(validateOrder(body)).toMatchObject({ ok: false, field: "body" });
  });
});

describe("verifySignature", () => {
  const secret = "s3cr3t";
  const body = Buffer.from('{"a":1}');
  const hex = createHmac("sha256", secret).update(body).digest("hex");

  test("accepts GitHub's header format, in either hex case", () => {
    expect(signBody(secret, body)).toBe(`sha256=${hex}`);
    expect(verifySignature(secret, body, `sha256=${hex}`)).toBe(true);
    expect(verifySignature(secret, body, `sha256=${hex.toUpperCase()}`)).toBe(true);
  });

  test("refuses a missing, malformed, truncated or wrong signature", () => {
    for (const header of [undefined, "", hex, `sha1=${hex}`, `sha256=${hex.slice(2)}`, `sha256=${hex}00`]) {
      expect(verifySignature(secret, body, header)).toBe(false);
    }
    expect(verifySignature("other", body, `sha256=${hex}`)).toBe(false);
    expect(verifySignature(secret, Buffer.from('{"a":2}'), `sha256=${hex}`)).toBe(false);
  });
});

describe("TailBuffer", () => {
  test("keeps the last bytes and counts all of them", () => {
    const tail = new TailBuffer(10);
    for (let i = 0; i < 100; i++) tail.push(Buffer.from(`${i % 10}`));
    expect(tail.total).toBe(100);
    expect(tail.text()).toBe("0123456789");
  });

  test("does not start with half a character", () => {
    const tail = new TailBuffer(5);
    tail.push(Buffer.from("ééé")); // 6 bytes: the window starts inside the first é
    expect(tail.text()).toBe("éé");
    const short = new TailBuffer(10);
    short.push(Buffer.from("é"));
    expect(short.text()).toBe("é");
  });
});

describe("parseRunResult / parseJobPayload", () => {
  const id = "o-0123456789abcdef0123456789abcdef";

  test("a result needs a known status and, if it names one, this order", () => {
    expect(parseRunResult(JSON.stringify({ status: "succeeded" }), id)).toMatchObject({
      ok: true,
      result: { order_id: id, status: "succeeded" },
    });
    expect(parseRunResult("[]", id)).toMatchObject({ ok: false });
    expect(parseRunResult(JSON.stringify({ status: "done" }), id)).toMatchObject({ ok: false });
    expect(parseRunResult(JSON.stringify({ status: "failed", order_id: "o-1" }), id)).toMatchObject({ ok: false });
  });

  test("a payload must belong to the order and carry commands", () => {
    const payload = { order_id: id, commands: ["true"], timeout_seconds: 5 };
    expect(parseJobPayload(JSON.stringify(payload), id)).toMatchObject(payload);
    expect(() => parseJobPayload(JSON.stringify({ ...payload, order_id: "o-2" }), id)).toThrow(/belongs to order/);
    expect(() => parseJobPayload(JSON.stringify({ ...payload, commands: [] }), id)).toThrow(/commands/);
    expect(() => parseJobPayload("{", id)).toThrow(/not valid JSON/);
  });
});
