// Starts a moto server of the test run's own (never a developer's running one) and hands its
// endpoint to the tests through IAC_CI_TEST_ENDPOINT.

const { execFileSync } = require("node:child_process");
const path = require("node:path");

module.exports = async () => {
  const root = path.resolve(__dirname, "../..");
  const home = path.join(root, ".emulator", `jest-${process.pid}`);
  const endpoint = execFileSync(path.join(root, "scripts/emulator.sh"), ["start"], {
    env: { ...process.env, EMULATOR_HOME: home },
    encoding: "utf8",
  }).trim();
  process.env.IAC_CI_TEST_ENDPOINT = endpoint;
  process.env.IAC_CI_TEST_EMULATOR_HOME = home;
};
