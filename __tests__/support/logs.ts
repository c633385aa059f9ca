/**
 * Captures every console line (console.log / console.error: the handlers' structured logs) while
 * a test runs, so a test can read them (a secret never reaches a log, say) without printing them.
 */
export function captureLogs(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const keep = (...args: unknown[]) => {
    lines.push(args.map(String).join(" "));
  };
  const log = jest.spyOn(console, "log").mockImplementation(keep);
  const error = jest.spyOn(console, "error").mockImplementation(keep);
  return {
    lines,
    restore: () => {
      log.mockRestore();
      error.mockRestore();
    },
  };
}
