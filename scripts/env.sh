# Sourced by the scripts: puts the toolchain's bin/ first on PATH (its `terraform` links to the
# Terraform scripts/toolchain.sh chose: the one already on PATH when it is >= 1.5, else the
# pinned build; `scripts/toolchain.sh which-terraform` says which and why), points Terraform at
# the CLI config the toolchain wrote (TF_CLI_CONFIG_FILE: the local provider mirror, or the
# registry), and keeps Terraform and cdktf from calling home.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/versions.sh
source "$ROOT/scripts/versions.sh"
export PATH="$TOOLCHAIN_HOME/bin:$ROOT/node_modules/.bin:$PATH"
export TF_CLI_CONFIG_FILE
# The cdktn npm tree of the CDKTF -> CDK Terrain equivalence check (scripts/cdktn-check.js).
export IAC_CI_CDKTN_DIR="$CDKTN_DIR"
# A developer's own plugin cache would shadow the mirror's links and race under parallel inits.
unset TF_PLUGIN_CACHE_DIR
export CHECKPOINT_DISABLE=1 CDKTF_DISABLE_PLUGIN_CACHE_ENV=1 CI="${CI:-}"
export CDKTF_TELEMETRY_DISABLED=1 DISABLE_VERSION_CHECK=1
