"""CloudWatch over Smithy RPC v2 CBOR, the protocol AWS's current SDKs speak to it.

CloudWatch's service model lists `smithy-rpc-v2-cbor` first (then `json`, `query`), and the Go
SDK the Terraform AWS provider is built on uses it: every call is `POST
/service/GraniteServiceVersion20100801/operation/<Operation>` with header `smithy-protocol:
rpc-v2-cbor` and a CBOR body (RFC 8949), answered in CBOR with the same header. moto 5.2.5 serves
CloudWatch over the JSON and query protocols only (botocore picks JSON), so the provider's
PutMetricAlarm got moto's 404 and no alarm could be created.

This module adds that route to moto's CloudWatch: the CBOR request is decoded and parsed by moto's
own JSON-protocol parser (the two protocols carry the same members; timestamps are CBOR tag 1
epoch seconds, blobs byte strings), the operation runs on moto's backend, and its JSON-protocol
answer is re-encoded as CBOR following the operation's output shape (timestamps tagged 1, blobs
as byte strings); errors keep their `__type` and `message`, as the protocol specifies. The
signature is verified on the request as sent (the body and path are not rewritten).
"""

from __future__ import annotations

import base64
import json
import re
import struct
from typing import Any

import moto.cloudwatch.urls as cloudwatch_urls
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.parse import PROTOCOL_PARSERS
from moto.core.responses import get_service_model

SERVICE = "GraniteServiceVersion20100801"
_OPERATION = re.compile(rf"/service/{SERVICE}/operation/([A-Za-z0-9]+)/?$")
CBOR_HEADERS = {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}


class Tag:
    """A CBOR tagged value (tag 1: epoch-based date/time)."""

    def __init__(self, tag: int, value: Any) -> None:
        self.tag, self.value = tag, value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tag) and (self.tag, self.value) == (other.tag, other.value)

    def __repr__(self) -> str:
        return f"Tag({self.tag}, {self.value!r})"


_BREAK = object()


def decode(data: bytes) -> Any:
    """One CBOR data item (RFC 8949), definite or indefinite lengths."""
    value, end = _decode(data, 0)
    if end != len(data):
        raise ValueError(f"{len(data) - end} bytes after the CBOR data item")
    return value


def _argument(data: bytes, pos: int, info: int) -> tuple[int | None, int]:
    if info < 24:
        return info, pos
    if info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        return int.from_bytes(data[pos : pos + size], "big"), pos + size
    if info == 31:
        return None, pos
    raise ValueError(f"reserved CBOR additional information {info}")


def _decode(data: bytes, pos: int) -> tuple[Any, int]:
    if pos >= len(data):
        raise ValueError("truncated CBOR")
    initial = data[pos]
    major, info = initial >> 5, initial & 0x1F
    pos += 1
    if major == 7:
        if info == 20:
            return False, pos
        if info == 21:
            return True, pos
        if info in (22, 23):
            return None, pos
        if info == 25:
            return struct.unpack(">e", data[pos : pos + 2])[0], pos + 2
        if info == 26:
            return struct.unpack(">f", data[pos : pos + 4])[0], pos + 4
        if info == 27:
            return struct.unpack(">d", data[pos : pos + 8])[0], pos + 8
        if info == 31:
            return _BREAK, pos
        value, pos = _argument(data, pos, info)
        return value, pos  # another simple value: its number
    arg, pos = _argument(data, pos, info)
    if major == 0:
        return arg, pos
    if major == 1:
        return -1 - (arg or 0), pos
    if major in (2, 3):
        if arg is None:  # indefinite: definite-length chunks up to a break
            chunks = []
            while data[pos] != 0xFF:
                chunk, pos = _decode(data, pos)
                chunks.append(chunk)
            joined = b"".join(chunks) if major == 2 else "".join(chunks)
            return joined, pos + 1
        raw = data[pos : pos + arg]
        return (raw if major == 2 else raw.decode("utf-8")), pos + arg
    if major == 4:
        items = []
        while arg is None or len(items) < arg:
            item, pos = _decode(data, pos)
            if item is _BREAK:
                break
            items.append(item)
        return items, pos
    if major == 5:
        result: dict = {}
        while arg is None or len(result) < arg:
            key, pos = _decode(data, pos)
            if key is _BREAK:
                break
            result[key], pos = _decode(data, pos)
        return result, pos
    value, pos = _decode(data, pos)  # major 6: a tag
    return Tag(arg or 0, value), pos


def _head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * size):
            return bytes([major << 5 | info]) + value.to_bytes(size, "big")
    raise ValueError(f"integer {value} does not fit CBOR")


def encode(value: Any) -> bytes:
    """A CBOR data item of definite lengths; floats as double precision."""
    if value is None:
        return b"\xf6"
    if value is True:
        return b"\xf5"
    if value is False:
        return b"\xf4"
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, float):
        return b"\xfb" + struct.pack(">d", value)
    if isinstance(value, bytes):
        return _head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _head(3, len(raw)) + raw
    if isinstance(value, (list, tuple)):
        return _head(4, len(value)) + b"".join(encode(v) for v in value)
    if isinstance(value, dict):
        return _head(5, len(value)) + b"".join(encode(k) + encode(v) for k, v in value.items())
    if isinstance(value, Tag):
        return _head(6, value.tag) + encode(value.value)
    raise TypeError(f"cannot encode {type(value).__name__} as CBOR")


def to_json_value(value: Any) -> Any:
    """A decoded CBOR request as the JSON protocol carries it: epoch numbers, base64 blobs."""
    if isinstance(value, Tag):
        return to_json_value(value.value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, list):
        return [to_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json_value(v) for k, v in value.items()}
    return value


def from_json_value(value: Any, shape: Any) -> Any:
    """A JSON-protocol value of `shape` as CBOR carries it (timestamps tag 1, blobs bytes)."""
    if value is None or shape is None:
        return value
    kind = shape.type_name
    if kind == "structure":
        return {k: from_json_value(v, shape.members.get(k)) for k, v in value.items()}
    if kind == "list":
        return [from_json_value(v, shape.member) for v in value]
    if kind == "map":
        return {k: from_json_value(v, shape.value) for k, v in value.items()}
    if kind == "timestamp":
        return Tag(1, value if isinstance(value, (int, float)) else float(value))
    if kind == "blob":
        return base64.b64decode(value) if isinstance(value, str) else value
    return value


class CborCloudWatchResponse(CloudWatchResponse):
    """moto's CloudWatch answering the RPC v2 CBOR route."""

    use_raw_body = True  # the body is CBOR, not UTF-8 text

    def _get_action(self) -> str:
        match = _OPERATION.search(self.path or "")
        return match.group(1) if match else super()._get_action()

    def parse_parameters(self, request: Any) -> None:
        service_model = get_service_model(self.boto3_service_name)
        operation_model = service_model.operation_model(self._get_action())
        raw = request.data or b""
        body = to_json_value(decode(raw)) if raw else {}
        parser = PROTOCOL_PARSERS["json"](operation_model, map_type=self.PROTOCOL_PARSER_MAP_TYPE)
        self.params = parser.parse(
            {
                "method": request.method,
                "values": request.values,
                "headers": {"Content-Type": "application/x-amz-json-1.0"},
                "body": json.dumps(body).encode(),
                "url_path": "/",
                "url_params": self.uri_match,
            }
        )

    def determine_response_protocol(self, service_model: Any) -> str:
        return "json"

    def call_action(self) -> Any:
        status, headers, body = super().call_action()
        return (status, *cbor_answer(self._get_action(), status, headers, body))


def cbor_answer(operation: str, status: int, headers: dict, body: Any) -> tuple[dict, bytes]:
    """A JSON-protocol answer (success or error) re-encoded as the CBOR protocol's."""
    text = body.decode() if isinstance(body, bytes) else (body or "")
    try:
        value = json.loads(text) if text.strip() else {}
    except ValueError:
        value = {"__type": "InternalFailure", "message": text}
    if isinstance(value, dict) and status < 300:
        output = get_service_model("cloudwatch").operation_model(operation).output_shape
        value = from_json_value(value, output)
    elif isinstance(value, dict) and "__type" in value:
        # JSON errors may carry a namespace (`ns#Code`); RPC v2 CBOR's `__type` is the shape name or id.
        value = {k: v for k, v in value.items() if k in ("__type", "message", "Message")}
    kept = {k: v for k, v in headers.items() if k.lower() not in ("content-type", "content-length")}
    return {**kept, **CBOR_HEADERS}, encode(value)


cloudwatch_urls.url_paths[f"{{0}}/service/{SERVICE}/operation/(?P<operation>[A-Za-z0-9]+)$"] = CborCloudWatchResponse.dispatch
