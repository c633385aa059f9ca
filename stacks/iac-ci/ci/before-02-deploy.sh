#!/usr/bin/env bash
# Run by the deploy workflow before `cdktf deploy 02-deploy` (iac-ci): build the one Lambda image
# and push it to the 01-ecr repository, tagged with the commit SHA (TF_VAR_image_tag).
set -euo pipefail
: "${TF_VAR_image_tag:?TF_VAR_image_tag (the commit SHA) must be set}"
repo="$(terraform -chdir=cdktf.out/stacks/01-ecr output -raw ecr_repo_url)"
aws ecr get-login-password | docker login --username AWS --password-stdin "${repo%%/*}"
node lambdas/iac-ci/bundle.js
docker build -f lambdas/iac-ci/Dockerfile -t "$repo:$TF_VAR_image_tag" .
docker push "$repo:$TF_VAR_image_tag"
