"""Step Functions executions run, as StartExecution does on AWS, acting with the state machine's role.

moto keeps executions RUNNING forever unless its `stepfunctions.execute_state_machine` setting
is on; then StartExecution runs the definition with moto's Amazon States Language interpreter
(moto/stepfunctions/parser). This module turns it on and fills what the interpreter lacks here:

* Lambda tasks, both `arn:aws:states:::lambda:invoke` (FunctionName/Payload/Qualifier/
  ClientContext parameters) and a bare function ARN as Resource, invoke through the local
  Lambda runtime (`lambda_invoke.invoke`, RequestResponse). The optimized integration's result
  is AWS's: {ExecutedVersion, Payload, SdkHttpMetadata, SdkResponseMetadata, StatusCode}; a bare
  ARN's result is the function's own. A function error is the task's error as AWS reports it:
  Error = the function's errorType (`ValidationError`, `Sandbox.Timedout`, ...; `Lambda.Unknown`
  when the function gave none), Cause = the error JSON, so Retry and Catch match it. A Lambda
  service error (no such function, throttled) is `Lambda.<ErrorCode>` with AWS's cause text.
* Every other integration (sns:publish, states:startExecution, dynamodb:*, aws-sdk:*, ...) calls
  the local cloud through the interpreter's boto client. moto points that client at
  localhost:$MOTO_PORT (unset here: it would miss the emulator's port) with the keys "ak"/"sk",
  which IAM enforcement refuses. Here it reaches LOCALCLOUD_ENDPOINT with the temporary
  credentials of the state machine's role (or the task's Credentials.RoleArn), so IAM evaluates
  the role's policies, as for an execution on AWS. The role session is one per execution with an
  opaque 32-letter name (AWS's Step Functions sessions are named by the service, not the user).
* StartExecution without a name gets a UUID name, as on AWS (moto's interpreter backend names
  such executions "None", and the second one clashes with the first).
* Wait states and Retry intervals wait real seconds. LOCALCLOUD_SFN_WAIT_SCALE (default 1)
  multiplies both: 0.01 runs a `Seconds: 300` Wait in 3 s. Only a local convenience; AWS has no
  such switch.
Task TimeoutSeconds is the interpreter's own: a task running longer fails with States.Timeout.
"""

import datetime
import hashlib
import json
import os
import sys
import time
import uuid
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.core.config import default_user_config

from . import settings

default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True

# The interpreter's modules: importing the parser and the service factory loads every module
# that binds boto_client_for by name, so the loop below can rebind it in each.
import moto.stepfunctions.parser.asl.component.common.retry.retrier_decl as retrier_decl  # noqa: E402
import moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils as lambda_eval_utils  # noqa: E402
import moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_factory  # noqa: E402, F401
import moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_lambda as service_lambda  # noqa: E402
import moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task as state_task  # noqa: E402
import moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task_lambda as state_task_lambda  # noqa: E402
import moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function as wait_function  # noqa: E402
import moto.stepfunctions.parser.asl.parse.asl_parser  # noqa: E402, F401
import moto.stepfunctions.parser.asl.utils.boto_client as boto_client  # noqa: E402
from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails  # noqa: E402
from moto.stepfunctions.parser.api import LambdaFunctionFailedEventDetails  # noqa: E402
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import (  # noqa: E402
    CustomErrorName,
)
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent  # noqa: E402
from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds  # noqa: E402
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails  # noqa: E402
from moto.stepfunctions.parser.models import StepFunctionsParserBackend  # noqa: E402

# ---- the clock ------------------------------------------------------------------------------


def wait_scale() -> float:
    """LOCALCLOUD_SFN_WAIT_SCALE: the factor applied to Wait states and Retry intervals."""
    try:
        scale = float(os.environ.get("LOCALCLOUD_SFN_WAIT_SCALE", "1"))
    except ValueError:
        return 1.0
    return scale if scale >= 0 else 1.0


def _wait_interval(self: Any, env: Any, wait_seconds: float) -> None:
    # moto's waits whole seconds and re-enters on early wake-ups; this waits the scaled time and
    # still returns at once when the execution stops.
    deadline = time.monotonic() + max(0.0, float(wait_seconds)) * wait_scale()
    while env.is_running():
        left = deadline - time.monotonic()
        if left <= 0:
            return
        env.program_state_event.wait(left)


wait_function.WaitFunction._wait_interval = _wait_interval  # type: ignore[method-assign]


class _ScaledTime:
    """retrier_decl's `time`: its sleep (the retry interval) follows the scale."""

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    @staticmethod
    def sleep(seconds: float) -> None:
        time.sleep(max(0.0, float(seconds)) * wait_scale())


retrier_decl.time = _ScaledTime()  # type: ignore[assignment]

# ---- execution names ------------------------------------------------------------------------

_moto_start_execution = StepFunctionsParserBackend.start_execution


def _start_execution(self: Any, state_machine_arn: str, name: Any = None, execution_input: Any = None, **kwargs: Any) -> Any:
    if name:
        self._validate_name(name)
    return _moto_start_execution(
        self, state_machine_arn, name=name or str(uuid.uuid4()), execution_input=execution_input, **kwargs
    )


StepFunctionsParserBackend.start_execution = _start_execution  # type: ignore[method-assign]

# ---- acting with the role -------------------------------------------------------------------


def session_name(execution_arn: str) -> str:
    """The role session of one execution: 32 letters derived from its ARN (stable per execution)."""
    digest = hashlib.sha256(execution_arn.encode()).digest()
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    return "".join(letters[b % len(letters)] for b in digest[:32])


_moto_eval_state_credentials = state_task.StateTask._eval_state_credentials


def _eval_state_credentials(self: Any, env: Any) -> Any:
    credentials = _moto_eval_state_credentials(self, env)
    try:
        execution_arn = env.states.context_object.context_object_data["Execution"]["Id"]
    except (AttributeError, KeyError, TypeError):
        execution_arn = ""
    credentials.session_name = session_name(execution_arn or credentials.role_arn)
    credentials.account = env.aws_execution_details.account
    return credentials


state_task.StateTask._eval_state_credentials = _eval_state_credentials  # type: ignore[method-assign]


def role_credentials(state_credentials: Any) -> dict:
    """The temporary keys the interpreter acts with: the role's session (IAM evaluates the role)."""
    from . import credentials

    role_arn = getattr(state_credentials, "role_arn", None) or ""
    parts = role_arn.split(":")
    if len(parts) < 6 or parts[2] != "iam":
        return {"AccessKeyId": "ak", "SecretAccessKey": "sk", "SessionToken": None}
    account = parts[4] or getattr(state_credentials, "account", "") or "123456789012"
    name = getattr(state_credentials, "session_name", None) or session_name(role_arn)
    return credentials.for_role(account, "us-east-1", role_arn, name)


def _boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
    keys = role_credentials(state_credentials)
    return boto3.client(
        service_name=service,
        region_name=region,
        endpoint_url=settings.ENDPOINT,
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys.get("SessionToken"),
        config=Config(
            parameter_validation=False,
            retries={"max_attempts": 0, "total_max_attempts": 1},
            connect_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
            read_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
        ),
    )


boto_client.boto_client_for = _boto_client_for
for _module in list(sys.modules.values()):
    if getattr(_module, "__name__", "").startswith("moto.stepfunctions.parser") and hasattr(
        _module, "boto_client_for"
    ):
        _module.boto_client_for = _boto_client_for  # type: ignore[attr-defined]

# ---- Lambda tasks ---------------------------------------------------------------------------


def _http_date() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT")


def invocation_result(status: int, payload: Any, executed_version: str, request_id: str, length: int) -> dict:
    """The optimized lambda:invoke integration's task result, as AWS returns it."""
    headers = {
        "Connection": "keep-alive",
        "Content-Length": str(length),
        "Content-Type": "application/json",
        "Date": _http_date(),
        "X-Amz-Executed-Version": executed_version,
        "x-amzn-Remapped-Content-Length": "0",
        "x-amzn-RequestId": request_id,
        "X-Amzn-Trace-Id": f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}",
    }
    return {
        "ExecutedVersion": executed_version,
        "Payload": payload,
        "SdkHttpMetadata": {
            "AllHttpHeaders": {k: [v] for k, v in headers.items()},
            "HttpHeaders": headers,
            "HttpStatusCode": status,
        },
        "SdkResponseMetadata": {"RequestId": request_id},
        "StatusCode": status,
    }


def _decode_payload(raw: bytes) -> Any:
    text = raw.decode("utf-8") if raw else ""
    if text == "":
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _service_error(exc: Exception) -> ClientError:
    """A Lambda service error (moto's exception) as the botocore error moto's states expect."""
    status = getattr(exc, "code", 500)
    code = getattr(exc, "error_type", None) or type(exc).__name__
    message = getattr(exc, "message", None) or str(exc)
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status if isinstance(status, int) else 500, "RequestId": str(uuid.uuid4())},
        },
        "Invoke",
    )


def _account_of(function_name: str, env: Any) -> str:
    parts = str(function_name).split(":")
    if len(parts) >= 5 and parts[0] == "arn" and parts[4]:
        return parts[4]
    if len(parts) >= 3 and parts[0].isdigit() and len(parts[0]) == 12:
        return parts[0]  # partial ARN 123456789012:function:name
    return env.aws_execution_details.account


def _authorize_invoke(state_credentials: Any, function_name: str, qualifier: str | None, region: str, account: str) -> None:
    """The state machine's role (or the task's Credentials.RoleArn) must be allowed
    lambda:InvokeFunction on the function, as on AWS; else the task fails Lambda.AccessDeniedException."""
    from . import iam_enforcement

    role_arn = getattr(state_credentials, "role_arn", None) or ""
    if not settings.IAM_ENFORCED or not role_arn.startswith("arn:"):
        return
    params = {"FunctionName": function_name, **({"Qualifier": qualifier} if qualifier else {})}
    [(action, resource)] = iam_enforcement._lambda("Invoke", params, region, account)
    name = getattr(state_credentials, "session_name", None) or session_name(role_arn)
    allowed, message = iam_enforcement.role_allows(role_arn, action, resource, region, session=name)
    if not allowed:
        raise ClientError(
            {
                "Error": {"Code": "AccessDeniedException", "Message": message},
                "ResponseMetadata": {"HTTPStatusCode": 403, "RequestId": str(uuid.uuid4())},
            },
            "Invoke",
        )


def invoke_function(env: Any, parameters: dict, region: str, state_credentials: Any = None) -> dict:
    """Invokes through the local runtime; raises LambdaFunctionErrorException on a function error."""
    from . import lambda_invoke

    function_name = parameters["FunctionName"]
    _authorize_invoke(state_credentials, function_name, parameters.get("Qualifier"), region, _account_of(function_name, env))
    payload = parameters.get("Payload")
    if payload is None:
        payload = b"{}"
    elif not isinstance(payload, bytes):
        payload = lambda_eval_utils.to_payload_type(payload)
    try:
        result = lambda_invoke.invoke(
            function_name,
            payload,
            account_id=_account_of(function_name, env),
            region=region,
            qualifier=parameters.get("Qualifier"),
            invocation_type="RequestResponse",
        )
    except Exception as exc:  # moto's service exceptions: unknown function, throttled, ...
        if hasattr(exc, "error_type") or hasattr(exc, "code"):
            raise _service_error(exc) from exc
        raise
    raw = result.payload or b""
    if result.function_error:
        raise lambda_eval_utils.LambdaFunctionErrorException(result.function_error, raw.decode("utf-8", "replace"))
    return invocation_result(
        result.status,
        _decode_payload(raw),
        result.executed_version or "$LATEST",
        getattr(result, "request_id", None) or str(uuid.uuid4()),
        len(raw),
    )


def _execute_lambda_function_integration(env: Any, parameters: dict, region: str, state_credentials: Any) -> None:
    if env.is_mocked_mode():
        return _moto_execute_lambda_function_integration(env, parameters, region, state_credentials)
    env.stack.append(invoke_function(env, parameters, region, state_credentials))
    return None


_moto_execute_lambda_function_integration = lambda_eval_utils.execute_lambda_function_integration
lambda_eval_utils.execute_lambda_function_integration = _execute_lambda_function_integration


def error_type_of(payload: str) -> str | None:
    """The errorType of a Lambda error payload, or None when the function reported none."""
    try:
        value = json.loads(payload)
    except ValueError:
        return None
    error = value.get("errorType") if isinstance(value, dict) else None
    return error if isinstance(error, str) and error else None


_UNKNOWN_CAUSE = "The cause could not be determined because Lambda did not return an error type. Returned payload: "


def _unknown_error_event(self: Any, env: Any, payload: str, bare: bool) -> FailureEvent:
    cause = _UNKNOWN_CAUSE + payload
    if bare:
        return FailureEvent(
            env=env,
            error_name=CustomErrorName("Lambda.Unknown"),
            event_type=HistoryEventType.LambdaFunctionFailed,
            event_details=EventDetails(
                lambdaFunctionFailedEventDetails=LambdaFunctionFailedEventDetails(error="Lambda.Unknown", cause=cause)
            ),
        )
    return FailureEvent(
        env=env,
        error_name=CustomErrorName("Lambda.Unknown"),
        event_type=HistoryEventType.TaskFailed,
        event_details=EventDetails(
            taskFailedEventDetails=TaskFailedEventDetails(
                error="Lambda.Unknown",
                cause=cause,
                resource=self._get_sfn_resource(),
                resourceType=self._get_sfn_resource_type(),
            )
        ),
    )


def _with_unknown_error(original: Any, bare: bool) -> Any:
    def _from_error(self: Any, env: Any, ex: Exception) -> FailureEvent:
        if isinstance(ex, lambda_eval_utils.LambdaFunctionErrorException) and error_type_of(ex.payload) is None:
            return _unknown_error_event(self, env, ex.payload, bare)
        return original(self, env, ex)

    return _from_error


service_lambda.StateTaskServiceLambda._from_error = _with_unknown_error(  # type: ignore[method-assign]
    service_lambda.StateTaskServiceLambda._from_error, bare=False
)
state_task_lambda.StateTaskLambda._from_error = _with_unknown_error(  # type: ignore[method-assign]
    state_task_lambda.StateTaskLambda._from_error, bare=True
)
