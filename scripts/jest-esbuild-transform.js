// Jest transform: TypeScript to CommonJS with esbuild (transpile only; `tsc --noEmit` checks
// types once per test run instead of on every test file).

const { transformSync } = require("esbuild");

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, {
      loader: filename.endsWith(".ts") ? "ts" : "js",
      format: "cjs",
      target: "node20",
      sourcemap: "both",
      sourcefile: filename,
    });
    return { code, map };
  },
};
