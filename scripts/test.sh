#!/usr/bin/env bash
# `npm test`: everything, from fast to real.
#   1. toolchain (Terraform 1.8.5, provider plugins, moto): built once, then a cache hit in seconds
#   2. lint + format check (biome), strict type check (tsc), workflow lint (actionlint)
#   3. jest: unit + handlers, then the terraform suite (validate, CI flow, deploy, lock, import,
#      destroy against the emulator) on two workers
#   4. the security gate: checkov over the synthesized stacks and the emulator deploys' plans
# Prints one closing line "N passed, N failed" for all jest tests.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/env.sh
source scripts/env.sh

step() { printf '\n== %s\n' "$*"; }
step "toolchain"; scripts/toolchain.sh
step "lint"; npx biome check .
step "typecheck"; npx tsc -p .
step "actionlint"; actionlint
if [[ -f scripts/bundle-lambdas.js ]]; then step "bundle lambdas"; node scripts/bundle-lambdas.js; fi

mkdir -p build/test-results
status=0
step "jest: unit + handlers"
npx jest --selectProjects unit handlers --json --outputFile build/test-results/fast.json || status=1
step "jest: terraform (real Terraform + plugins + emulator)"
npx jest --selectProjects terraform --maxWorkers=2 --json --outputFile build/test-results/terraform.json || status=1

step "security gate (checkov)"
node scripts/security-scan.js --stacks build/tf-validate/cdktf.out/stacks --plans build/tf-platform/plans || status=1

node -e '
  const fs = require("fs");
  let passed = 0, failed = 0;
  for (const f of ["fast", "terraform"]) {
    const p = `build/test-results/${f}.json`;
    if (!fs.existsSync(p)) { failed += 1; continue; }
    const r = JSON.parse(fs.readFileSync(p, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
  }
  console.log(`\n${passed} passed, ${failed} failed`);
  if (passed === 0) process.exitCode = 1;
' || status=1
exit $status
