const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

module.exports = async () => {
  const home = process.env.IAC_CI_TEST_EMULATOR_HOME;
  if (!home) return;
  const root = path.resolve(__dirname, "../..");
  // Keep the run's request log, as the terraform suites keep theirs (the home goes).
  const log = path.join(home, "moto.log");
  if (fs.existsSync(log)) {
    fs.mkdirSync(path.join(root, "build", "test-results"), { recursive: true });
    fs.copyFileSync(log, path.join(root, "build", "test-results", "handlers-moto.log"));
  }
  execFileSync(path.join(root, "scripts/emulator.sh"), ["stop"], {
    env: { ...process.env, EMULATOR_HOME: home, EMULATOR_REMOVE_HOME: "1" },
  });
};
