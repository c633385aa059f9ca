"""The local cloud: moto's server with what it lacks to deploy our stacks and to run them.

Each module covers one service concern and patches moto when it is imported; each patch says
which documented AWS behaviour it restores. `install()` imports them in dependency order.

Deploy-time fixes (what the AWS provider needs so `terraform apply` converges):
  stepfunctions_api, codebuild_api, lambda_config, s3_api, dynamodb_api, apigateway_api,
  ecr_api, events_targets, cloudwatch_cbor
Run-time (what makes a deployed system work):
  settings         where the local cloud lives (endpoint, home directory), read from the environment
  control_api      the local cloud's own endpoints under /_localcloud/ (image push, health)
  openai_loopback  OpenAI's chat-completions API played locally, for agents deployed without a real key
  images           image functions: a pushed directory stands for an image
  credentials      temporary credentials of a role (sts:AssumeRole), for functions and executions
  lambda_runtime   execution environments: a Node process per warm environment, no Docker
  lambda_invoke    Invoke (RequestResponse, Event, DryRun), aliases, concurrency, retries, destinations
  cloudwatch_logs  each invocation's START/END/REPORT and output in the function's log group
  iam_enforcement  the admin principal, SigV4 fixes, evaluator fixes, AWS's error shapes
  stepfunctions_exec  executions run by default, acting with the state machine's role
  event_delivery   EventBridge Lambda targets and schedules, SNS subscriptions (outbox)
  http_gateway     HTTP APIs (v2), REST APIs (v1) and function URLs answering HTTP locally
"""

import importlib

MODULES = (
    "stepfunctions_api",
    "codebuild_api",
    "lambda_config",
    "s3_api",
    "dynamodb_api",
    "apigateway_api",
    "ecr_api",
    "events_targets",
    "cloudwatch_cbor",
    "settings",
    "control_api",
    "openai_loopback",
    "credentials",
    "cloudwatch_logs",
    "lambda_runtime",
    "lambda_invoke",
    "iam_enforcement",
    "stepfunctions_exec",
    "event_delivery",
    "dynamodb_streams",
    "http_gateway",
)


def install() -> None:
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}")
