"""DynamoDB item operations and TransactWriteItems run one at a time: moto's server answers
requests in threads, and a TransactWriteItems snapshots each table it touches, writes in place
and, when a condition fails, puts the snapshots back, erasing what other clients wrote to those
tables meanwhile (and readers could see half a transaction). AWS documents serializable
isolation between TransactWriteItems and single-item reads and writes; one lock gives it.
"""

import functools
import threading

import moto.dynamodb.models as dynamodb_models

_DYNAMODB_LOCK = threading.RLock()
_DYNAMODB_SERIALIZED = ("get_item", "put_item", "update_item", "delete_item", "query", "scan", "transact_write_items")

_DYNAMODB_SERIALIZED = ("get_item", "put_item", "update_item", "delete_item", "query", "scan", "transact_write_items")


def _serialized(method):  # type: ignore[no-untyped-def]
    @functools.wraps(method)
    def one_at_a_time(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with _DYNAMODB_LOCK:
            return method(self, *args, **kwargs)

    return one_at_a_time


for _name in _DYNAMODB_SERIALIZED:
    setattr(dynamodb_models.DynamoDBBackend, _name, _serialized(getattr(dynamodb_models.DynamoDBBackend, _name)))
