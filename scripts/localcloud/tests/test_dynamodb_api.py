"""dynamodb_api: concurrent item writes answer their own images, as AWS's do.

A threaded moto server (the way the local cloud serves requests) with the local cloud loaded;
boto3 clients in threads race UpdateItem `ADD version :one` on one new item.
"""

import os
import tempfile
import threading
import unittest
import uuid

os.environ.setdefault("LOCALCLOUD_HOME", tempfile.mkdtemp(prefix="localcloud-test-"))

import boto3  # noqa: E402
from localcloud import dynamodb_api  # noqa: E402, F401  (the patch under test)
from localcloud import iam_enforcement  # noqa: E402  (requests are signed as the local cloud's admin)
from moto.server import ThreadedMotoServer  # noqa: E402


class ConcurrentUpdates(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
        cls.server.start()
        host, port = cls.server.get_host_and_port()
        cls.endpoint = f"http://{host}:{port}"
        iam_enforcement.create_admin()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.stop()

    def client(self):  # type: ignore[no-untyped-def]
        iam_enforcement.create_admin()  # another test may have reset moto's backends
        return boto3.client(
            "dynamodb",
            region_name="us-east-1",
            endpoint_url=self.endpoint,
            aws_access_key_id=iam_enforcement.ADMIN_ACCESS_KEY_ID,
            aws_secret_access_key=iam_enforcement.ADMIN_SECRET_ACCESS_KEY,
        )

    def test_each_concurrent_update_answers_its_own_new_and_old_version(self) -> None:
        table = f"race-{uuid.uuid4().hex[:8]}"
        self.client().create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        writers = 12
        new_versions: list[int] = []
        old_versions: list[int] = []
        errors: list[Exception] = []
        start = threading.Barrier(writers)

        def update(return_values: str, into: list[int]) -> None:
            client = self.client()
            start.wait()
            try:
                out = client.update_item(
                    TableName=table,
                    Key={"pk": {"S": "user#frank"}},
                    UpdateExpression="SET submissionCount = :s ADD version :one",
                    ExpressionAttributeValues={":s": {"N": "1"}, ":one": {"N": "1"}},
                    ReturnValues=return_values,
                )
                into.append(int(out.get("Attributes", {}).get("version", {"N": "0"})["N"]))
            except Exception as err:  # noqa: BLE001
                errors.append(err)

        threads = [
            threading.Thread(target=update, args=("ALL_NEW", new_versions) if i % 2 else ("ALL_OLD", old_versions))
            for i in range(writers)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(errors, [])
        # Every update saw a distinct version: exactly one created the item (old image empty,
        # new image version 1 for at most one), and the old and new images never repeat.
        stored = int(self.client().get_item(TableName=table, Key={"pk": {"S": "user#frank"}})["Item"]["version"]["N"])
        self.assertEqual(stored, writers)
        self.assertEqual(len(set(new_versions)), len(new_versions), new_versions)
        self.assertEqual(len(set(old_versions)), len(old_versions), old_versions)
        # Before images are one less than an after image would be: together they cover 0..N-1 / 1..N.
        self.assertEqual(sorted([v - 1 for v in new_versions] + old_versions), list(range(writers)))


if __name__ == "__main__":
    unittest.main()
