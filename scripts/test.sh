#!/usr/bin/env bash
# `npm test`: everything, from fast to real.
#   1. toolchain (Terraform, provider plugins or the registry, moto, linters): built or found
#      once, then a cache hit in about a second (scripts/toolchain.sh)
#   2. lint + format check (biome), strict type check (tsc), workflow lint (actionlint)
#   3. the local cloud's Python unit tests (scripts/localcloud/tests)
#   4. jest: the terraform suites (`terraform validate` of every stack and each system's emulator
#      suite: deploy, adopt, lock, import, destroy), each on its own emulator, and each system's
#      e2e suite (deployed as npm start does, driven end to end), all side by side (most of their
#      time is the provider's consistency waits); beside them unit + handlers + toolchain
#   5. the gates over the synthesized stacks: checkov (security, also over the emulator deploys'
#      plans), tflint (terraform ruleset, recommended preset), and the CDKTF -> CDK Terrain
#      equivalence check (every stack synthesized with cdktn too, the JSON compared)
# Prints each step's wall time, the gates' verdicts, and one closing line "N passed, N failed"
# for all jest tests. Any failed test or gate fails the run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/env.sh
source scripts/env.sh

TIMES=()
GATES=()
now() { date +%s.%N; }
# timed NAME CMD...: runs one step under a heading and prints (and records) its wall time.
timed() {
  local name="$1" t0 rc=0 seconds
  shift
  printf '\n== %s\n' "$name"
  t0="$(now)"
  "$@" || rc=$?
  seconds="$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')"
  printf '== %s: %s s%s\n' "$name" "$seconds" "$( ((rc == 0)) || echo ", FAILED (exit $rc)")"
  TIMES+=("$(printf '%7s s  %s' "$seconds" "$name")")
  return "$rc"
}
# gate NAME CMD...: a gate over the stacks; its failure fails the run at the end, not at once.
gate() {
  local name="$1"
  if timed "$@"; then GATES+=("$name passed"); else
    GATES+=("$name FAILED")
    status=1
  fi
}

timed "toolchain" scripts/toolchain.sh
timed "lint" npx biome check .
timed "typecheck" npx tsc -p .
timed "actionlint" actionlint

mkdir -p build/test-results
status=0
# The local cloud's own Python unit tests (scripts/localcloud/tests), on moto's virtualenv.
timed "localcloud: python unit tests" \
  "$TOOLCHAIN_HOME/venv-moto-$MOTO_VERSION/bin/python" -m unittest discover -s scripts/localcloud/tests -t scripts || status=1
# The terraform and e2e suites are the long pole, and mostly wait on the provider's consistency
# checks (an SQS queue's deletion alone is polled for two minutes): they start first, and the
# fast projects run beside them. Their output is shown, whole, once the fast projects are done.
slow_name="jest: terraform + e2e (real Terraform + plugins + local cloud)"
slow_log=build/test-results/terraform-e2e.log
slow_t0="$(now)"
npx jest --selectProjects terraform e2e --maxWorkers="${IAC_CI_TERRAFORM_WORKERS:-6}" \
  --json --outputFile build/test-results/terraform.json > "$slow_log" 2>&1 &
slow_pid=$!
timed "jest: unit + handlers + toolchain (beside terraform + e2e)" \
  npx jest --selectProjects unit handlers toolchain --json --outputFile build/test-results/fast.json || status=1
printf '\n== %s (started with the step above; its output so far, then live)\n' "$slow_name"
tail -n +1 -f --pid="$slow_pid" "$slow_log"
slow_rc=0
wait "$slow_pid" || slow_rc=$?
slow_seconds="$(awk -v a="$slow_t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')"
printf '== %s: %s s%s\n' "$slow_name" "$slow_seconds" "$( ((slow_rc == 0)) || echo ", FAILED (exit $slow_rc)")"
TIMES+=("$(printf '%7s s  %s' "$slow_seconds" "$slow_name")")
((slow_rc == 0)) || status=1

# The stacks `terraform validate` synthesized (default settings, no emulator).
stacks=build/tf-validate/cdktf.out/stacks
gate "security gate (checkov)" node scripts/security-scan.js --stacks "$stacks" --plans build/tf-plans
# shellcheck disable=SC2046
gate "tflint (terraform ruleset, recommended)" node scripts/tflint.js $(compgen -G "$stacks/*/" || true)
gate "cdktn equivalence (CDKTF -> CDK Terrain)" node scripts/cdktn-check.js --out build/cdktn-check

printf '\nstep times:\n'
printf '  %s\n' "${TIMES[@]}"
printf 'gate: %s\n' "${GATES[@]}"
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
