import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { checkedBody, HttpError, json, parseJson, serveHttp } from "../../../lambdas/shared/http";

// The HTTP layer the four HTTP systems' handlers share: body limits, media type, JSON parse,
// typed errors to status codes.
const event = (body: string | undefined, headers: Record<string, string> = {}, base64 = false) =>
  ({ body, headers, isBase64Encoded: base64 }) as unknown as APIGatewayProxyEventV2;
const rules = { maxBytes: 8, mediaType: "required" as const };
const refusal = (run: () => unknown): HttpError => {
  try {
    run();
  } catch (err) {
    if (err instanceof HttpError) return err;
    throw err;
  }
  throw new Error("not refused");
};

describe("checkedBody", () => {
  test("a JSON body within the limit is its bytes (base64 decoded); a charset parameter is fine", () => {
    expect(checkedBody(event("{}", { "content-type": "application/json; charset=utf-8" }), rules).toString()).toBe(
      "{}",
    );
    const encoded = Buffer.from('{"a":1}').toString("base64");
    expect(checkedBody(event(encoded, { "Content-Type": "Application/JSON" }, true), rules).toString()).toBe('{"a":1}');
  });

  test("over the limit is 413 (before the media type is looked at), in bytes not characters", () => {
    const over = refusal(() => checkedBody(event("€€€", {}), rules)); // 9 bytes, 3 characters
    expect([over.status, over.code, over.message]).toEqual([413, "payload_too_large", "body is 9 bytes; at most 8"]);
    const custom = refusal(() =>
      checkedBody(event("123456789", {}), { ...rules, tooLargeMessage: (n, max) => `${n} > ${max}` }),
    );
    expect(custom.message).toBe("9 > 8");
  });

  test("another media type is 415; a missing one only where the rules require it", () => {
    const wrong = refusal(() => checkedBody(event("{}", { "content-type": "text/plain" }), rules));
    expect([wrong.status, wrong.code]).toEqual([415, "unsupported_media_type"]);
    expect(refusal(() => checkedBody(event("{}"), rules)).status).toBe(415);
    expect(checkedBody(event("{}"), { ...rules, mediaType: "when-given" }).toString()).toBe("{}");
    expect(
      refusal(() =>
        checkedBody(event("{}", { "content-type": "application/jsonp" }), {
          ...rules,
          wrongTypeMessage: "JSON, please",
        }),
      ).message,
    ).toBe("JSON, please");
  });
});

describe("parseJson and serveHttp", () => {
  test("bad JSON becomes the caller's error, with the parser's reason", () => {
    const err = refusal(() =>
      parseJson(Buffer.from("{"), (reason) => new HttpError(400, "bad_request", `malformed: ${reason}`)),
    );
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/^malformed: .*JSON/);
    expect(parseJson(Buffer.from('{"a":[1]}'), () => new HttpError(400, "x", "y"))).toEqual({ a: [1] });
  });

  test("an HttpError anywhere below becomes its answer with its extra fields; anything else goes to `unexpected`", async () => {
    const answered = await serveHttp(
      async () => {
        throw new HttpError(409, "conflict", "taken", { field: "name" });
      },
      () => json(500, {}),
    );
    expect([answered.statusCode, JSON.parse(answered.body as string)]).toEqual([
      409,
      { error: "conflict", message: "taken", field: "name" },
    ]);
    const seen: unknown[] = [];
    const failed = await serveHttp(
      async () => {
        throw new Error("boom");
      },
      (err) => {
        seen.push(err);
        return json(500, { error: "internal_error" });
      },
    );
    expect(failed.statusCode).toBe(500);
    expect((seen[0] as Error).message).toBe("boom");
  });
});
