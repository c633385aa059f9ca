// Three projects, from fast to real:
//   unit      synthesized JSON only (no network, no binaries)
//   handlers  Lambda handlers against the moto emulator's real S3/DynamoDB/... APIs, and what
//             our moto shim adds (emulator-shim.test.ts)
//   terraform real Terraform + provider plugins: validate, plan, deploy, lock, import, destroy
const transform = { "^.+\\.ts$": "<rootDir>/scripts/jest-esbuild-transform.js" };
const common = { rootDir: __dirname, testEnvironment: "node", transform, moduleFileExtensions: ["ts", "js", "json"] };

module.exports = {
  projects: [
    {
      ...common,
      displayName: "unit",
      testMatch: ["<rootDir>/__tests__/unit/**/*.test.ts"],
      setupFilesAfterEnv: ["<rootDir>/__tests__/support/cdktf-matchers.ts"],
    },
    {
      ...common,
      displayName: "handlers",
      testMatch: ["<rootDir>/__tests__/handlers/**/*.test.ts"],
      globalSetup: "<rootDir>/__tests__/support/emulator-setup.js",
      globalTeardown: "<rootDir>/__tests__/support/emulator-teardown.js",
    },
    {
      ...common,
      displayName: "terraform",
      testMatch: ["<rootDir>/__tests__/terraform/**/*.test.ts"],
      globalSetup: "<rootDir>/__tests__/support/emulator-setup.js",
      globalTeardown: "<rootDir>/__tests__/support/emulator-teardown.js",
    },
  ],
};
