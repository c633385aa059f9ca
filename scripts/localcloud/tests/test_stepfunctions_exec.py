"""stepfunctions_exec: executions run in moto's interpreter, Lambda tasks through the runtime's invoke.

The runtime is replaced by a fake `lambda_invoke.invoke` here; the interpreter, Retry, Catch,
result selection and timeouts are moto's, as in the server.
"""

import json
import logging
import os
import sys
import time
import types
import unittest
import uuid
from unittest import mock

from localcloud import stepfunctions_exec as sx
from moto.stepfunctions.parser.models import stepfunctions_parser_backends

logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)  # the interpreter logs each failure

ACCOUNT, REGION = "123456789012", "us-east-1"
_TRUST = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
)


def machine_role(name: str, resources: list[str]) -> str:
    """A state machine role allowed lambda:InvokeFunction on `resources` only."""
    from moto.iam.models import iam_backends

    iam = iam_backends[ACCOUNT]["aws"]
    try:
        return iam.get_role(name).arn
    except Exception:  # noqa: BLE001
        arn = iam.create_role(name, _TRUST, "/", None, "", [], None).arn
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": resources}]}
        iam.put_role_policy(name, "invoke", json.dumps(policy))
        return arn


ROLE = machine_role("machine-role", ["*"])


class Result:
    def __init__(self, payload: object, function_error: str | None = None, status: int = 200) -> None:
        self.status = status
        self.payload = json.dumps(payload).encode()
        self.function_error = function_error
        self.executed_version = "$LATEST"


class FakeRuntime:
    """lambda_invoke.invoke: answers per function from a script; records the calls."""

    def __init__(self, script: dict) -> None:
        self.script = script
        self.calls: list = []

    def invoke(self, function_ref, payload, account_id="", region="", qualifier=None, invocation_type="RequestResponse"):  # type: ignore[no-untyped-def]
        self.calls.append((function_ref, json.loads(payload), account_id, region, invocation_type))
        answer = self.script[function_ref.split(":")[-1]]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            answer = answer(json.loads(payload))
        return answer


def lambda_task(name: str, **extra: object) -> dict:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}", "Payload.$": "$"},
        **extra,
    }


def run(definition: dict, execution_input: dict, runtime: FakeRuntime, timeout: float = 20, role: str = ROLE) -> object:
    fake_module = types.SimpleNamespace(invoke=runtime.invoke)
    with mock.patch.dict(sys.modules, {"localcloud.lambda_invoke": fake_module}), mock.patch(
        "localcloud.lambda_invoke", fake_module, create=True
    ):
        backend = stepfunctions_parser_backends[ACCOUNT][REGION]
        machine = backend.create_state_machine(name=f"m-{uuid.uuid4().hex[:8]}", definition=json.dumps(definition), roleArn=role)
        execution = backend.start_execution(machine.arn, execution_input=json.dumps(execution_input))
        deadline = time.monotonic() + timeout
        while execution.status == "RUNNING" and time.monotonic() < deadline:
            time.sleep(0.05)
        return execution


class ExecutionTest(unittest.TestCase):
    def test_two_lambda_steps_pass_the_payload_on(self) -> None:
        runtime = FakeRuntime({"one": lambda e: Result({"n": e["n"] + 1}), "two": lambda e: Result({"n": e["n"] * 10})})
        definition = {
            "StartAt": "One",
            "States": {
                "One": lambda_task("one", OutputPath="$.Payload", Next="Two"),
                "Two": lambda_task("two", End=True),
            },
        }
        execution = run(definition, {"n": 1}, runtime)
        self.assertEqual(execution.status, "SUCCEEDED")
        output = execution.output
        self.assertEqual(output["Payload"], {"n": 20})
        self.assertEqual(output["StatusCode"], 200)
        self.assertEqual(output["ExecutedVersion"], "$LATEST")
        self.assertEqual(output["SdkHttpMetadata"]["HttpStatusCode"], 200)
        self.assertEqual(output["SdkHttpMetadata"]["HttpHeaders"]["X-Amz-Executed-Version"], "$LATEST")
        self.assertIn("RequestId", output["SdkResponseMetadata"])
        self.assertEqual([c[1] for c in runtime.calls], [{"n": 1}, {"n": 2}])
        self.assertEqual({(c[2], c[3], c[4]) for c in runtime.calls}, {(ACCOUNT, REGION, "RequestResponse")})

    def test_a_function_error_is_the_task_error_for_retry_then_catch(self) -> None:
        error = {"errorType": "ValidationError", "errorMessage": "bad row", "trace": []}
        runtime = FakeRuntime({"bad": Result(error, function_error="Unhandled")})
        definition = {
            "StartAt": "Bad",
            "States": {
                "Bad": lambda_task(
                    "bad",
                    Retry=[{"ErrorEquals": ["ValidationError"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1}],
                    Catch=[{"ErrorEquals": ["ValidationError"], "ResultPath": "$.error", "Next": "Caught"}],
                    End=True,
                ),
                "Caught": {"Type": "Pass", "End": True},
            },
        }
        with mock.patch.dict(os.environ, {"LOCALCLOUD_SFN_WAIT_SCALE": "0.01"}):
            execution = run(definition, {"id": 7}, runtime)
        self.assertEqual(execution.status, "SUCCEEDED")
        self.assertEqual(len(runtime.calls), 3)  # the first attempt and two retries
        self.assertEqual(execution.output["id"], 7)
        self.assertEqual(execution.output["error"]["Error"], "ValidationError")
        self.assertEqual(json.loads(execution.output["error"]["Cause"]), error)

    def test_an_uncaught_timeout_fails_the_execution_with_the_error_type(self) -> None:
        error = {"errorType": "Sandbox.Timedout", "errorMessage": "Task timed out after 1.00 seconds"}
        runtime = FakeRuntime({"slow": Result(error, function_error="Unhandled")})
        execution = run({"StartAt": "Slow", "States": {"Slow": lambda_task("slow", End=True)}}, {}, runtime)
        self.assertEqual(execution.status, "FAILED")
        self.assertEqual(execution.error, "Sandbox.Timedout")
        self.assertEqual(json.loads(execution.cause), error)

    def test_a_function_error_without_type_is_lambda_unknown(self) -> None:
        runtime = FakeRuntime({"odd": Result("boom", function_error="Unhandled")})
        execution = run({"StartAt": "Odd", "States": {"Odd": lambda_task("odd", End=True)}}, {}, runtime)
        self.assertEqual(execution.status, "FAILED")
        self.assertEqual(execution.error, "Lambda.Unknown")
        self.assertIn("did not return an error type", execution.cause)

    def test_a_bare_function_arn_returns_the_function_result(self) -> None:
        runtime = FakeRuntime({"echo": lambda e: Result({"got": e})})
        definition = {
            "StartAt": "Echo",
            "States": {"Echo": {"Type": "Task", "Resource": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:echo", "End": True}},
        }
        execution = run(definition, {"a": 1}, runtime)
        self.assertEqual(execution.status, "SUCCEEDED")
        self.assertEqual(execution.output, {"got": {"a": 1}})

    def test_unknown_function_is_a_lambda_service_error(self) -> None:
        from moto.awslambda.exceptions import UnknownFunctionException

        runtime = FakeRuntime({"gone": UnknownFunctionException(f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:gone")})
        execution = run({"StartAt": "Gone", "States": {"Gone": lambda_task("gone", End=True)}}, {}, runtime)
        self.assertEqual(execution.status, "FAILED")
        self.assertEqual(execution.error, "Lambda.ResourceNotFoundException")
        self.assertIn("Function not found", execution.cause)

    def test_the_machine_role_must_allow_invoking_the_function(self) -> None:
        narrow = machine_role("narrow-machine-role", [f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:one"])
        runtime = FakeRuntime({"one": Result({"ok": 1}), "two": Result({"ok": 2})})
        allowed = run({"StartAt": "One", "States": {"One": lambda_task("one", End=True)}}, {}, runtime, role=narrow)
        self.assertEqual(allowed.status, "SUCCEEDED")
        denied = run({"StartAt": "Two", "States": {"Two": lambda_task("two", End=True)}}, {}, runtime, role=narrow)
        self.assertEqual(denied.status, "FAILED")
        self.assertEqual(denied.error, "Lambda.AccessDeniedException")
        self.assertIn("assumed-role/narrow-machine-role/", denied.cause)
        self.assertIn(f"is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:{REGION}:{ACCOUNT}:function:two", denied.cause)
        self.assertEqual([c[0].split(":")[-1] for c in runtime.calls], ["one"])  # the denied function never ran
        with mock.patch.object(sx.settings, "IAM_ENFORCED", False):
            self.assertEqual(run({"StartAt": "Two", "States": {"Two": lambda_task("two", End=True)}}, {}, runtime, role=narrow).status, "SUCCEEDED")

    def test_task_timeout_is_states_timeout(self) -> None:
        def slow(_event: object) -> Result:
            time.sleep(3)
            return Result({})

        runtime = FakeRuntime({"slow": slow})
        execution = run({"StartAt": "S", "States": {"S": lambda_task("slow", TimeoutSeconds=1, End=True)}}, {}, runtime)
        self.assertEqual(execution.status, "FAILED")
        self.assertEqual(execution.error, "States.Timeout")

    def test_unnamed_executions_get_distinct_uuid_names(self) -> None:
        backend = stepfunctions_parser_backends[ACCOUNT][REGION]
        machine = backend.create_state_machine(
            name=f"m-{uuid.uuid4().hex[:8]}", definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}), roleArn=ROLE
        )
        first = backend.start_execution(machine.arn, execution_input="{}")
        second = backend.start_execution(machine.arn, execution_input="{}")
        self.assertNotEqual(first.name, second.name)
        self.assertRegex(first.name, r"^[0-9a-f-]{36}$")


class WaitTest(unittest.TestCase):
    def test_wait_state_takes_its_seconds_times_the_scale(self) -> None:
        definition = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 2, "Next": "D"}, "D": {"Type": "Succeed"}}}
        started = time.monotonic()
        execution = run(definition, {}, FakeRuntime({}))
        self.assertEqual(execution.status, "SUCCEEDED")
        self.assertGreaterEqual(time.monotonic() - started, 2.0)
        with mock.patch.dict(os.environ, {"LOCALCLOUD_SFN_WAIT_SCALE": "0.05"}):
            started = time.monotonic()
            execution = run(dict(definition, States=dict(definition["States"], W={"Type": "Wait", "Seconds": 20, "Next": "D"})), {}, FakeRuntime({}))
            self.assertEqual(execution.status, "SUCCEEDED")
            self.assertLess(time.monotonic() - started, 5)

    def test_scale_setting(self) -> None:
        for value, expected in [("0.5", 0.5), ("oops", 1.0), ("-1", 1.0), ("0", 0.0)]:
            with mock.patch.dict(os.environ, {"LOCALCLOUD_SFN_WAIT_SCALE": value}):
                self.assertEqual(sx.wait_scale(), expected)


class CredentialsTest(unittest.TestCase):
    def test_session_names_are_32_letters_per_execution(self) -> None:
        a = sx.session_name("arn:aws:states:us-east-1:123456789012:execution:m:1")
        self.assertRegex(a, r"^[A-Za-z]{32}$")
        self.assertEqual(a, sx.session_name("arn:aws:states:us-east-1:123456789012:execution:m:1"))
        self.assertNotEqual(a, sx.session_name("arn:aws:states:us-east-1:123456789012:execution:m:2"))

    def test_every_interpreter_client_acts_with_the_role(self) -> None:
        bound = [
            name
            for name, module in list(sys.modules.items())
            if name.startswith("moto.stepfunctions.parser") and getattr(module, "boto_client_for", None) is not None
        ]
        self.assertTrue(bound)
        for name in bound:
            self.assertIs(sys.modules[name].boto_client_for, sx._boto_client_for, name)  # type: ignore[attr-defined]

    def test_role_credentials_come_from_sts(self) -> None:
        creds = types.SimpleNamespace(role_arn=ROLE, session_name="abc", account=ACCOUNT)
        keys = sx.role_credentials(creds)
        self.assertTrue(keys["AccessKeyId"].startswith("ASIA"))
        self.assertTrue(keys["SessionToken"])
        from moto.sts.models import sts_backends

        arns = [r.arn for r in sts_backends[ACCOUNT]["aws"].assumed_roles]
        self.assertIn(f"arn:aws:sts::{ACCOUNT}:assumed-role/machine-role/abc", arns)


if __name__ == "__main__":
    unittest.main()
