"""cloudwatch_cbor: the CBOR codec (RFC 8949) and CloudWatch served over Smithy RPC v2 CBOR.

The codec is checked against RFC 8949 Appendix A's examples; the route against a threaded moto
server with the local cloud loaded, called as the provider's Go SDK calls it (signed POST to
/service/GraniteServiceVersion20100801/operation/<Operation>, `smithy-protocol: rpc-v2-cbor`).
"""

import os
import tempfile
import unittest
import urllib.error
import urllib.request
import uuid

os.environ.setdefault("LOCALCLOUD_HOME", tempfile.mkdtemp(prefix="localcloud-test-"))

from botocore.auth import SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402
from localcloud import iam_enforcement  # noqa: E402
from localcloud.cloudwatch_cbor import SERVICE, Tag, decode, encode  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

# (encoded hex, value) pairs from RFC 8949 Appendix A.
RFC_EXAMPLES = [
    ("00", 0),
    ("17", 23),
    ("1818", 24),
    ("1903e8", 1000),
    ("1b000000e8d4a51000", 1000000000000),
    ("20", -1),
    ("3903e7", -1000),
    ("f4", False),
    ("f5", True),
    ("f6", None),
    ("fb3ff199999999999a", 1.1),
    ("40", b""),
    ("4401020304", b"\x01\x02\x03\x04"),
    ("60", ""),
    ("6449455446", "IETF"),
    ("62c3bc", "\u00fc"),
    ("83010203", [1, 2, 3]),
    ("a201020304", {1: 2, 3: 4}),
    ("a26161016162820203", {"a": 1, "b": [2, 3]}),
    ("c11a514b67b0", Tag(1, 1363896240)),
]
# Encodings only a decoder meets: half/single floats and indefinite lengths.
RFC_DECODE_ONLY = [
    ("f93c00", 1.0),
    ("fa47c35000", 100000.0),
    ("5f42010243030405ff", b"\x01\x02\x03\x04\x05"),
    ("7f657374726561646d696e67ff", "streaming"),
    ("9f018202039f0405ffff", [1, [2, 3], [4, 5]]),
    ("bf61610161629f0203ffff", {"a": 1, "b": [2, 3]}),
    ("c1fb41d452d9ec200000", Tag(1, 1363896240.5)),
]


class Codec(unittest.TestCase):
    def test_encodes_as_rfc_8949_shows(self) -> None:
        for hex_text, value in RFC_EXAMPLES:
            with self.subTest(value=value):
                self.assertEqual(encode(value).hex(), hex_text)

    def test_decodes_every_rfc_example(self) -> None:
        for hex_text, value in RFC_EXAMPLES + RFC_DECODE_ONLY:
            with self.subTest(encoded=hex_text):
                self.assertEqual(decode(bytes.fromhex(hex_text)), value)

    def test_rejects_truncated_and_trailing_bytes(self) -> None:
        with self.assertRaisesRegex(ValueError, "truncated"):
            decode(bytes.fromhex("8201"))
        with self.assertRaisesRegex(ValueError, "1 bytes after the CBOR data item"):
            decode(bytes.fromhex("0101"))
        with self.assertRaisesRegex(TypeError, "cannot encode set"):
            encode({1, 2})


class CborRoute(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
        cls.server.start()
        host, port = cls.server.get_host_and_port()
        cls.endpoint = f"http://{host}:{port}"

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.stop()

    def call(self, operation: str, body: dict) -> tuple[int, dict, object]:
        iam_enforcement.create_admin()  # another test may have reset moto's backends
        url = f"{self.endpoint}/service/{SERVICE}/operation/{operation}"
        headers = {"Content-Type": "application/cbor", "Accept": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}
        request = AWSRequest(method="POST", url=url, data=encode(body), headers=headers)
        credentials = Credentials(iam_enforcement.ADMIN_ACCESS_KEY_ID, iam_enforcement.ADMIN_SECRET_ACCESS_KEY)
        SigV4Auth(credentials, "monitoring", "us-east-1").add_auth(request)
        sent = urllib.request.Request(url, data=request.body, headers=dict(request.headers), method="POST")
        try:
            with urllib.request.urlopen(sent) as answer:
                return answer.status, dict(answer.headers), decode(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), decode(error.read())

    def test_put_then_describe_an_alarm_in_cbor(self) -> None:
        name = f"errors-{uuid.uuid4().hex[:8]}"
        status, headers, _ = self.call(
            "PutMetricAlarm",
            {
                "AlarmName": name,
                "Namespace": "AWS/Lambda",
                "MetricName": "Errors",
                "Dimensions": [{"Name": "FunctionName", "Value": "fn"}],
                "Statistic": "Sum",
                "Period": 60,
                "EvaluationPeriods": 1,
                "Threshold": 1.0,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            },
        )
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("smithy-protocol"), "rpc-v2-cbor")
        status, _, described = self.call("DescribeAlarms", {"AlarmNames": [name]})
        self.assertEqual(status, 200)
        assert isinstance(described, dict)
        [alarm] = described["MetricAlarms"]
        self.assertEqual((alarm["AlarmName"], alarm["MetricName"], alarm["Threshold"]), (name, "Errors", 1.0))
        # Timestamps travel as CBOR tag 1 (epoch seconds), as the output shape says.
        self.assertIsInstance(alarm["AlarmConfigurationUpdatedTimestamp"], Tag)
        self.assertEqual(alarm["AlarmConfigurationUpdatedTimestamp"].tag, 1)

    def test_an_error_keeps_its_type_and_message(self) -> None:
        status, headers, error = self.call(
            "SetAlarmState", {"AlarmName": "no-such-alarm", "StateValue": "ALARM", "StateReason": "test"}
        )
        self.assertEqual(status, 404)
        self.assertEqual(headers.get("smithy-protocol"), "rpc-v2-cbor")
        assert isinstance(error, dict)
        # Clients read the shape name after any `namespace#` (Smithy RPC v2 CBOR errors).
        self.assertEqual(str(error["__type"]).rsplit("#", 1)[-1], "ResourceNotFound")
        self.assertIn("message", error)


if __name__ == "__main__":
    unittest.main()
