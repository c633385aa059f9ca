const { execFileSync } = require("node:child_process");
const path = require("node:path");

module.exports = async () => {
  const home = process.env.IAC_CI_TEST_EMULATOR_HOME;
  if (!home) return;
  const root = path.resolve(__dirname, "../..");
  execFileSync(path.join(root, "scripts/emulator.sh"), ["stop"], {
    env: { ...process.env, EMULATOR_HOME: home, EMULATOR_REMOVE_HOME: "1" },
  });
};
