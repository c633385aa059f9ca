# syntax=docker/dockerfile:1
# The single iac-ci image: the four Lambda handlers (and the worker CLI CodeBuild runs) as
# esbuild bundles on the AWS Lambda Node.js 22 base image. Each function picks its handler with
# the image CMD override (FUNCTIONS[*].command in lambdas/iac-ci/contract.ts); CodeBuild runs
# `node /var/task/worker.js --cli` (CODEBUILD_WORKER_COMMAND).
#
# Build after bundling:  node scripts/bundle-lambdas.js && docker build -t iac-ci .
# (No Docker engine on the development machine this was written on: it has not been built
# there; __tests__/iac-ci/unit/lambdas-packaging.test.ts checks it against the bundles instead.)
FROM public.ecr.aws/lambda/nodejs:22

# LAMBDA_TASK_ROOT is /var/task (IMAGE_TASK_ROOT). The bundles are self-contained: no
# node_modules, no npm install in the image.
COPY build/lambdas/ ${LAMBDA_TASK_ROOT}/

# Default handler; every function of the deploy stack overrides it with its own command.
CMD ["process_webhook.handler"]
