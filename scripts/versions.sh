# Pinned toolchain versions: the single place to change them. Sourced by the scripts.
# The Go module proxy reachable here serves only some commits of these repositories (it
# refuses others with "This module version is not available"), so the pins below are the
# commits it does serve; docs/toolchain.md records how they were chosen.
TERRAFORM_VERSION=1.8.5

# hashicorp/aws: commit 5f2286d6d836 of main (2026-06-02), after the 6.47.0 release; its
# version/VERSION file says 6.47.1, which is the version the mirror serves it as.
AWS_PROVIDER_VERSION=6.47.1
AWS_PROVIDER_MODULE=github.com/hashicorp/terraform-provider-aws
AWS_PROVIDER_PSEUDO=v1.60.1-0.20260602190131-5f2286d6d836
# Replace directives of the provider's go.mod, repeated in the wrapper module (none at this
# commit; older 6.x commits replaced terraform-plugin-log).
AWS_PROVIDER_REPLACES=()

# hashicorp/random: commit e1092b0cfc07 (2026-08-24), after the 3.9.0 release.
RANDOM_PROVIDER_VERSION=3.9.0
RANDOM_PROVIDER_MODULE=github.com/terraform-providers/terraform-provider-random
RANDOM_PROVIDER_PSEUDO=v1.3.2-0.20260824155315-e1092b0cfc07

MOTO_VERSION=5.2.5

# Workflow linter and IaC security scanner of the CI gate.
ACTIONLINT_VERSION=1.7.12
CHECKOV_VERSION=3.3.30

TOOLCHAIN_HOME="${IAC_CI_TOOLCHAIN_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/iac-ci-toolchain}"
TF_MIRROR_DIR="$TOOLCHAIN_HOME/mirror"
TF_CLI_CONFIG_FILE="$TOOLCHAIN_HOME/terraform.rc"
