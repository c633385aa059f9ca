#!/usr/bin/env bash
# Run by the deploy workflow before `cdktf deploy trip-assistant`: build the agent and
# API images for linux/arm64 and push them, tagged with the commit SHA (TF_VAR_image_tag), to the
# repositories trip-assistant-ecr made, so the functions' first image exists. After the first
# deploy the functions ignore image changes: .github/workflows/trip-assistant-deploy.yml moves
# images, versions and the `live` aliases (with a smoke test and rollback).
set -euo pipefail
: "${TF_VAR_image_tag:?TF_VAR_image_tag (the commit SHA) must be set}"
out() { terraform -chdir=cdktf.out/stacks/trip-assistant-ecr output -raw "$1"; }
agent_repo="$(out agent_ecr_repository_url)"
api_repo="$(out api_ecr_repository_url)"
# <account>.dkr.ecr.<region>.amazonaws.com/<name>: the repositories' region (the system's aws_region).
region="$(cut -d. -f4 <<< "$agent_repo")"
aws ecr get-login-password --region "$region" | docker login --username AWS --password-stdin "${agent_repo%%/*}"
for target in agent api; do
  repo="$agent_repo"; [[ "$target" == api ]] && repo="$api_repo"
  # Immutable tags: an image already pushed under this SHA is kept as it is.
  if aws ecr describe-images --region "$region" --repository-name "${repo#*/}" --image-ids "imageTag=$TF_VAR_image_tag" > /dev/null 2>&1; then
    echo "$repo:$TF_VAR_image_tag exists; not pushed again"; continue
  fi
  docker buildx build --platform linux/arm64 -f lambdas/trip-assistant/Dockerfile --target "$target" \
    --build-arg "APP_VERSION=$TF_VAR_image_tag" --provenance=false --sbom=false --push -t "$repo:$TF_VAR_image_tag" .
done
