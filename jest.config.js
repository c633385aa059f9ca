// Tests live by system (__tests__/<system>/), by construct (__tests__/constructs/) and for the
// shared platform (__tests__/platform/); each system folder has one folder per tier, and the
// tiers are the jest projects, from fast to real:
//   unit      synthesized JSON and pure code only (no network, no binaries)
//   handlers  Lambda handlers against the moto emulator's real S3/DynamoDB/... APIs, and what
//             our moto shim adds (platform/handlers/emulator-shim.test.ts)
//   terraform real Terraform + provider plugins: validate, plan, deploy, lock, import, destroy
//   e2e       each system deployed as npm start deploys it, driven end to end (HTTP, uploads, SDK)
//   toolchain scripts/toolchain.sh against temporary homes: lock, heartbeat, Terraform and provider choice
const transform = { "^.+\\.ts$": "<rootDir>/scripts/jest-esbuild-transform.js" };
const common = { rootDir: __dirname, testEnvironment: "node", transform, moduleFileExtensions: ["ts", "js", "json"] };
const emulator = {
  globalSetup: "<rootDir>/__tests__/support/emulator-setup.js",
  globalTeardown: "<rootDir>/__tests__/support/emulator-teardown.js",
};

module.exports = {
  projects: [
    {
      ...common,
      displayName: "unit",
      testMatch: ["<rootDir>/__tests__/constructs/**/*.test.ts", "<rootDir>/__tests__/*/unit/**/*.test.ts"],
      setupFilesAfterEnv: ["<rootDir>/__tests__/support/cdktf-matchers.ts"],
    },
    { ...common, ...emulator, displayName: "handlers", testMatch: ["<rootDir>/__tests__/*/handlers/**/*.test.ts"] },
    // Each system's terraform suite starts an emulator of its own (__tests__/support/deploy.ts).
    { ...common, displayName: "terraform", testMatch: ["<rootDir>/__tests__/*/terraform/**/*.test.ts"] },
    // Each system deployed as `npm start -- <system>` deploys it, to a local cloud of its own, and
    // driven through its public entry points (__tests__/support/e2e.ts).
    { ...common, displayName: "e2e", testMatch: ["<rootDir>/__tests__/*/e2e/**/*.test.ts"] },
    { ...common, displayName: "toolchain", testMatch: ["<rootDir>/__tests__/toolchain/*.test.ts"] },
  ],
};
