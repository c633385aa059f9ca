import { fitName } from "../../constructs/names";

describe("fitName", () => {
  test("keeps names that fit and shortens the rest to the limit with a stable hash", () => {
    expect(fitName("short-role", 64)).toBe("short-role");
    const long = `${"a".repeat(60)}-lambda-role-stage`;
    const fitted = fitName(long, 64);
    expect(fitted).toHaveLength(64);
    expect(fitted).toMatch(/^a+-[0-9a-f]{8}$/);
    expect(fitName(long, 64)).toBe(fitted);
    expect(fitName(`${long}x`, 64)).not.toBe(fitted);
  });
});
