"""OpenAI's chat-completions API, played by the local cloud: the loopback a deployed agent calls
when no real key is given (the machine has no internet; docs/emulator.md, "OpenAI loopback").

    POST /_localcloud/openai/v1/chat/completions   OpenAI's wire format (base URL .../openai/v1)
    GET  /_localcloud/outbox/openai                 every request it answered (`?model=` filters)

As OpenAI does, a request needs `Authorization: Bearer <key>` (any non-empty key: there is no
account to check it against), else 401; a body that is not JSON, or a bad `model` or `messages`,
is a 400; errors have OpenAI's shape `{"error": {"message", "type", "param", "code"}}` and its
messages. `stream: true` is refused (400): the loopback answers whole completions only.

The answer is a `chat.completion` object determined by the request (`created` excepted, the
time of the answer): `id` from a hash of the model and messages, `choices[0].message` an
assistant message saying it is the local cloud's loopback and quoting the last user message,
`finish_reason: stop`, `usage` counting whitespace-separated words as tokens. No model runs.

Each answered request (`time`, `id`, `model`, `messages`; never the key) is appended to
$LOCALCLOUD_HOME/outbox/openai.jsonl, kept for the local cloud's life like the SNS outbox.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

from . import control_api, settings

CHAT_PATH = "/_localcloud/openai/v1/chat/completions"
OUTBOX_PATH = "/_localcloud/outbox/openai"
#: Marks every reply, so a client (and a smoke test) can tell the loopback answered.
REPLY_PREFIX = "[local cloud loopback]"
ROLES = ("system", "assistant", "user", "function", "tool", "developer")
_LOCK = threading.Lock()

Answer = tuple  # (status, headers, body bytes), as control_api's routes return


def outbox_path() -> Path:
    return settings.HOME / "outbox" / "openai.jsonl"


def outbox_append(record: dict) -> None:
    path = outbox_path()
    with _LOCK:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(record, separators=(",", ":")) + "\n")


def outbox_read(filters: dict | None = None) -> list:
    path = outbox_path()
    if not path.exists():
        return []
    with _LOCK:
        lines = path.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    for key, value in (filters or {}).items():
        records = [r for r in records if r.get(key) == value]
    return records


def _json(status: int, value: Any) -> Answer:
    return status, {"Content-Type": "application/json"}, json.dumps(value).encode()


def error(status: int, message: str, param: str | None = None, code: str | None = None, kind: str = "invalid_request_error") -> Answer:
    """An answer in OpenAI's error shape."""
    return _json(status, {"error": {"message": message, "type": kind, "param": param, "code": code}})


class _Invalid(Exception):
    def __init__(self, message: str, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.param = param
        self.code = code


def _type_name(value: Any) -> str:
    """What OpenAI's messages call a JSON value's type ("but got an integer instead")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _api_key(headers: dict) -> str:
    """The Bearer key of the request, or "" (header names compared case-insensitively)."""
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), "") or ""
    scheme, _, key = value.strip().partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


def _content_text(content: Any, param: str) -> str:
    """A message's text: a string, or the text parts of an array of content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for i, part in enumerate(content):
            if not isinstance(part, dict):
                raise _Invalid(f"Invalid type for '{param}[{i}]': expected an object, but got {_type_name(part)} instead.", f"{param}[{i}]", "invalid_type")
            if part.get("type") == "text":
                if not isinstance(part.get("text"), str):
                    raise _Invalid(f"Missing required parameter: '{param}[{i}].text'.", f"{param}[{i}].text", "missing_required_parameter")
                texts.append(part["text"])
        return "\n".join(texts)
    raise _Invalid(
        f"Invalid type for '{param}': expected one of a string or array of objects, but got {_type_name(content)} instead.",
        param,
        "invalid_type",
    )


def validate(body: Any) -> tuple:
    """(model, messages, texts) of a valid request; raises _Invalid as OpenAI words it."""
    if not isinstance(body, dict):
        raise _Invalid(f"Invalid type for 'body': expected an object, but got {_type_name(body)} instead.", None, "invalid_type")
    model = body.get("model")
    if model is None or model == "":
        raise _Invalid("you must provide a model parameter")
    if not isinstance(model, str):
        raise _Invalid(f"Invalid type for 'model': expected a string, but got {_type_name(model)} instead.", "model", "invalid_type")
    if "messages" not in body:
        raise _Invalid("Missing required parameter: 'messages'.", "messages", "missing_required_parameter")
    messages = body["messages"]
    if not isinstance(messages, list):
        raise _Invalid(f"Invalid type for 'messages': expected an array of objects, but got {_type_name(messages)} instead.", "messages", "invalid_type")
    if not messages:
        raise _Invalid(
            "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
            "messages",
            "empty_array",
        )
    texts = []
    for i, message in enumerate(messages):
        at = f"messages[{i}]"
        if not isinstance(message, dict):
            raise _Invalid(f"Invalid type for '{at}': expected an object, but got {_type_name(message)} instead.", at, "invalid_type")
        if "role" not in message:
            raise _Invalid(f"Missing required parameter: '{at}.role'.", f"{at}.role", "missing_required_parameter")
        role = message["role"]
        if role not in ROLES:
            supported = ", ".join(f"'{r}'" for r in ROLES[:-1]) + f", and '{ROLES[-1]}'"
            raise _Invalid(f"Invalid value: '{role}'. Supported values are: {supported}.", f"{at}.role", "invalid_value")
        content = message.get("content")
        if content is None and role != "assistant":  # an assistant turn may carry tool calls only
            raise _Invalid(f"Missing required parameter: '{at}.content'.", f"{at}.content", "missing_required_parameter")
        texts.append((role, "" if content is None else _content_text(content, f"{at}.content")))
    if body.get("stream") is True:
        raise _Invalid("The local cloud's loopback does not stream: leave 'stream' out or set it to false.", "stream", "unsupported_value")
    return model, messages, texts


def _tokens(text: str) -> int:
    return len(text.split())


def completion(model: str, messages: list, texts: list, now: float | None = None) -> dict:
    """The chat.completion object answering a valid request."""
    digest = hashlib.sha256(json.dumps({"model": model, "messages": messages}, sort_keys=True).encode()).hexdigest()
    last_user = next((text for role, text in reversed(texts) if role == "user"), None)
    said = f'You said: "{last_user}"' if last_user is not None else "The conversation has no user message."
    content = f"{REPLY_PREFIX} No language model was called: the local cloud answers for OpenAI ({model}). {said}"
    prompt_tokens = sum(_tokens(text) for _, text in texts)
    completion_tokens = _tokens(content)
    return {
        "id": f"chatcmpl-loopback-{digest[:24]}",
        "object": "chat.completion",
        "created": int(time.time() if now is None else now),
        "model": model,
        "system_fingerprint": "fp_localcloud_loopback",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def chat_completions(headers: dict, body: bytes) -> Answer:
    """POST .../chat/completions: 401 without a key, 400 for a bad request, else the completion."""
    if not _api_key(headers):
        return error(
            401,
            "You didn't provide an API key. You need to provide your API key in an Authorization header "
            "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        )
    try:
        parsed = json.loads(body or b"")
    except ValueError:
        return error(
            400,
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your "
            "HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
        )
    try:
        model, messages, texts = validate(parsed)
    except _Invalid as invalid:
        return error(400, str(invalid), invalid.param, invalid.code)
    answer = completion(model, messages, texts)
    outbox_append(
        {
            "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds"),
            "id": answer["id"],
            "model": model,
            "messages": messages,
        }
    )
    return _json(200, answer)


def _headers_of(environ: dict) -> dict:
    """The request's headers from a WSGI environ (HTTP_AUTHORIZATION -> authorization)."""
    return {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}


def _chat_route(environ: dict, body: bytes) -> Answer:
    if environ.get("PATH_INFO", "").rstrip("/") != CHAT_PATH:
        return error(404, f"Invalid URL (POST {environ.get('PATH_INFO', '')})", kind="invalid_request_error")
    return chat_completions(_headers_of(environ), body)


def _outbox_route(environ: dict, body: bytes) -> Answer:
    if environ.get("PATH_INFO", "").rstrip("/") != OUTBOX_PATH:
        return _json(404, {"message": f"no local cloud endpoint GET {environ.get('PATH_INFO', '')}"})
    query = dict(urllib.parse.parse_qsl(environ.get("QUERY_STRING", "")))
    return _json(200, {"requests": outbox_read({k: v for k, v in query.items() if k == "model"})})


control_api.route("POST", "/_localcloud/openai/", _chat_route)
control_api.route("GET", OUTBOX_PATH, _outbox_route)
