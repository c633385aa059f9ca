"""moto's server, plus what the AWS provider needs from it that moto 5.2.5 lacks or gets wrong.

ListStateMachineVersions: the provider reads the latest version after every create/read;
moto keeps versions but has no such action. Answered from moto's own state machine model.

Lambda DeadLetterConfig and LoggingConfig: moto drops both on create and update and never
returns them, so every plan would want to set them again. Kept and returned here as sent.

S3 CreateBucket tags: the provider sends a new bucket's tags inside CreateBucket
(CreateBucketConfiguration.Tags); moto 5.2.5 creates the bucket and drops them, so it reads back
untagged and the next plan wants to tag it. The shim stores them as PutBucketTagging would.

CodeBuild DeleteProject: AWS takes a project name or ARN (the provider sends the ARN); moto
looks up names only and silently deletes nothing. The shim turns an ARN into its name.

CodeBuild CreateProject: moto demands a source location even for type NO_SOURCE (an inline
buildspec, no repository); AWS does not. Its other source checks are kept.

ValidateStateMachineDefinition: the provider validates a state machine definition with ValidateStateMachineDefinition before it
creates or changes one; moto 5.2.5 answers NotImplementedError (HTTP 500), which the provider
retries for many minutes. This stand-in does a structural check (valid JSON, StartAt names a
state, every Next/Default names a state) and answers like the real API: result OK, or FAIL
with diagnostics. Real AWS runs its own, complete validation. Run with moto's venv python:
    python scripts/moto_server.py -H 127.0.0.1 -p 5000
"""

import json

import xmltodict

import moto.awslambda.models as lambda_models
import moto.codebuild.models as codebuild_models
import moto.codebuild.responses as codebuild_responses
from moto.core.responses import ActionResult
from moto.s3.responses import S3Response
from moto.server import main
from moto.stepfunctions.responses import StepFunctionResponse


def _diagnostics(definition_text: str) -> list:
    try:
        definition = json.loads(definition_text)
    except ValueError as error:
        return [{"severity": "ERROR", "code": "INVALID_JSON_DESCRIPTION", "message": str(error)}]
    states = definition.get("States") or {}
    problems = []
    if definition.get("StartAt") not in states:
        problems.append(f"StartAt {definition.get('StartAt')!r} is not a state")
    for name, state in states.items():
        targets = [state.get("Next"), state.get("Default")]
        targets += [choice.get("Next") for choice in state.get("Choices", [])]
        for target in filter(None, targets):
            if target not in states:
                problems.append(f"state {name!r} goes to unknown state {target!r}")
    return [{"severity": "ERROR", "code": "SCHEMA_VALIDATION_FAILED", "message": p} for p in problems]


def validate_state_machine_definition(self: StepFunctionResponse) -> ActionResult:
    diagnostics = _diagnostics(self._get_param("definition") or "")
    return ActionResult({"result": "FAIL" if diagnostics else "OK", "diagnostics": diagnostics, "truncated": False})


def list_state_machine_versions(self: StepFunctionResponse) -> ActionResult:
    machine = self.stepfunction_backend.describe_state_machine(self._get_param("stateMachineArn"))
    versions = sorted(machine.versions.values(), key=lambda v: v.version, reverse=True)
    return ActionResult(
        {
            "stateMachineVersions": [
                {"stateMachineVersionArn": v.arn, "creationDate": v.creation_date} for v in versions
            ]
        }
    )


_moto_validate_source = codebuild_responses._validate_required_params_source


def _validate_source(source: dict) -> None:
    if source.get("type") == "NO_SOURCE" and not source.get("location"):
        if not source.get("buildspec"):
            raise codebuild_responses.InvalidInputException("A NO_SOURCE project needs a buildspec")
        return
    _moto_validate_source(source)


codebuild_responses._validate_required_params_source = _validate_source

_moto_delete_project = codebuild_models.CodeBuildBackend.delete_project


def _delete_project(self, project_name: str) -> None:  # type: ignore[no-untyped-def]
    if project_name.startswith("arn:") and ":project/" in project_name:
        project_name = project_name.split(":project/", 1)[1]
    _moto_delete_project(self, project_name)


codebuild_models.CodeBuildBackend.delete_project = _delete_project

_KEPT_LAMBDA_CONFIG = {"DeadLetterConfig": "_iacci_dead_letter_config", "LoggingConfig": "_iacci_logging_config"}
_moto_lambda_init = lambda_models.LambdaFunction.__init__
_moto_lambda_get = lambda_models.LambdaFunction.get_configuration
_moto_lambda_update = lambda_models.LambdaFunction.update_configuration


def _lambda_init(self, account_id, spec, region, version=1):  # type: ignore[no-untyped-def]
    _moto_lambda_init(self, account_id, spec, region, version)
    for key, attr in _KEPT_LAMBDA_CONFIG.items():
        setattr(self, attr, spec.get(key))


def _lambda_get_configuration(self, on_create=False):  # type: ignore[no-untyped-def]
    config = _moto_lambda_get(self, on_create)
    for key, attr in _KEPT_LAMBDA_CONFIG.items():
        if getattr(self, attr, None):
            config[key] = getattr(self, attr)
    return config


def _lambda_update_configuration(self, config_updates):  # type: ignore[no-untyped-def]
    for key, attr in _KEPT_LAMBDA_CONFIG.items():
        if key in config_updates:
            setattr(self, attr, config_updates[key])
    return _moto_lambda_update(self, config_updates)


lambda_models.LambdaFunction.__init__ = _lambda_init
lambda_models.LambdaFunction.get_configuration = _lambda_get_configuration
lambda_models.LambdaFunction.update_configuration = _lambda_update_configuration
StepFunctionResponse.validate_state_machine_definition = validate_state_machine_definition  # type: ignore[attr-defined]
StepFunctionResponse.list_state_machine_versions = list_state_machine_versions  # type: ignore[attr-defined]

_moto_bucket_response_put = S3Response._bucket_response_put


def _create_bucket_tags(body: bytes) -> dict:
    """The Tags of a CreateBucketConfiguration body, {} when there are none."""
    try:
        config = xmltodict.parse(body, force_list=("Tag",)).get("CreateBucketConfiguration") or {}
    except Exception:  # not XML: moto's own handler has already answered it
        return {}
    tags = (config.get("Tags") or {}).get("Tag") or []
    return {tag["Key"]: tag.get("Value") or "" for tag in tags}


def _bucket_response_put(self, request, bucket_name, querystring):  # type: ignore[no-untyped-def]
    response = _moto_bucket_response_put(self, request, bucket_name, querystring)
    if not querystring and self.body:
        tags = _create_bucket_tags(self.body)
        if tags:
            self.backend.put_bucket_tagging(bucket_name, tags)
    return response


S3Response._bucket_response_put = _bucket_response_put  # type: ignore[method-assign]

if __name__ == "__main__":
    main()
