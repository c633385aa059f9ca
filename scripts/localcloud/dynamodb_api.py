"""DynamoDB item operations and TransactWriteItems run one at a time: moto's server answers
requests in threads, and a TransactWriteItems snapshots each table it touches, writes in place
and, when a condition fails, puts the snapshots back, erasing what other clients wrote to those
tables meanwhile (and readers could see half a transaction). AWS documents serializable
isolation between TransactWriteItems and single-item reads and writes; one lock gives it.

The item writes' request handlers hold the same lock for their whole request: moto's handler
reads the old item before calling the backend and renders the answer (ReturnValues) from the
live item after it, so five concurrent `ADD version :one` updates could all answer a version
another client's update had already moved on. AWS returns each update's own before and after
images; with the handler serialized, so does the local cloud.
"""

import functools
import threading

import moto.dynamodb.models as dynamodb_models
import moto.dynamodb.responses as dynamodb_responses

_DYNAMODB_LOCK = threading.RLock()
_DYNAMODB_SERIALIZED = ("get_item", "put_item", "update_item", "delete_item", "query", "scan", "transact_write_items")
# Request handlers whose answers carry item images (ReturnValues).
_DYNAMODB_HANDLERS_SERIALIZED = ("put_item", "update_item", "delete_item")


def _serialized(method):  # type: ignore[no-untyped-def]
    @functools.wraps(method)
    def one_at_a_time(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with _DYNAMODB_LOCK:
            return method(self, *args, **kwargs)

    return one_at_a_time


for _name in _DYNAMODB_SERIALIZED:
    setattr(dynamodb_models.DynamoDBBackend, _name, _serialized(getattr(dynamodb_models.DynamoDBBackend, _name)))

for _name in _DYNAMODB_HANDLERS_SERIALIZED:
    setattr(dynamodb_responses.DynamoHandler, _name, _serialized(getattr(dynamodb_responses.DynamoHandler, _name)))
