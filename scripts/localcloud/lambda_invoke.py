"""Invoke, as Lambda's API documents it, running the deployed code (lambda_runtime).

- RequestResponse: 200 with the handler's result; a failed invocation answers 200 with
  `X-Amz-Function-Error: Unhandled` and `{errorType, errorMessage, trace}` (`Sandbox.Timedout`
  at the function's Timeout); `X-Amz-Executed-Version`; `X-Amz-Log-Type: Tail` gives the last 4 KB
  of the log, base64, in `X-Amz-Log-Result`. The payload must be JSON
  (InvalidRequestContentException) and at most 6 MB (RequestTooLargeException).
- Event: 202 at once; the invocation runs on a queue. A failed one is retried
  MaximumRetryAttempts times (EventInvokeConfig, default 2), then its record goes to the
  OnFailure destination, else to the DeadLetterConfig target; a successful one to OnSuccess.
  Lambda waits about a minute, then two, between retries; here LOCALCLOUD_ASYNC_RETRY_SECONDS
  (default 1) apart. MaximumEventAgeInSeconds is honoured.
- DryRun: 204 after the checks (the function exists, the caller may invoke it), nothing runs.
- Qualifiers: `$LATEST`, a version, or an alias (which runs the version it points to); in the
  name, the ARN or the Qualifier parameter.
- Concurrency: each execution environment runs one invocation at a time; reserved concurrency
  caps the function's environments (0 throttles every call with TooManyRequestsException,
  Reason ReservedFunctionConcurrentInvocationLimitExceeded).

Every other way moto calls a function (S3 notifications, SNS, SQS and stream mappings, Step
Functions' interpreter through the API) goes through `LambdaFunction.invoke`, patched here too.
LOCALCLOUD_RUNTIME=off restores moto's own (Docker) Invoke; moto's no-Docker stub
(`/moto-api/config` {"lambda": {"use_docker": false}}, which handler tests use to run handlers
in-process) still answers every Invoke without running anything.
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import queue
import threading
import time
import uuid
from dataclasses import dataclass

import moto.awslambda.models as lambda_models
from moto.awslambda.responses import LambdaResponse
from moto.awslambda.exceptions import LambdaClientError, UnknownFunctionException
from moto.awslambda.utils import get_backend

from . import cloudwatch_logs, lambda_runtime, settings

SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024
ASYNC_PAYLOAD_LIMIT = 1024 * 1024
RETRY_SECONDS = float(os.environ.get("LOCALCLOUD_ASYNC_RETRY_SECONDS", "1"))


class TooManyRequestsException(LambdaClientError):
    code = 429

    def __init__(self, message: str, reason: str):
        super().__init__("TooManyRequestsException", message)
        self.description = json.dumps({"Type": "User", "message": message, "Reason": reason})


class InvalidRequestContentException(LambdaClientError):
    code = 400

    def __init__(self, message: str):
        super().__init__("InvalidRequestContentException", message)


class RequestTooLargeException(LambdaClientError):
    code = 413

    def __init__(self, message: str):
        super().__init__("RequestTooLargeException", message)


class InvalidRuntimeException(LambdaClientError):
    code = 502

    def __init__(self, message: str):
        super().__init__("InvalidRuntimeException", message)


@dataclass
class InvokeResult:
    status: int
    payload: bytes
    function_error: str | None
    executed_version: str
    log_tail: str = ""
    request_id: str = ""
    error_type: str | None = None


def resolve(function_ref: str, account_id: str, region: str, qualifier: str | None = None):  # type: ignore[no-untyped-def]
    """(function version, the ARN it was invoked by) for a name, partial or full ARN, with qualifier."""
    if function_ref.startswith("arn:"):
        parts = function_ref.split(":")
        region, account_id = parts[3] or region, parts[4] or account_id
    backend = get_backend(account_id, region)
    fn = backend.get_function(function_ref, qualifier)
    name = fn.function_name
    q = qualifier
    if function_ref.startswith("arn:"):
        parts = function_ref.split(":")
        q = parts[7] if len(parts) > 7 else qualifier
    elif ":" in function_ref:
        q = function_ref.split(":", 1)[1]
    invoked = f"arn:aws:lambda:{region}:{account_id}:function:{name}" + (f":{q}" if q else "")
    return fn, invoked


def _check_payload(payload: bytes, limit: int) -> None:
    if len(payload) > limit:
        raise RequestTooLargeException(f"Request must be smaller than {limit} bytes for the Invoke operation")
    if payload.strip():
        try:
            json.loads(payload)
        except ValueError:
            raise InvalidRequestContentException("Could not parse request body into json: Unexpected character") from None


def _reserved(fn) -> int | None:  # type: ignore[no-untyped-def]
    # Versions are copies of $LATEST; the setting lives on the function (its $LATEST).
    backend = get_backend(fn.account_id, fn.region)
    try:
        latest = backend.get_function(fn.function_name)
    except UnknownFunctionException:
        latest = fn
    value = getattr(latest, "reserved_concurrency", None)
    return None if value in (None, "") else int(value)


def run(fn, payload: bytes, invoked_arn: str, client_context: str | None = None) -> InvokeResult:  # type: ignore[no-untyped-def]
    """One synchronous invocation of a resolved function version."""
    request_id = str(uuid.uuid4())
    try:
        snap = lambda_runtime.snapshot(fn)
        limit = _reserved(fn)
        if limit == 0:
            raise TooManyRequestsException("Rate Exceeded.", "ReservedFunctionConcurrentInvocationLimitExceeded")
        env = lambda_runtime.POOL.acquire(fn, snap, limit)
    except lambda_runtime.RuntimeUnavailable as error:
        raise InvalidRuntimeException(str(error)) from None
    if env is None:
        raise TooManyRequestsException("Rate Exceeded.", "ReservedFunctionConcurrentInvocationLimitExceeded")
    try:
        outcome = env.invoke(request_id, payload or b"{}", invoked_arn, client_context)
        lines = cloudwatch_logs.write(snap, env.log_stream, request_id, outcome.output, outcome)
    finally:
        lambda_runtime.POOL.release(env)
    tail = "\n".join(lines).encode()[-4096:]
    return InvokeResult(
        status=200,
        payload=outcome.body if outcome.body else b"null",
        function_error=None if outcome.ok else "Unhandled",
        executed_version=snap.version,
        log_tail=base64.b64encode(tail).decode(),
        request_id=request_id,
        error_type=None if outcome.ok else (outcome.error_type or "Unhandled"),
    )


def invoke(
    function_ref: str,
    payload: bytes,
    *,
    account_id: str = "123456789012",
    region: str = "us-east-1",
    qualifier: str | None = None,
    invocation_type: str = "RequestResponse",
    client_context: str | None = None,
) -> InvokeResult:
    """Invoke as the API does: RequestResponse, Event or DryRun (see the module docstring)."""
    if isinstance(payload, str):
        payload = payload.encode()
    fn, invoked = resolve(function_ref, account_id, region, qualifier)
    if invocation_type == "DryRun":
        return InvokeResult(204, b"", None, str(fn.version))
    if invocation_type == "Event":
        _check_payload(payload, ASYNC_PAYLOAD_LIMIT)
        ASYNC.submit(fn, payload, invoked)
        return InvokeResult(202, b"", None, str(fn.version))
    _check_payload(payload, SYNC_PAYLOAD_LIMIT)
    return run(fn, payload, invoked, client_context)


# --- asynchronous invocation ---------------------------------------------------------------


def _event_invoke_config(fn) -> dict:  # type: ignore[no-untyped-def]
    backend = get_backend(fn.account_id, fn.region)
    try:
        latest = backend.get_function(fn.function_name)
    except UnknownFunctionException:
        return {}
    version = str(fn.version)
    for config in getattr(latest, "event_invoke_config", []) or []:
        qualifier = config.arn.split(":")[7] if len(config.arn.split(":")) > 7 else "$LATEST"
        if qualifier in (version, "$LATEST") or version == "$LATEST":
            return config.config
    return {}


def _send(target_arn: str, body: str, fn, attributes: dict | None = None) -> None:  # type: ignore[no-untyped-def]
    """Delivers a record to an SQS queue, SNS topic, Lambda function or event bus ARN."""
    parts = target_arn.split(":")
    service, region, account = parts[2], parts[3], parts[4]
    if service == "sqs":
        from moto.sqs.models import sqs_backends

        attrs = {k: {"DataType": "String", "StringValue": str(v)} for k, v in (attributes or {}).items()}
        sqs_backends[account][region].send_message(parts[5], body, message_attributes=attrs)
    elif service == "sns":
        from moto.sns.models import sns_backends

        sns_backends[account][region].publish(body, arn=target_arn)
    elif service == "lambda":
        invoke(target_arn, body.encode(), account_id=account, region=region, invocation_type="Event")
    elif service == "events":
        from moto.events.models import events_backends

        record = json.loads(body)
        events_backends[account][region].put_events(
            [
                {
                    "Source": "lambda",
                    "DetailType": "Lambda Function Invocation Result - "
                    + ("Success" if record.get("requestContext", {}).get("condition") == "Success" else "Failure"),
                    "Detail": body,
                    "EventBusName": target_arn,
                    "Resources": [fn.function_arn],
                }
            ]
        )
    else:
        print(f"localcloud: destination {target_arn} is not a supported target type", flush=True)


class _AsyncQueue:
    """Lambda's internal queue for Event invocations, with retries and destinations."""

    def __init__(self, workers: int = 8) -> None:
        self._queue: queue.Queue = queue.Queue()
        for i in range(workers):
            threading.Thread(target=self._work, daemon=True, name=f"lambda-async-{i}").start()

    def submit(self, fn, payload: bytes, invoked: str) -> None:  # type: ignore[no-untyped-def]
        self._queue.put((fn, payload, invoked, time.time(), 0))

    def _work(self) -> None:
        while True:
            fn, payload, invoked, received, attempt = self._queue.get()
            try:
                self._attempt(fn, payload, invoked, received, attempt)
            except Exception as error:  # keep the worker alive
                print(f"localcloud: async invoke of {invoked} failed: {error!r}", flush=True)

    def _attempt(self, fn, payload: bytes, invoked: str, received: float, attempt: int) -> None:  # type: ignore[no-untyped-def]
        config = _event_invoke_config(fn)
        max_retries = int(config.get("MaximumRetryAttempts", 2))
        max_age = int(config.get("MaximumEventAgeInSeconds", 21600))
        if time.time() - received > max_age:
            return self._fail(fn, payload, invoked, config, attempt, "EventAgeExceeded", None)
        try:
            result = run(fn, payload, invoked)
        except TooManyRequestsException:
            # Throttled events are kept and retried until they are too old.
            threading.Timer(RETRY_SECONDS, self._queue.put, [(fn, payload, invoked, received, attempt)]).start()
            return None
        except LambdaClientError as error:
            print(f"localcloud: async invoke of {invoked}: {error.code} {error}", flush=True)
            return None
        if result.function_error is None:
            destination = ((config.get("DestinationConfig") or {}).get("OnSuccess") or {}).get("Destination")
            if destination:
                _send(destination, json.dumps(_record(fn, payload, invoked, "Success", attempt + 1, result)), fn)
            return None
        if attempt < max_retries:
            threading.Timer(RETRY_SECONDS * (attempt + 1), self._queue.put, [(fn, payload, invoked, received, attempt + 1)]).start()
            return None
        return self._fail(fn, payload, invoked, config, attempt, "RetriesExhausted", result)

    def _fail(self, fn, payload, invoked, config, attempt, condition, result) -> None:  # type: ignore[no-untyped-def]
        destination = ((config.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        if destination:
            _send(destination, json.dumps(_record(fn, payload, invoked, condition, attempt + 1, result)), fn)
            return
        dlq = (getattr(fn, "_iacci_dead_letter_config", None) or {}).get("TargetArn")
        if dlq:
            error = {}
            if result is not None:
                try:
                    error = json.loads(result.payload)
                except ValueError:
                    error = {}
            _send(
                dlq,
                payload.decode() or "{}",
                fn,
                {
                    "RequestID": result.request_id if result else str(uuid.uuid4()),
                    "ErrorCode": "200",
                    "ErrorMessage": str(error.get("errorMessage", condition))[:1024],
                },
            )
            return
        print(f"localcloud: async invoke of {invoked} failed ({condition}); no destination or DLQ: dropped", flush=True)


def _record(fn, payload: bytes, invoked: str, condition: str, count: int, result: InvokeResult | None) -> dict:  # type: ignore[no-untyped-def]
    """An invocation record, as Lambda sends to destinations."""
    try:
        request = json.loads(payload or b"null")
    except ValueError:
        request = None
    record = {
        "version": "1.0",
        "timestamp": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "requestContext": {
            "requestId": result.request_id if result else str(uuid.uuid4()),
            "functionArn": invoked if invoked.count(":") > 6 else invoked + ":$LATEST",
            "condition": condition,
            "approximateInvokeCount": count,
        },
        "requestPayload": request,
    }
    if result is not None:
        response_context = {"statusCode": 200, "executedVersion": result.executed_version}
        if result.function_error:
            response_context["functionError"] = result.function_error
        record["responseContext"] = response_context
        try:
            record["responsePayload"] = json.loads(result.payload)
        except ValueError:
            record["responsePayload"] = result.payload.decode("utf-8", "replace")
    return record


ASYNC = _AsyncQueue()


# --- moto hooks ----------------------------------------------------------------------------

_moto_backend_invoke = lambda_models.LambdaBackend.invoke
_moto_function_invoke = lambda_models.LambdaFunction.invoke


def _header(headers, name: str) -> str | None:  # type: ignore[no-untyped-def]
    if not headers:
        return None
    for key in (name, name.lower()):
        value = headers.get(key) if hasattr(headers, "get") else None
        if value is not None:
            return value
    lowered = {str(k).lower(): v for k, v in dict(headers).items()}
    return lowered.get(name.lower())


def _answer(result: InvokeResult, headers, response_headers) -> bytes:  # type: ignore[no-untyped-def]
    response_headers["x-amz-executed-version"] = result.executed_version
    if result.function_error:
        response_headers["x-amz-function-error"] = result.function_error
    if result.log_tail and (_header(headers, "X-Amz-Log-Type") or "").lower() == "tail":
        response_headers["x-amz-log-result"] = result.log_tail
    return result.payload


def _backend_invoke(self, function_name, qualifier, body, headers, response_headers):  # type: ignore[no-untyped-def]
    if not settings.RUNTIME_ON:
        return _moto_backend_invoke(self, function_name, qualifier, body, headers, response_headers)
    payload = body.encode() if isinstance(body, str) else (body or b"")
    result = invoke(
        function_name,
        payload,
        account_id=self.account_id,
        region=self.region_name,
        qualifier=qualifier,
        invocation_type=_header(headers, "X-Amz-Invocation-Type") or "RequestResponse",
        client_context=_client_context(headers),
    )
    data = _answer(result, headers, response_headers)
    response_headers["Content-Length"] = str(len(data))
    return data


def _client_context(headers) -> str | None:  # type: ignore[no-untyped-def]
    encoded = _header(headers, "X-Amz-Client-Context")
    if not encoded:
        return None
    try:
        return base64.b64decode(encoded).decode()
    except ValueError:
        return None


def _stubbed() -> bool:
    """moto's no-Docker stub is on (`/moto-api/config` lambda.use_docker = false): nothing runs."""
    from moto.core.config import default_user_config

    return default_user_config.get("lambda", {}).get("use_docker", True) is False


def _function_invoke(self, body, request_headers, response_headers):  # type: ignore[no-untyped-def]
    """moto's internal path (S3, SNS, SQS, streams): synchronous unless the caller asks for Event."""
    if not settings.RUNTIME_ON or _stubbed():
        return _moto_function_invoke(self, body, request_headers, response_headers)
    payload = body.encode() if isinstance(body, str) else (body or b"{}")
    if (_header(request_headers, "X-Amz-Invocation-Type") or "") == "Event":
        ASYNC.submit(self, payload, self.function_arn)
        return b""
    result = run(self, payload, self.function_arn)
    return _answer(result, request_headers, response_headers)


_moto_response_invoke = LambdaResponse.invoke


def _response_invoke(self):  # type: ignore[no-untyped-def]
    # The SDKs send the qualifier as `?Qualifier=`; moto reads `qualifier` and so never sees it
    # (an alias or version invoke ran $LATEST).
    qualifier = self.querystring.get("Qualifier") or self.querystring.get("qualifier")
    if qualifier and not self._get_param("qualifier"):
        self.querystring["qualifier"] = qualifier
    return _moto_response_invoke(self)


LambdaResponse.invoke = _response_invoke  # type: ignore[method-assign]
lambda_models.LambdaBackend.invoke = _backend_invoke  # type: ignore[method-assign]
lambda_models.LambdaFunction.invoke = _function_invoke  # type: ignore[method-assign]
