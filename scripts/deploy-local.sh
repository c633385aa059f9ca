#!/usr/bin/env bash
# The main job: deploy every system to the local AWS emulator (moto), stage by stage, with
# remote state and DynamoDB locking inside the emulator, then print each system's outputs.
#   npm start              build/reuse the toolchain, start/reuse the emulator, deploy 00-bootstrap,
#                          then every system (side by side, each in its own stack order)
#   npm start -- SYSTEM..  00-bootstrap, then only the named systems
#   LOCALCLOUD_SMOKE=off   deploy only (no smoke tests afterwards)
#   npm stop               stop the emulator (all its resources and state vanish with it)
# Stack names and order come from the registry (stacks/registry.ts, via scripts/stacks.js).
# Everything lives under .emulator/default: the emulator's pid/log, the synthesized stacks
# (cdktf.out), the local state of 00-bootstrap and outputs-<stack>.json.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/env.sh
source scripts/env.sh

[[ -d node_modules ]] || npm ci --no-audit --no-fund
scripts/toolchain.sh deploy   # Terraform, providers and moto: what a deploy needs
export EMULATOR_HOME="${EMULATOR_HOME:-$ROOT/.emulator/default}"
endpoint="$(scripts/emulator.sh start)"
echo "[deploy-local] emulator at $endpoint" >&2

export PLATFORM_AWS_ENDPOINT="$endpoint"
unset IAC_CI_AWS_ENDPOINT   # its former name: a stale value would contradict this emulator's
# The emulator's admin principal (created at its start; profile "local" in its home).
export AWS_SHARED_CREDENTIALS_FILE="$EMULATOR_HOME/credentials" AWS_CONFIG_FILE="$EMULATOR_HOME/config"
export AWS_PROFILE=local AWS_REGION="${PLATFORM_REGION:-${IAC_CI_REGION:-us-east-1}}"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
out="$EMULATOR_HOME/cdktf.out"
# A local cloud keeps its resources in memory: when this one is not the one the home last
# deployed to (it stopped without `npm stop`, and a new one started on another port), the
# previous deploy's work directories, local state and outputs describe a world that is gone
# (Terraform would refuse the changed backend endpoint). Start over from a clean slate.
stale() { # the home's synthesized bootstrap or an initialized S3 backend names another endpoint
  local file
  for file in "$out/stacks/00-bootstrap/cdk.tf.json" "$out"/stacks/*/.terraform/terraform.tfstate; do
    [[ -f "$file" ]] || continue
    [[ "$file" == */.terraform/* ]] && ! grep -q '"type": "s3"' "$file" && continue   # local backend
    grep -qF "\"$endpoint" "$file" || return 0
  done
  return 1
}
if stale; then
  echo "[deploy-local] $EMULATOR_HOME last deployed to another local cloud: clearing its stacks, state and outputs" >&2
  rm -rf "$out" "$EMULATOR_HOME"/terraform.00-bootstrap.tfstate* "$EMULATOR_HOME"/outputs-*.json "$EMULATOR_HOME"/deploy-*.log
fi
start=$(date +%s)

if [[ $# -gt 0 ]]; then systems=("$@"); else mapfile -t systems < <(node scripts/stacks.js systems); fi
for system in "${systems[@]}"; do node scripts/stacks.js order --system "$system" > /dev/null; done
# Deploy-time inputs a real deploy must be given, with values for the local cloud (each system
# declares its own, stacks/<system>/system.ts `local.variables`; set TF_VAR_* to change them).
local_vars="$(node scripts/stacks.js local-vars --endpoint "$endpoint" "${systems[@]}")"
while IFS= read -r line; do [[ -z "$line" ]] || export "${line?}"; done <<< "$local_vars"

cdktf synth --output "$out" > /dev/null
# shellcheck source=scripts/lost-lock.sh
source scripts/lost-lock.sh   # own_orphaned_lock: a state lock this deploy took itself, its answer lost
deploy_once() { # deploy_once STACK
  cdktf deploy "$1" --output "$out" --skip-synth --auto-approve --skip-provider-lock \
    --outputs-file "$EMULATOR_HOME/outputs-$1.json" > "$EMULATOR_HOME/deploy-$1.log" 2>&1
}
deploy() { # deploy STACK
  local began lock
  echo "[deploy-local] cdktf deploy $1" >&2
  began=$(date -u +%s)
  deploy_once "$1" && return 0
  if lock="$(own_orphaned_lock "$EMULATOR_HOME/deploy-$1.log" "$began")"; then
    echo "[deploy-local] $1 failed on its own state lock $lock (the local cloud lost the lock write's answer); releasing it with terraform force-unlock and deploying again" >&2
    cp "$EMULATOR_HOME/deploy-$1.log" "$EMULATOR_HOME/deploy-$1.lost-lock.log"
    terraform -chdir="$out/stacks/$1" force-unlock -force "$lock" >&2 && deploy_once "$1" && return 0
  fi
  echo "[deploy-local] cdktf deploy $1 failed; log: $EMULATOR_HOME/deploy-$1.log" >&2
  tail -40 "$EMULATOR_HOME/deploy-$1.log" >&2
  return 1
}
# The local cloud runs an image function from the image pushed to it (scripts/local-image.js:
# the Dockerfile stage's task root, CMD and ENV; docs/emulator.md, "Image functions"): after a
# stack that creates ECR repositories, push the images its system declares (`local.images`)
# under the tag the next stack deploys its functions with.
push_images() { # push_images STACK
  node scripts/stacks.js local-images --stack "$1" --endpoint "$endpoint" --outputs "$EMULATOR_HOME/outputs-$1.json"
}
deploy 00-bootstrap

# Systems are independent after 00-bootstrap: deploy them side by side, each in its own order.
pids=()
for system in "${systems[@]}"; do
  (
    for stack in $(node scripts/stacks.js order --system "$system"); do
      deploy "$stack"
      push_images "$stack"
    done
  ) &
  pids+=("$!")
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
[[ $status -eq 0 ]] || { echo "[deploy-local] a system failed to deploy (see above)" >&2; exit 1; }

echo "[deploy-local] deployed in $(( $(date +%s) - start ))s" >&2
print_outputs() { # print_outputs SYSTEM STACK...
  local system="$1"; shift
  echo "== $system"
  for stack in "$@"; do
    echo "-- $stack ($EMULATOR_HOME/outputs-$stack.json)"
    cat "$EMULATOR_HOME/outputs-$stack.json"; echo
  done
}
print_outputs platform 00-bootstrap
for system in "${systems[@]}"; do
  # shellcheck disable=SC2046
  print_outputs "$system" $(node scripts/stacks.js order --system "$system")
done

# Each deployed system's smoke test (__tests__/<system>/e2e/smoke.ts): its flows through its
# public entry points; a failed step fails npm start, naming it. `npm run smoke` runs them again.
if [[ "${LOCALCLOUD_SMOKE:-on}" != off ]]; then
  echo "[deploy-local] smoke tests: ${systems[*]}" >&2
  node scripts/smoke.js "${systems[@]}" || { echo "[deploy-local] a smoke test failed (see above); the systems stay deployed: npm run smoke -- <system> runs it again" >&2; exit 1; }
fi
