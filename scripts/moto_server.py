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

DynamoDB item operations and TransactWriteItems run one at a time: moto's server answers
requests in threads, and a TransactWriteItems snapshots each table it touches, writes in place
and, when a condition fails, puts the snapshots back, erasing what other clients wrote to those
tables meanwhile (and readers could see half a transaction). AWS documents serializable
isolation between TransactWriteItems and single-item reads and writes; one lock gives it.

API Gateway PutRestApi/ImportRestApi with a MOCK integration (a CORS preflight, say): AWS needs
no uri and no httpMethod for MOCK; moto's put_integration demands both and fails the import
with HTTP 500. The shim makes both optional again (moto's own checks for HTTP/AWS types stay) and
stores the type as AWS's enum (MOCK, AWS_PROXY), as GetIntegration answers it.

S3 GetBucketNotificationConfiguration: moto stores EventBridgeConfiguration (PutBucketNotification)
but never answers it, so a bucket sending events to EventBridge reads back as not sending them
and every plan wants to turn it on again. The shim answers <EventBridgeConfiguration/> as AWS does.

ECR PutImage into an IMMUTABLE repository with a tag another image holds: AWS refuses with
ImageTagAlreadyExistsException ("cannot be overwritten because the repository is immutable");
moto refuses with ImageAlreadyExistsException, AWS's answer for pushing the very same image
under the same tag again. The shim answers AWS's error for a different image; the same image
still gets ImageAlreadyExistsException.

EventBridge rules with a Step Functions target (an S3 "Object Created" event starting a state
machine): moto delivers to log groups, queues and buses only and drops the rest, and leaves out
the target's InputTransformer for S3 events; its schedule-only rules match every event. The shim
keeps schedule-only and disabled rules out of event delivery and starts an execution per matching event
with the input AWS documents: the InputTransformer applied (placeholders take the JSON of the
value: strings quoted, numbers bare), else the target's Input, else the event; the event's time
as ISO 8601 (moto's S3 events carry epoch seconds).

API Gateway UpdateAccount resetting the CloudWatch role (`replace /cloudwatchRoleArn` without a
value, what the provider sends when the account setting is destroyed): AWS clears the role;
moto fails with KeyError (HTTP 500), which the provider retries for many minutes.

ValidateStateMachineDefinition: the provider validates a state machine definition with ValidateStateMachineDefinition before it
creates or changes one; moto 5.2.5 answers NotImplementedError (HTTP 500), which the provider
retries for many minutes. This stand-in does a structural check (valid JSON, StartAt names a
state, every Next/Default names a state) and answers like the real API: result OK, or FAIL
with diagnostics. Real AWS runs its own, complete validation. Run with moto's venv python:
    python scripts/moto_server.py -H 127.0.0.1 -p 5000
"""

import datetime
import functools
import json
import re
import threading

import xmltodict

import moto.apigateway.models as apigateway_models
import moto.awslambda.models as lambda_models
import moto.codebuild.models as codebuild_models
import moto.codebuild.responses as codebuild_responses
import moto.dynamodb.models as dynamodb_models
import moto.ecr.models as ecr_models
import moto.events.models as events_models
import moto.stepfunctions.models as stepfunctions_models
from moto.core.exceptions import ServiceException
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

_DYNAMODB_LOCK = threading.RLock()
_DYNAMODB_SERIALIZED = ("get_item", "put_item", "update_item", "delete_item", "query", "scan", "transact_write_items")


def _serialized(method):  # type: ignore[no-untyped-def]
    @functools.wraps(method)
    def one_at_a_time(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with _DYNAMODB_LOCK:
            return method(self, *args, **kwargs)

    return one_at_a_time


for _name in _DYNAMODB_SERIALIZED:
    setattr(dynamodb_models.DynamoDBBackend, _name, _serialized(getattr(dynamodb_models.DynamoDBBackend, _name)))

_moto_put_integration = apigateway_models.APIGatewayBackend.put_integration


def _put_integration(  # type: ignore[no-untyped-def]
    self, function_id, resource_id, method_type, integration_type, uri=None, integration_method=None, **kwargs
):
    # OpenAPI writes the type in lower case (aws_proxy, mock); AWS stores and answers the enum (AWS_PROXY, MOCK).
    return _moto_put_integration(
        self, function_id, resource_id, method_type, str(integration_type or "").upper(), uri, integration_method, **kwargs
    )


apigateway_models.APIGatewayBackend.put_integration = _put_integration  # type: ignore[method-assign]

_moto_get_bucket_notification = S3Response.get_bucket_notification


def _get_bucket_notification(self):  # type: ignore[no-untyped-def]
    response = _moto_get_bucket_notification(self)
    config = self.backend.get_bucket_notification_configuration(self.bucket_name)
    if config is None or config.event_bridge is None or not isinstance(response, tuple):
        return response
    status, headers, body = response
    text = body.decode() if isinstance(body, bytes) else str(body)
    if "EventBridgeConfiguration" in text:
        return response
    # Into the root element, whichever name moto gives it, self-closing or not.
    root = re.search(r"<([A-Za-z]+)[^>?]*?(/?)>", text)
    if root is None:
        return response
    if root.group(2):
        text = text[: root.start()] + root.group(0)[:-2] + "><EventBridgeConfiguration/></" + root.group(1) + ">" + text[root.end() :]
    else:
        closing = text.rindex("</" + root.group(1) + ">")
        text = text[:closing] + "<EventBridgeConfiguration/>" + text[closing:]
    headers = {k: v for k, v in headers.items() if k.lower() != "content-length"}
    return status, headers, text


S3Response.get_bucket_notification = _get_bucket_notification  # type: ignore[method-assign]



class ImageTagAlreadyExistsException(ServiceException):
    code = "ImageTagAlreadyExistsException"


_moto_put_image = ecr_models.ECRBackend.put_image


def _put_image(self, repository_name, image_manifest, image_tag, *args, **kwargs):  # type: ignore[no-untyped-def]
    repository = self.repositories.get(repository_name)
    if (
        repository is not None
        and image_tag
        and repository.image_tag_mutability == "IMMUTABLE"
        and any(image_tag in image.image_tags and image.image_manifest != image_manifest for image in repository.images)
    ):
        raise ImageTagAlreadyExistsException(
            f"The image tag '{image_tag}' already exists in the '{repository_name}' repository "
            "and cannot be overwritten because the repository is immutable."
        )
    return _moto_put_image(self, repository_name, image_manifest, image_tag, *args, **kwargs)


ecr_models.ECRBackend.put_image = _put_image  # type: ignore[method-assign]

_moto_send_to_targets = events_models.Rule.send_to_targets


def _fill_template(template: str, values: dict) -> str:
    """AWS's placeholder rule: the JSON of the value; inside a JSON string, that JSON escaped."""
    out = []
    in_string = False
    i = 0
    while i < len(template):
        c = template[i]
        if c == "\\" and in_string:
            out.append(template[i : i + 2])
            i += 2
            continue
        if c == '"':
            in_string = not in_string
        if c == "<":
            end = template.find(">", i)
            name = template[i + 1 : end] if end > i else ""
            if name in values:
                text = json.dumps(values[name])
                out.append(json.dumps(text)[1:-1] if in_string else text)
                i = end + 1
                continue
        out.append(c)
        i += 1
    return "".join(out)


def _event_input(target: dict, event: dict) -> str:
    transformer = target.get("InputTransformer")
    if transformer:
        from jsonpath_ng.ext import parse as jsonpath

        values = {"aws.events.event.json": event}
        for name, path in (transformer.get("InputPathsMap") or {}).items():
            found = jsonpath(path).find(event)  # type: ignore[no-untyped-call]
            values[name] = found[0].value if found else None
        return _fill_template(transformer.get("InputTemplate") or "", values)
    if target.get("Input") is not None:
        return target["Input"]
    return json.dumps(event)


def _send_to_targets(self, original_event, transform_input=True):  # type: ignore[no-untyped-def]
    # A schedule-only rule matches no event (moto's empty pattern matches every one), and a
    # disabled rule delivers nothing: otherwise a scheduled rule's Lambda target, which moto
    # cannot invoke, aborts the delivery to every rule after it.
    if (self.scheduled_expression and not self.event_pattern._pattern) or self.state != "ENABLED":
        return None
    machines = [t for t in self.targets if t["Arn"].split(":")[2] == "states"]
    if machines and self.event_pattern.matches_event(original_event):
        event = dict(original_event)
        if isinstance(event.get("time"), (int, float)):
            event["time"] = datetime.datetime.fromtimestamp(event["time"], datetime.timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )
        for target in machines:
            region, account = target["Arn"].split(":")[3:5]
            stepfunctions_models.stepfunctions_backends[account][region].start_execution(
                target["Arn"], name="", execution_input=_event_input(target, event)
            )
    others = [t for t in self.targets if t not in machines]
    if not others:
        return None
    kept = self.targets
    self.targets = others
    try:
        return _moto_send_to_targets(self, original_event, transform_input)
    finally:
        self.targets = kept


events_models.Rule.send_to_targets = _send_to_targets  # type: ignore[method-assign]

_moto_account_patch = apigateway_models.Account.apply_patch_operations


def _account_patch(self, patch_operations):  # type: ignore[no-untyped-def]
    rest = []
    for op in patch_operations:
        if "/cloudwatchRoleArn" in op.get("path", "") and not op.get("value"):
            self.cloudwatch_role_arn = None
        else:
            rest.append(op)
    return _moto_account_patch(self, rest)


apigateway_models.Account.apply_patch_operations = _account_patch  # type: ignore[method-assign]

if __name__ == "__main__":
    main()
