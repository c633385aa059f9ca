#!/usr/bin/env bash
# The main job: deploy the whole platform to the local AWS emulator (moto), stage by stage,
# with remote state and DynamoDB locking inside the emulator, then print the outputs.
#   npm start              build/reuse the toolchain, start/reuse the emulator, deploy 00 -> 01 -> 02
#   npm stop               stop the emulator (all its resources and state vanish with it)
# Everything lives under .emulator/default: the emulator's pid/log, the synthesized stacks
# (cdktf.out) and the local state of 00-bootstrap, so a real-AWS checkout is never touched.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/env.sh
source scripts/env.sh

[[ -d node_modules ]] || npm ci --no-audit --no-fund
scripts/toolchain.sh
export EMULATOR_HOME="${EMULATOR_HOME:-$ROOT/.emulator/default}"
endpoint="$(scripts/emulator.sh start)"
echo "[deploy-local] emulator at $endpoint" >&2

export IAC_CI_AWS_ENDPOINT="$endpoint"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION="${IAC_CI_REGION:-us-east-1}"
unset AWS_PROFILE AWS_SESSION_TOKEN
out="$EMULATOR_HOME/cdktf.out"
start=$(date +%s)
cdktf synth --output "$out" > /dev/null
for stack in 00-bootstrap 01-ecr 02-deploy; do
  echo "[deploy-local] cdktf deploy $stack" >&2
  cdktf deploy "$stack" --output "$out" --skip-synth --auto-approve --skip-provider-lock \
    --ignore-missing-stack-dependencies --outputs-file "$EMULATOR_HOME/outputs.json"
done
echo "[deploy-local] deployed in $(( $(date +%s) - start ))s; outputs ($EMULATOR_HOME/outputs.json):" >&2
cat "$EMULATOR_HOME/outputs.json"
echo
