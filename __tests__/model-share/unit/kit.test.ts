import {
  decodePageToken,
  encodePageToken,
  InputError,
  isInputError,
  jsonBody,
  pageLimit,
  tableId,
  username,
} from "../../../lambdas/model-share/kit";

const keys = ["tableId", "username"];
const any = () => true;

describe("the kit: page tokens", () => {
  test("a token decodes to the key it was made from, and is URL-safe", () => {
    const key = { tableId: "titanic", username: "alice/+=" };
    const token = encodePageToken(key);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodePageToken(token, keys, any)).toEqual(key);
    expect(decodePageToken(undefined, keys, any)).toBeUndefined();
  });

  test.each([
    ["extra key", encodePageToken({ tableId: "t", username: "u", admin: "1" })],
    ["missing key", encodePageToken({ tableId: "t" })],
    ["a number value", Buffer.from(JSON.stringify({ tableId: "t", username: 1 })).toString("base64url")],
    ["not JSON", Buffer.from("nope").toString("base64url")],
    ["padding and +", "ab+c=="],
    ["empty", ""],
    ["too long", "a".repeat(3000)],
  ])("refuses a token with %s, naming nextToken", (_what, token) => {
    expect(() => decodePageToken(token, keys, any)).toThrow(
      expect.objectContaining({ name: "InputError", field: "nextToken" }),
    );
  });

  test("refuses a well-formed token that the listing says is not its own", () => {
    const token = encodePageToken({ tableId: "a", username: "u" });
    expect(() => decodePageToken(token, keys, (k) => k.tableId === "b")).toThrow(/not a token this listing returned/);
  });
});

describe("the kit: inputs", () => {
  test("ids: 1-64 characters starting with a letter or digit (the metadata key #table can never be a username)", () => {
    expect(tableId("A_b-9")).toBe("A_b-9");
    expect(username("first.last")).toBe("first.last");
    for (const bad of ["", "_x", "-x", "#table", "a".repeat(65), "a b", 7, null]) {
      expect(() => username(bad)).toThrow(InputError);
    }
    expect(() => tableId("a.b")).toThrow(/tableId must be 1-64 letters, digits, _ or -/);
  });

  test("limit: 1-100, default 50", () => {
    expect(pageLimit(undefined)).toBe(50);
    expect(pageLimit("100")).toBe(100);
    for (const bad of ["0", "101", "1.5", "-1", "", "1e2"]) expect(() => pageLimit(bad)).toThrow(/limit must be/);
  });

  test("isInputError recognises the error of another copy of the kit (a layer's) by name and field", () => {
    const foreign = Object.assign(new Error("x"), { name: "InputError", field: "tableId", status: 400 });
    expect(isInputError(foreign)).toBe(true);
    expect(isInputError(new Error("x"))).toBe(false);
    expect(isInputError({ name: "InputError" })).toBe(false);
  });

  test("a body: an object of the allowed fields; an unknown field is named", () => {
    expect(jsonBody(Buffer.from('{"tableId":"t"}'), ["tableId"])).toEqual({ tableId: "t" });
    expect(() => jsonBody(Buffer.from('{"tableId":"t","zeta":1,"alpha":2}'), ["tableId"])).toThrow(
      expect.objectContaining({ field: "alpha", message: expect.stringMatching(/unknown field\(s\): alpha, zeta/) }),
    );
  });
});
