# Sourced by the scripts: puts the pinned Terraform first on PATH, serves providers from the
# local mirror (TF_CLI_CONFIG_FILE), and keeps Terraform and cdktf from calling home.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/versions.sh
source "$ROOT/scripts/versions.sh"
export PATH="$TOOLCHAIN_HOME/bin:$ROOT/node_modules/.bin:$PATH"
export TF_CLI_CONFIG_FILE
# A developer's own plugin cache would shadow the mirror's links and race under parallel inits.
unset TF_PLUGIN_CACHE_DIR
export CHECKPOINT_DISABLE=1 CDKTF_DISABLE_PLUGIN_CACHE_ENV=1 CI="${CI:-}"
export CDKTF_TELEMETRY_DISABLED=1 DISABLE_VERSION_CHECK=1
