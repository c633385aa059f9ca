"""dynamodb_streams: stream mappings deliver each record once, in order, off the request path.

moto's backends are used in-process. The runtime is a fake `lambda_invoke.invoke` in most tests;
the last test runs a real Node.js function through the local runtime (skipped without Node 22).
"""

import base64
import io
import json
import os
import tempfile
import threading
import time
import unittest
import uuid
import zipfile
from pathlib import Path
from unittest import mock

os.environ.setdefault("LOCALCLOUD_HOME", tempfile.mkdtemp(prefix="localcloud-test-"))
_TOOLCHAIN = Path.home() / ".cache" / "iac-ci-toolchain"
if (_TOOLCHAIN / "node-22").is_dir():
    os.environ.setdefault("LOCALCLOUD_NODE_HOME", str(_TOOLCHAIN))

from localcloud import dynamodb_streams as ds  # noqa: E402
from localcloud import lambda_invoke, lambda_runtime  # noqa: E402
from moto.awslambda.models import lambda_backends  # noqa: E402
from moto.dynamodb.models import dynamodb_backends  # noqa: E402
from moto.dynamodbstreams.models import dynamodbstreams_backends  # noqa: E402
from moto.iam.models import iam_backends  # noqa: E402
from moto.sqs.models import sqs_backends  # noqa: E402

ACCOUNT, REGION = "123456789012", "us-east-1"
TRUST = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
)
HANDLER = """
exports.handler = async (event) => {
  console.log("EVENT " + JSON.stringify(event));
  if (event.Records.some((r) => r.dynamodb.NewImage && r.dynamodb.NewImage.fail)) throw new Error("boom");
  return { n: event.Records.length };
};
"""


def role_arn() -> str:
    iam = iam_backends[ACCOUNT]["global"]
    try:
        return iam.get_role("stream-test-role").arn
    except Exception:
        return iam.create_role("stream-test-role", TRUST, "/", None, "", [], None).arn


def zipped(source: str) -> str:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("index.js", source)
    return base64.b64encode(data.getvalue()).decode()


def wait_for(condition, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return bool(condition())


class Result:
    def __init__(self, function_error: str | None = None) -> None:
        self.status = 200
        self.payload = b"null"
        self.function_error = function_error
        self.executed_version = "$LATEST"
        self.request_id = str(uuid.uuid4())


class FakeRuntime:
    """lambda_invoke.invoke: records each event; fails a batch holding an item with `fail`."""

    def __init__(self) -> None:
        self.events: list = []
        self.gate = threading.Event()
        self.gate.set()

    def invoke(self, function_ref, payload, **kwargs):  # type: ignore[no-untyped-def]
        self.gate.wait(10)
        event = json.loads(payload)
        self.events.append(event)
        failing = any("fail" in (r["dynamodb"].get("NewImage") or {}) for r in event["Records"])
        return Result("Unhandled" if failing else None)

    def keys(self) -> list:
        return [[r["dynamodb"]["Keys"]["id"]["S"] for r in e["Records"]] for e in self.events]


class Stack:
    """A table with a stream, a function and a mapping on the stream, in moto's backends."""

    def __init__(self, test: unittest.TestCase, on_failure: bool = False, **mapping: object) -> None:
        name = f"t{uuid.uuid4().hex[:10]}"
        self.ddb = dynamodb_backends[ACCOUNT][REGION]
        self.lam = lambda_backends[ACCOUNT][REGION]
        self.table = self.ddb.create_table(
            name,
            schema=[{"AttributeName": "id", "KeyType": "HASH"}],
            throughput=None,
            attr=[{"AttributeName": "id", "AttributeType": "S"}],
            global_indexes=None,
            indexes=None,
            streams={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
            billing_mode="PAY_PER_REQUEST",
            sse_specification=None,
            tags=[],
            deletion_protection_enabled=False,
            warm_throughput=None,
        )
        self.stream_arn = f"{self.table.table_arn}/stream/{self.table.latest_stream_label}"
        self.queue = sqs_backends[ACCOUNT][REGION].create_queue(f"{name}-failures")
        self.fn = self.lam.create_function(
            {
                "FunctionName": f"{name}-fn",
                "Runtime": "nodejs22.x",
                "Role": role_arn(),
                "Handler": "index.handler",
                "Code": {"ZipFile": zipped(HANDLER)},
                "Timeout": 10,
            }
        )
        spec = {"EventSourceArn": self.stream_arn, "FunctionName": self.fn.function_name, "StartingPosition": "TRIM_HORIZON"}
        if on_failure:
            spec["DestinationConfig"] = {"OnFailure": {"Destination": self.queue.queue_arn}}
        self.esm = self.lam.create_event_source_mapping({**spec, **mapping})
        test.addCleanup(self.close)

    def put(self, key: str, **attrs: str) -> None:
        self.ddb.put_item(self.table.name, {"id": {"S": key}, **{k: {"S": v} for k, v in attrs.items()}})

    def failures(self) -> list:
        messages = sqs_backends[ACCOUNT][REGION].receive_message(self.queue.name, 10, 0, 30)
        return [json.loads(m.body) for m in messages]

    def close(self) -> None:
        self.lam.delete_event_source_mapping(self.esm.uuid)  # its poller stops


class DeliveryTest(unittest.TestCase):
    def setUp(self) -> None:
        self.runtime = FakeRuntime()
        patcher = mock.patch.object(lambda_invoke, "invoke", self.runtime.invoke)
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_one_write_is_one_delivery_of_that_record_off_the_request_path(self) -> None:
        stack = Stack(self)
        self.runtime.gate.clear()  # the function is busy: PutItem must not wait for it
        started = time.monotonic()
        stack.put("a", v="1")
        self.assertLess(time.monotonic() - started, 0.5)
        self.runtime.gate.set()
        self.assertTrue(wait_for(lambda: len(self.runtime.events) == 1))
        time.sleep(1.0)  # no re-delivery later
        self.assertEqual(self.runtime.keys(), [["a"]])
        record = self.runtime.events[0]["Records"][0]
        self.assertEqual(
            {k: record[k] for k in ("eventName", "eventVersion", "eventSource", "awsRegion", "eventSourceARN")},
            {"eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb", "awsRegion": REGION, "eventSourceARN": stack.stream_arn},
        )
        self.assertTrue(record["eventID"])
        dynamodb = record["dynamodb"]
        self.assertEqual(dynamodb["Keys"], {"id": {"S": "a"}})
        self.assertEqual(dynamodb["NewImage"], {"id": {"S": "a"}, "v": {"S": "1"}})
        self.assertNotIn("OldImage", dynamodb)  # an INSERT has no old image
        self.assertEqual(dynamodb["StreamViewType"], "NEW_AND_OLD_IMAGES")
        self.assertIsInstance(dynamodb["ApproximateCreationDateTime"], int)
        self.assertAlmostEqual(dynamodb["ApproximateCreationDateTime"], time.time(), delta=30)
        self.assertEqual(dynamodb["SequenceNumber"], str(stack.table.stream_shard.starting_sequence_number))
        self.assertGreater(dynamodb["SizeBytes"], 0)

    def test_three_writes_each_record_once_in_order(self) -> None:
        stack = Stack(self)
        stack.put("a", v="1")
        stack.put("b", v="1")
        stack.put("a", v="2")
        self.assertTrue(wait_for(lambda: sum(len(k) for k in self.runtime.keys()) >= 3))
        time.sleep(1.0)
        records = [r for e in self.runtime.events for r in e["Records"]]
        self.assertEqual([(r["eventName"], r["dynamodb"]["Keys"]["id"]["S"]) for r in records], [("INSERT", "a"), ("INSERT", "b"), ("MODIFY", "a")])
        self.assertEqual(len({r["eventID"] for r in records}), 3)
        self.assertEqual(records[2]["dynamodb"]["OldImage"], {"id": {"S": "a"}, "v": {"S": "1"}})

    def test_a_failing_batch_is_retried_then_sent_to_on_failure_and_delivery_moves_on(self) -> None:
        stack = Stack(self, on_failure=True, MaximumRetryAttempts=2)
        with mock.patch.object(ds, "RETRY_SECONDS", 0.01):
            stack.put("bad", fail="yes")
            self.assertTrue(wait_for(lambda: len(self.runtime.events) == 3))
            stack.put("good")
            self.assertTrue(wait_for(lambda: len(self.runtime.events) == 4))
            time.sleep(0.5)
        self.assertEqual(self.runtime.keys(), [["bad"], ["bad"], ["bad"], ["good"]])
        self.assertEqual(self.runtime.events[0], self.runtime.events[2])  # the same batch each time
        failures = stack.failures()
        self.assertEqual(len(failures), 1)
        failure = failures[0]
        self.assertEqual(failure["requestContext"]["condition"], "RetryAttemptsExhausted")
        self.assertEqual(failure["requestContext"]["approximateInvokeCount"], 3)
        self.assertEqual(failure["requestContext"]["functionArn"], stack.fn.function_arn)
        self.assertEqual(failure["responseContext"], {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"})
        seq = self.runtime.events[0]["Records"][0]["dynamodb"]["SequenceNumber"]
        info = failure["DDBStreamBatchInfo"]
        self.assertEqual(
            {k: info[k] for k in ("shardId", "startSequenceNumber", "endSequenceNumber", "batchSize", "streamArn")},
            {"shardId": stack.table.stream_shard.id, "startSequenceNumber": seq, "endSequenceNumber": seq, "batchSize": 1, "streamArn": stack.stream_arn},
        )
        self.assertRegex(info["approximateArrivalOfFirstRecord"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(failure["version"], "1.0")

    def test_a_disabled_mapping_delivers_nothing(self) -> None:
        stack = Stack(self, Enabled=False)
        self.assertEqual(stack.esm.get_configuration()["State"], "Disabled")
        stack.put("a")
        stack.put("b")
        time.sleep(1.5)
        self.assertEqual(self.runtime.events, [])

    def test_batch_size_and_resuming_when_enabled(self) -> None:
        stack = Stack(self, Enabled=False, BatchSize=2)
        for key in "abcde":
            stack.put(key)
        time.sleep(0.6)
        self.assertEqual(self.runtime.events, [])
        stack.lam.update_event_source_mapping(stack.esm.uuid, {"Enabled": True})
        self.assertTrue(wait_for(lambda: len(self.runtime.events) == 3))
        time.sleep(0.6)
        self.assertEqual(self.runtime.keys(), [["a", "b"], ["c", "d"], ["e"]])

    def test_get_records_still_returns_the_delivered_records(self) -> None:
        stack = Stack(self)
        stack.put("a")
        stack.put("b")
        self.assertTrue(wait_for(lambda: sum(len(k) for k in self.runtime.keys()) == 2))
        streams = dynamodbstreams_backends[ACCOUNT][REGION]
        iterator = streams.get_shard_iterator(stack.stream_arn, stack.table.stream_shard.id, "TRIM_HORIZON")
        records = streams.get_records(iterator.arn, 100)["Records"]
        self.assertEqual([r["dynamodb"]["Keys"]["id"]["S"] for r in records], ["a", "b"])

    def test_runtime_off_keeps_moto_s_behaviour(self) -> None:
        stack = Stack(self, Enabled=False)
        with mock.patch.object(ds.settings, "RUNTIME_ON", False), mock.patch.object(ds, "_moto_add") as moto_add:
            stack.put("a")
        moto_add.assert_called_once()


def _node_available() -> bool:
    try:
        lambda_runtime.node_binary("nodejs22.x")
        return True
    except lambda_runtime.RuntimeUnavailable:
        return False


@unittest.skipUnless(_node_available(), "Node.js 22 is not installed for the local cloud")
class RealFunctionTest(unittest.TestCase):
    def test_a_deployed_function_gets_the_event_and_its_failure_goes_to_on_failure(self) -> None:
        stack = Stack(self, on_failure=True, MaximumRetryAttempts=1)
        failures: list = []
        with mock.patch.object(ds, "RETRY_SECONDS", 0.01):
            stack.put("ok", v="1")
            stack.put("bad", fail="yes")
            self.assertTrue(wait_for(lambda: failures.extend(stack.failures()) or failures, timeout=30))
        self.assertEqual(failures[0]["requestContext"]["condition"], "RetryAttemptsExhausted")
        self.assertEqual(failures[0]["requestContext"]["approximateInvokeCount"], 2)
        self.assertEqual(failures[0]["responseContext"]["functionError"], "Unhandled")
        from moto.logs.models import logs_backends

        def logged() -> list:
            group = logs_backends[ACCOUNT][REGION].groups.get(f"/aws/lambda/{stack.fn.function_name}")
            lines = [e.message for s in (group.streams.values() if group else []) for e in s.events]
            return [json.loads(line.split("EVENT ", 1)[1]) for line in lines if "\tEVENT " in line]

        events = logged()
        keys = [[r["dynamodb"]["Keys"]["id"]["S"] for r in e["Records"]] for e in events]
        # "ok" alone or in a batch with "bad": once on its own, or twice within the failing batch
        self.assertIn(keys, ([["ok"], ["bad"], ["bad"]], [["ok", "bad"], ["ok", "bad"]]))
        self.assertEqual(events[0]["Records"][0]["eventSourceARN"], stack.stream_arn)


if __name__ == "__main__":
    unittest.main()
