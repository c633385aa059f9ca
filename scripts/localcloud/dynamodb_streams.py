"""DynamoDB Streams event source mappings deliver to deployed functions as Lambda's poller does.

moto's `StreamShard.add` hands the shard's whole accumulated record list to every mapping of
the table on every write, synchronously inside PutItem/UpdateItem/DeleteItem, and empties the
shard when the function's answer is truthy: records are delivered again and again, writes wait
for the function, disabled mappings still receive, and GetRecords loses what was delivered.
Lambda instead polls each shard and keeps a checkpoint per mapping. Here:

- Records stay in the shard (GetRecords reads them as before); a write only appends its record
  and wakes the pollers, so PutItem returns at once.
- One poller thread per DynamoDB-stream mapping (a stream has a single shard in moto) starts at
  CreateEventSourceMapping: StartingPosition TRIM_HORIZON from the oldest record, LATEST from the
  next write. It delivers each record once, in order, in batches of at most BatchSize
  (default 100), invoking the function synchronously through lambda_invoke (RequestResponse).
- The event is Lambda's: Records[] of {eventID, eventName, eventVersion "1.1", eventSource
  "aws:dynamodb", awsRegion (the table's; moto's stored record says us-east-1), dynamodb
  {ApproximateCreationDateTime (epoch seconds), Keys, NewImage/OldImage per StreamViewType,
  SequenceNumber, SizeBytes, StreamViewType}, eventSourceARN (the stream ARN)}. GetRecords keeps
  moto's stored record unchanged.
- A failed batch (function error, or an Invoke error such as throttling or a missing runtime)
  blocks the shard and is retried, the same records, LOCALCLOUD_STREAM_RETRY_SECONDS (default 1)
  after the first failure, doubling up to 30 s. MaximumRetryAttempts N gives N retries; AWS's
  default -1 retries "until the record expires": here until the batch's first record is older
  than MaximumRecordAgeInSeconds, or, when that is -1 too, the stream's 24-hour retention
  (LOCALCLOUD_STREAM_RETENTION_SECONDS, default 86400). As on AWS, a failing function then holds
  its shard up to a day; set MaximumRetryAttempts to bound it. The discarded batch's failure
  record (requestContext with condition RetryAttemptsExhausted or RecordAgeExceeded and
  approximateInvokeCount, responseContext, version, timestamp, DDBStreamBatchInfo) goes to the
  mapping's DestinationConfig.OnFailure (SQS queue or SNS topic), then delivery moves on.
- A disabled mapping (Enabled false, State Disabled) delivers nothing; re-enabled, it goes on
  from its checkpoint. A deleted mapping, a deleted table or a replaced stream stops the poller.

Not modelled: FilterCriteria, BisectBatchOnFunctionError, ReportBatchItemFailures,
MaximumBatchingWindowInSeconds, ParallelizationFactor, TumblingWindowInSeconds; records are never
trimmed after 24 hours (moto's GetRecords indexes by position). LOCALCLOUD_RUNTIME=off keeps
moto's behaviour.
"""

from __future__ import annotations

import calendar
import datetime
import json
import os
import threading
import time
import uuid

import moto.awslambda.models as lambda_models
from moto.awslambda.exceptions import LambdaClientError
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.table import StreamRecord, StreamShard

from . import lambda_invoke, settings

RETRY_SECONDS = float(os.environ.get("LOCALCLOUD_STREAM_RETRY_SECONDS", "1"))
RETRY_CAP_SECONDS = 30.0
RETENTION_SECONDS = float(os.environ.get("LOCALCLOUD_STREAM_RETENTION_SECONDS", "86400"))
IDLE_POLL_SECONDS = 0.5  # a poller also looks again this often (mapping state, deletion)

_WAKE = threading.Condition()


def _int(value, default: int) -> int:  # type: ignore[no-untyped-def]
    return default if value in (None, "") else int(value)


def _epoch(moment: datetime.datetime) -> int:
    return calendar.timegm(moment.utctimetuple())


def _iso(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def event_record(record: StreamRecord, region: str, stream_arn: str) -> dict:
    """One record of the Lambda event, from moto's stored stream record."""
    stored = record.to_json()
    dynamodb = dict(stored["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime.datetime):
        dynamodb["ApproximateCreationDateTime"] = _epoch(created)
    return {
        "eventID": stored["eventID"],
        "eventName": stored["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }


def failure_record(esm, shard: StreamShard, batch: list, condition: str, attempts: int, result, error) -> dict:  # type: ignore[no-untyped-def]
    """What Lambda sends to a stream mapping's OnFailure destination: where the records are, not them."""
    first = batch[0].record["dynamodb"]
    last = batch[-1].record["dynamodb"]
    record: dict = {
        "requestContext": {
            "requestId": getattr(result, "request_id", "") or str(uuid.uuid4()),
            "functionArn": esm.function_arn,
            "condition": condition,
            "approximateInvokeCount": attempts,
        },
        "version": "1.0",
        "timestamp": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "DDBStreamBatchInfo": {
            "shardId": shard.id,
            "startSequenceNumber": first["SequenceNumber"],
            "endSequenceNumber": last["SequenceNumber"],
            "approximateArrivalOfFirstRecord": _iso(first["ApproximateCreationDateTime"]),
            "approximateArrivalOfLastRecord": _iso(last["ApproximateCreationDateTime"]),
            "batchSize": len(batch),
            "streamArn": esm.event_source_arn,
        },
    }
    if result is not None:
        response = {"statusCode": result.status, "executedVersion": result.executed_version}
        if result.function_error:
            response["functionError"] = result.function_error
        record["responseContext"] = response
    elif error is not None:
        record["responseContext"] = {"statusCode": getattr(error, "code", 500), "executedVersion": "$LATEST"}
    return record


class Poller(threading.Thread):
    """Lambda's poller for one mapping on one shard: a checkpoint, batches, retries, OnFailure."""

    def __init__(self, backend, esm, shard: StreamShard, position: int) -> None:  # type: ignore[no-untyped-def]
        super().__init__(daemon=True, name=f"ddb-stream-{esm.uuid[:8]}")
        self.backend, self.esm, self.shard, self.position = backend, esm, shard, position

    def alive(self) -> bool:
        """The mapping, its table and the table's stream still exist."""
        table = self.shard.table
        tables = dynamodb_backends[table.account_id][table.region_name].tables
        return (
            self.backend.get_event_source_mapping(self.esm.uuid) is self.esm
            and tables.get(table.name) is table
            and table.stream_shard is self.shard
        )

    def enabled(self) -> bool:
        return str(self.esm.enabled).lower() != "false"

    def run(self) -> None:
        while self.alive():
            with _WAKE:
                if not self.enabled() or len(self.shard.items) <= self.position:
                    _WAKE.wait(IDLE_POLL_SECONDS)
                    continue
            batch = self.shard.items[self.position : self.position + (self.esm.batch_size or 100)]
            try:
                done = self.deliver(batch)
            except Exception as error:  # keep the poller alive; the batch is tried again
                print(f"localcloud: stream delivery to {self.esm.function_arn} failed: {error!r}", flush=True)
                done = False
                time.sleep(RETRY_SECONDS)
            if done:
                self.position += len(batch)

    def deliver(self, batch: list) -> bool:
        """Invokes until the batch succeeds or is discarded (True), or the mapping stops (False)."""
        esm = self.esm
        region = self.shard.table.region_name
        payload = json.dumps({"Records": [event_record(r, region, esm.event_source_arn) for r in batch]}).encode()
        max_retries = _int(esm.max_retry_attempts, -1)
        max_age = _int(esm.max_record_age, -1)
        max_age = max_age if max_age > 0 else RETENTION_SECONDS
        created = batch[0].record["dynamodb"]["ApproximateCreationDateTime"]
        attempts, result, error = 0, None, None
        while True:
            if _epoch(datetime.datetime.now(datetime.timezone.utc)) - _epoch(created) > max_age:
                return self.discard(batch, "RecordAgeExceeded", attempts, result, error)
            try:
                result, error = lambda_invoke.invoke(esm.function_arn, payload, account_id=esm.account_id, region=esm.region), None
            except LambdaClientError as caught:
                result, error = None, caught
                print(f"localcloud: stream invoke of {esm.function_arn}: {caught.code} {caught}", flush=True)
            attempts += 1
            if error is None and result.function_error is None:
                return True
            if max_retries >= 0 and attempts > max_retries:
                return self.discard(batch, "RetryAttemptsExhausted", attempts, result, error)
            time.sleep(min(RETRY_SECONDS * 2 ** (attempts - 1), RETRY_CAP_SECONDS))
            if not self.alive() or not self.enabled():
                return False

    def discard(self, batch: list, condition: str, attempts: int, result, error) -> bool:  # type: ignore[no-untyped-def]
        destination = ((self.esm.destination_config or {}).get("OnFailure") or {}).get("Destination")
        if destination:
            record = failure_record(self.esm, self.shard, batch, condition, attempts, result, error)
            lambda_invoke._send(destination, json.dumps(record), None)
        else:
            print(f"localcloud: stream batch for {self.esm.function_arn} discarded ({condition}); no OnFailure destination", flush=True)
        return True


# --- moto hooks ----------------------------------------------------------------------------

_moto_add = StreamShard.add
_moto_create_mapping = lambda_models.LambdaBackend.create_event_source_mapping


def _add(self: StreamShard, old, new) -> None:  # type: ignore[no-untyped-def]
    """Appends the write's record (as moto does) and wakes the pollers; delivers nothing itself."""
    if not settings.RUNTIME_ON:
        return _moto_add(self, old, new)
    view = self.table.stream_specification["StreamViewType"]  # type: ignore[index]
    name = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
    seq = len(self.items) + self.starting_sequence_number
    self.items.append(StreamRecord(self.table, view, name, old, new, seq))
    with _WAKE:
        _WAKE.notify_all()
    return None


def _shard_of(account_id: str, region: str, stream_arn: str) -> StreamShard | None:
    for table in list(dynamodb_backends[account_id][region].tables.values()):
        if table.stream_shard is not None and f"{table.table_arn}/stream/{table.latest_stream_label}" == stream_arn:
            return table.stream_shard
    return None


def _create_mapping(self, spec):  # type: ignore[no-untyped-def]
    esm = _moto_create_mapping(self, spec)
    if settings.RUNTIME_ON and esm.event_source_arn.split(":")[2] == "dynamodb":
        shard = _shard_of(self.account_id, self.region_name, esm.event_source_arn)
        if shard is not None:
            start = len(shard.items) if esm.starting_position == "LATEST" else 0
            Poller(self, esm, shard, start).start()
    return esm


StreamShard.add = _add  # type: ignore[method-assign]
lambda_models.LambdaBackend.create_event_source_mapping = _create_mapping  # type: ignore[method-assign]
