"""IAM enforcement: every request is authenticated and authorized as AWS does it.

The admin principal. At start the local cloud creates IAM user `localcloud-admin` with the AWS
managed policy AdministratorAccess and an access key, random per start, directly in moto's IAM
backend (account 123456789012), and writes it to $LOCALCLOUD_HOME/credentials (profile `local`,
the shared-credentials format) with $LOCALCLOUD_HOME/config (`[profile local]`, us-east-1).
Terraform, the scripts and the tests act as that user; /moto-api/reset brings it back with the
same key. With LOCALCLOUD_IAM=enforce (the default) moto's request authentication is on from the
first request (moto.settings.INITIAL_NO_AUTH_ACTION_COUNT = 0). /moto-api/* stays open: the
server binds 127.0.0.1 only.

Authentication (Signature Version 4, as AWS documents it). moto recomputed the signature with
botocore over the *parsed* request: a GET's "body" became its parsed query string (or its
headers), a form POST's body was re-encoded from the parsed form, so every signed GET and any
value with special characters failed SignatureDoesNotMatch, and a presigned URL (query-string
auth) failed outright. Here the canonical request is built from the raw request (path, query and
body bytes as they arrived, captured before moto parses them): URI encoding per the SigV4 rules
(S3 paths encoded once, other services twice), the query re-encoded and sorted, the signed
headers trimmed, the payload hash from x-amz-content-sha256 (S3) or the body. Query-string auth
(X-Amz-Signature, presigned S3 URLs) is verified the same way, X-Amz-Expires checked. An unknown
access key is refused (InvalidClientTokenId, UnrecognizedClientException, S3
InvalidAccessKeyId), a session token must be the one STS issued with the key, an expired session
is refused (ExpiredToken), an unsigned request is refused (MissingAuthenticationToken; S3 treats
it as anonymous: only a bucket policy can allow it).

Authorization (the documented policy evaluation logic, for identity-based policies). moto's
evaluator compared actions case-sensitively, knew no `?`, no NotResource, treated an Allow whose
condition failed as a Deny, ignored every condition operator but StringEquals, and checked most
services against Resource "*". Here: actions match case-insensitively, `*` and `?` wildcards,
Resource/NotResource, policy variables (${aws:username}, ...), the condition operators (String*,
Numeric*, Date*, Bool, BinaryEquals, IpAddress, Arn*, Null, ...IfExists, ForAnyValue:/
ForAllValues:), a condition key missing from the request fails the condition (true for negated
operators, ...IfExists and ForAllValues, as documented); an explicit Deny wins, then an Allow,
else the implicit deny. The principal's policies: a user's inline, attached and group policies;
an assumed role's inline and attached policies, intersected with its permissions boundary and
the session policy when there is one. Each request is checked against the resource AWS checks
(DynamoDB tables and indexes, every table of a batch or transaction, Lambda functions with their
qualifier, state machines and executions, SSM parameters, SNS topics, SQS queues, log groups and
streams, S3 buckets and objects, EventBridge buses and rules, ECR repositories, CodeBuild
projects, IAM roles/users/policies, API Gateway paths), with AWS's action names where the API's
differ (lambda:InvokeFunction for Invoke, s3:ListBucket for ListObjectsV2, ...). sts:AssumeRole
also needs the role's trust policy to trust the caller. A refusal answers in the service's own
error shape and status (JSON __type + x-amzn-ErrorType, REST-JSON 403, query XML 403, S3 XML
403), naming the action and the resource as AWS's message does.

Not evaluated: resource-based policies (bucket, queue, topic, key, repository and Lambda
function policies; the API Gateway data plane checks a function's AddPermission statements
itself), service control policies, iam:PassRole, and condition keys this module does not supply
(aws:RequestTag/..., aws:ResourceTag/..., service keys other than s3:prefix/delimiter/max-keys)
which therefore fail to match as a missing key does.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import re
import secrets
import string
import threading
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, unquote_plus
from xml.sax.saxutils import escape

from moto import settings as moto_settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.responses import BaseResponse
from moto.iam.models import iam_backends
from moto.iam.utils import generate_access_key_id_from_account_id
from moto.moto_api._internal.models import MotoAPIBackend
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.s3.responses import S3Response
from moto.sts.models import sts_backends
from moto.utilities.utils import PARTITION_NAMES

from . import settings

log = logging.getLogger("localcloud.iam")
if not log.handlers:  # refusals go to the server's log (moto.log), one line each
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("localcloud.iam: %(message)s"))
    log.addHandler(_handler)
    log.setLevel(logging.INFO)
    log.propagate = False

ACCOUNT_ID = "123456789012"
ADMIN_USER = "localcloud-admin"
ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
PROFILE = "local"

# ---------------------------------------------------------------------------------------------
# Policy evaluation (pure: documents in, decision out)
# ---------------------------------------------------------------------------------------------

ALLOW, DENY, IMPLICIT_DENY = "Allow", "Deny", "ImplicitDeny"


@dataclass
class Decision:
    effect: str
    statement: dict | None = None

    @property
    def allowed(self) -> bool:
        return self.effect == ALLOW


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _context_value(context: dict[str, list[str]], key: str) -> list[str] | None:
    values = context.get(key.lower())
    return values if values else None


_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def _expand(text: str, context: dict[str, list[str]]) -> list[tuple[bool, str]] | None:
    """`text` split into (literal, piece) parts with policy variables resolved; None when a
    variable has no value in the request (AWS: the element then does not match)."""
    parts: list[tuple[bool, str]] = []
    position = 0
    for match in _VARIABLE.finditer(text):
        parts.append((False, text[position : match.start()]))
        inner = match.group(1).strip()
        if inner in ("*", "?", "$"):
            parts.append((True, inner))
        else:
            name, _, default = inner.partition(",")
            values = _context_value(context, name.strip())
            if values:
                parts.append((True, values[0]))
            elif default.strip().startswith("'") and default.strip().endswith("'"):
                parts.append((True, default.strip()[1:-1]))
            else:
                return None
        position = match.end()
    parts.append((False, text[position:]))
    return parts


@lru_cache(maxsize=4096)
def _plain_glob(pattern: str, ignore_case: bool) -> re.Pattern:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def glob_match(
    pattern: str,
    value: str,
    ignore_case: bool = False,
    context: dict[str, list[str]] | None = None,
) -> bool:
    """IAM wildcard matching: `*` any run of characters (colons included), `?` one character;
    with a context, ${...} policy variables are resolved first (their values match literally)."""
    if context is None or "${" not in pattern:
        return _plain_glob(pattern, ignore_case).fullmatch(value) is not None
    parts = _expand(pattern, context)
    if parts is None:
        return False
    regex = ""
    for literal, piece in parts:
        if literal:
            regex += re.escape(piece)
        else:
            regex += "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in piece)
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.fullmatch(regex, value, flags) is not None


def _substitute(text: str, context: dict[str, list[str]]) -> str | None:
    parts = _expand(text, context)
    return None if parts is None else "".join(piece for _, piece in parts)


def arn_match(pattern: str, value: str, context: dict[str, list[str]] | None = None) -> bool:
    """ArnLike/ArnEquals: each of the six colon-delimited parts matched on its own (wildcards
    do not cross a colon there, except in the last part, the resource)."""
    if pattern == "*":
        return True
    expected = pattern.split(":", 5)
    actual = value.split(":", 5)
    if len(expected) != 6 or len(actual) != 6:
        return False
    return all(glob_match(e, a, context=context) for e, a in zip(expected, actual))


def _parse_date(text: str) -> dt.datetime | None:
    text = text.strip()
    try:
        if re.fullmatch(r"-?\d+(\.\d+)?", text):
            return dt.datetime.fromtimestamp(float(text), dt.timezone.utc)
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)
    except (ValueError, OverflowError):
        return None


def _numeric(a: str, b: str, op: Any) -> bool:
    try:
        return op(float(a), float(b))
    except ValueError:
        return False


def _dates(a: str, b: str, op: Any) -> bool:
    x, y = _parse_date(a), _parse_date(b)
    return x is not None and y is not None and op(x, y)


def _ip(value: str, network: str) -> bool:
    try:
        return ipaddress.ip_address(value.strip()) in ipaddress.ip_network(network.strip(), strict=False)
    except ValueError:
        return False


# operator -> (matches(policy_value, request_value, context), negated)
_OPERATORS: dict[str, tuple[Any, bool]] = {}
for _name, _fn in {
    "StringEquals": lambda p, v, c: _substitute(p, c) == v,
    "StringEqualsIgnoreCase": lambda p, v, c: (_substitute(p, c) or "\0").lower() == v.lower(),
    "StringLike": lambda p, v, c: glob_match(p, v, context=c),
    "NumericEquals": lambda p, v, c: _numeric(v, p, float.__eq__),
    "NumericLessThan": lambda p, v, c: _numeric(v, p, float.__lt__),
    "NumericLessThanEquals": lambda p, v, c: _numeric(v, p, float.__le__),
    "NumericGreaterThan": lambda p, v, c: _numeric(v, p, float.__gt__),
    "NumericGreaterThanEquals": lambda p, v, c: _numeric(v, p, float.__ge__),
    "DateEquals": lambda p, v, c: _dates(v, p, lambda x, y: x == y),
    "DateLessThan": lambda p, v, c: _dates(v, p, lambda x, y: x < y),
    "DateLessThanEquals": lambda p, v, c: _dates(v, p, lambda x, y: x <= y),
    "DateGreaterThan": lambda p, v, c: _dates(v, p, lambda x, y: x > y),
    "DateGreaterThanEquals": lambda p, v, c: _dates(v, p, lambda x, y: x >= y),
    "Bool": lambda p, v, c: p.lower() == v.lower(),
    "BinaryEquals": lambda p, v, c: p == v,
    "IpAddress": lambda p, v, c: _ip(v, p),
    "ArnEquals": lambda p, v, c: arn_match(p, v, c),
    "ArnLike": lambda p, v, c: arn_match(p, v, c),
}.items():
    _OPERATORS[_name] = (_fn, False)
for _negated, _positive in {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}.items():
    _OPERATORS[_negated] = (_OPERATORS[_positive][0], True)


def condition_matches(operator: str, key: str, policy_values: Any, context: dict[str, list[str]]) -> bool:
    """One key of one condition operator, as AWS documents it: the policy's values are ORed; a
    key missing from the request makes the condition false, except for negated operators,
    ...IfExists, ForAllValues: and Null; an unknown operator never matches."""
    qualifier, _, name = operator.rpartition(":")
    if_exists = name.endswith("IfExists")
    base = name[: -len("IfExists")] if if_exists else name
    expected = [_text(v) for v in _as_list(policy_values)]
    values = _context_value(context, key)
    if base == "Null":
        return any((values is None) == (e.lower() == "true") for e in expected)
    if base not in _OPERATORS or qualifier not in ("", "ForAnyValue", "ForAllValues"):
        return False
    matches, negated = _OPERATORS[base]
    if values is None:
        if if_exists or qualifier == "ForAllValues":
            return True
        if qualifier == "ForAnyValue":
            return False
        return negated

    def one(value: str) -> bool:
        hit = any(matches(e, value, context) for e in expected)
        return not hit if negated else hit

    if qualifier == "ForAllValues":
        return all(one(v) for v in values)
    if qualifier == "ForAnyValue" or not negated:
        return any(one(v) for v in values)
    return all(one(v) for v in values)


def conditions_match(block: Any, context: dict[str, list[str]]) -> bool:
    """Every operator and every key of a Condition block must match (AND)."""
    if not block:
        return True
    if not isinstance(block, dict):
        return False
    for operator, keys in block.items():
        if not isinstance(keys, dict):
            return False
        for key, values in keys.items():
            if not condition_matches(operator, key, values, context):
                return False
    return True


def _element_matches(statement: dict, name: str, value: str, ignore_case: bool, context: dict | None) -> bool | None:
    """Whether Action/Resource (or their Not- forms) cover `value`; None when neither is present."""
    if name in statement:
        return any(glob_match(_text(p), value, ignore_case, context) for p in _as_list(statement[name]))
    if f"Not{name}" in statement:
        return not any(glob_match(_text(p), value, ignore_case, context) for p in _as_list(statement[f"Not{name}"]))
    return None


def statement_applies(statement: dict, action: str, resource: str, context: dict[str, list[str]], versioned: bool = True) -> bool:
    variables = context if versioned else None
    if not _element_matches(statement, "Action", action, True, None):
        return False
    if not _element_matches(statement, "Resource", resource, False, variables):
        return False
    return conditions_match(statement.get("Condition"), context)


def _document(policy: Any) -> dict:
    if isinstance(policy, dict):
        return policy
    text = policy if isinstance(policy, str) else ""
    text = text.strip()
    if text.startswith("%"):
        text = unquote(text)
    try:
        parsed = json.loads(text) if text else {}
    except ValueError:
        parsed = {}
    return parsed if isinstance(parsed, dict) else {}


def evaluate(policies: Iterable[Any], action: str, resource: str, context: dict[str, list[str]] | None = None) -> Decision:
    """The identity-based evaluation of `action` on `resource`: an explicit Deny in any policy
    wins; otherwise an Allow in any policy allows; otherwise the implicit deny."""
    context = context or {}
    allowing = None
    for policy in policies:
        document = _document(policy)
        versioned = document.get("Version") == "2012-10-17"
        for statement in _as_list(document.get("Statement")):
            if not isinstance(statement, dict) or not statement_applies(statement, action, resource, context, versioned):
                continue
            effect = statement.get("Effect")
            if effect == DENY:
                return Decision(DENY, statement)
            if effect == ALLOW and allowing is None:
                allowing = statement
    return Decision(ALLOW, allowing) if allowing is not None else Decision(IMPLICIT_DENY)


def _principal_matches(principal: Any, callers: list[str], account: str) -> str | None:
    """'direct' when the Principal element names one of the caller's ARNs, 'account' when it
    names the caller's account (root or id) or everyone, else None."""
    if principal == "*":
        return "account"
    if not isinstance(principal, dict):
        return None
    named = None
    for p in _as_list(principal.get("AWS")):
        p = _text(p)
        if p in callers:
            return "direct"
        if p in ("*", account, f"arn:aws:iam::{account}:root"):
            named = "account"
    return named


def trust_decision(document: Any, callers: list[str], account: str, action: str, context: dict[str, list[str]]) -> str | None:
    """How a role's trust policy lets `callers` (the caller's ARNs) perform `action`:
    'direct' (named; no identity policy needed in the same account), 'account' (the account or
    anyone is trusted: the caller's identity policy must allow too) or None (not trusted)."""
    document = _document(document)
    granted = None
    for statement in _as_list(document.get("Statement")):
        if not isinstance(statement, dict):
            continue
        if not _element_matches(statement, "Action", action, True, None):
            continue
        if "Principal" in statement:
            how = _principal_matches(statement["Principal"], callers, account)
        elif "NotPrincipal" in statement:
            how = None if _principal_matches(statement["NotPrincipal"], callers, account) else "account"
        else:
            how = None
        if how is None or not conditions_match(statement.get("Condition"), context):
            continue
        if statement.get("Effect") == DENY:
            return None
        if statement.get("Effect") == ALLOW and granted != "direct":
            granted = how
    return granted


# ---------------------------------------------------------------------------------------------
# Signature Version 4 (pure: the raw request and a secret in, verdict out)
# ---------------------------------------------------------------------------------------------


class Refusal(Exception):
    """A request AWS refuses: `kind` picks the error code and status per protocol."""

    def __init__(self, kind: str, message: str, **detail: str):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.detail = detail


@dataclass
class RawRequest:
    method: str
    path: str  # as sent, percent-encoded
    query: str  # as sent
    headers: dict[str, str]  # lower-case names
    body: bytes


@dataclass
class Credential:
    access_key_id: str
    date: str
    region: str
    service: str
    signed_headers: list[str]
    signature: str
    amz_date: str
    session_token: str | None
    presigned: bool
    expires: int | None = None

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


ALGORITHM = "AWS4-HMAC-SHA256"


def query_pairs(query: str) -> list[tuple[str, str]]:
    return [(k, v) for k, _, v in (p.partition("=") for p in query.split("&") if p)]


def _decoded_query(query: str) -> dict[str, str]:
    return {unquote(k): unquote(v) for k, v in query_pairs(query)}


def parse_credential(request: RawRequest) -> Credential | None:
    """The SigV4 credential of a request (Authorization header or query string); None when the
    request carries no authentication at all."""
    authorization = request.headers.get("authorization", "")
    query = _decoded_query(request.query) if "Signature" in request.query or "X-Amz-" in request.query else {}
    if authorization:
        if not authorization.startswith(ALGORITHM + " "):
            raise Refusal("Unsupported", "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.")
        fields = dict(
            (k.strip(), v.strip()) for k, _, v in (part.partition("=") for part in authorization[len(ALGORITHM) + 1 :].split(","))
        )
        credential, signed, signature = fields.get("Credential"), fields.get("SignedHeaders"), fields.get("Signature")
        amz_date = request.headers.get("x-amz-date") or _from_http_date(request.headers.get("date", ""))
        token = request.headers.get("x-amz-security-token")
        presigned = False
        expires = None
    elif "X-Amz-Signature" in query or "X-Amz-Credential" in query:
        if query.get("X-Amz-Algorithm") != ALGORITHM:
            raise Refusal("Unsupported", "X-Amz-Algorithm only supports AWS4-HMAC-SHA256.")
        credential, signed, signature = query.get("X-Amz-Credential"), query.get("X-Amz-SignedHeaders"), query.get("X-Amz-Signature")
        amz_date = query.get("X-Amz-Date")
        token = query.get("X-Amz-Security-Token")
        presigned = True
        try:
            expires = int(query.get("X-Amz-Expires", "604800"))
        except ValueError:
            expires = -1
    elif "Signature" in query and "AWSAccessKeyId" in _decoded_query(request.query):
        raise Refusal("Unsupported", "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.")
    else:
        return None
    parts = (credential or "").split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not signed or not signature or not amz_date:
        raise Refusal(
            "Malformed",
            "Authorization header requires 'Credential', 'Signature', 'SignedHeaders' and a date "
            "(X-Amz-Date); Credential must be <key>/<date>/<region>/<service>/aws4_request.",
        )
    return Credential(parts[0], parts[1], parts[2], parts[3], signed.lower().split(";"), signature.lower(), amz_date, token, presigned, expires)


def _from_http_date(value: str) -> str:
    try:
        from email.utils import parsedate_to_datetime

        return parsedate_to_datetime(value).astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ") if value else ""
    except (TypeError, ValueError):
        return ""


def _encode(text: str) -> str:
    return quote(text, safe="-_.~")


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)


def canonical_uris(path: str, s3: bool) -> list[str]:
    """The canonical URI: S3 signs the path encoded once, every other service encodes the
    (already encoded) path again. Clients differ in which characters they encode, so both the
    path as sent and its canonical re-encoding are tried."""
    path = path or "/"
    once = quote(unquote(path), safe="/-_.~")
    if s3:
        return _unique([path, once])
    return _unique([quote(path, safe="/-_.~"), quote(once, safe="/-_.~")])


def canonical_queries(query: str, presigned: bool) -> list[str]:
    """Parameters sorted by encoded name then value, each name and value URI-encoded (`+` read
    as a plus sign, or as a space by clients that form-encode; both tried)."""
    pairs = query_pairs(query)
    if presigned:
        pairs = [(k, v) for k, v in pairs if unquote(k) != "X-Amz-Signature"]
    out = []
    for decode in (unquote, unquote_plus):
        items = sorted((_encode(decode(k)), _encode(decode(v))) for k, v in pairs)
        out.append("&".join(f"{k}={v}" for k, v in items))
    return _unique(out)


def canonical_headers(headers: dict[str, str], signed: list[str]) -> str:
    return "".join(f"{name}:{' '.join(headers.get(name, '').split())}\n" for name in signed)


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def string_to_sign(credential: Credential, canonical_request: str) -> str:
    digest = hashlib.sha256(canonical_request.encode()).hexdigest()
    return f"{ALGORITHM}\n{credential.amz_date}\n{credential.scope}\n{digest}"


def payload_hashes(request: RawRequest, credential: Credential, s3: bool) -> list[str]:
    declared = request.headers.get("x-amz-content-sha256")
    body_hash = hashlib.sha256(request.body).hexdigest()
    if s3:
        if declared:
            if re.fullmatch(r"[0-9a-f]{64}", declared) and declared != body_hash:
                raise Refusal("ContentSha256", "The provided 'x-amz-content-sha256' header does not match what was computed.")
            return [declared]
        return ["UNSIGNED-PAYLOAD"] if credential.presigned else [body_hash]
    return _unique([body_hash] + ([declared] if declared else []) + (["UNSIGNED-PAYLOAD"] if credential.presigned else []))


def canonical_requests(request: RawRequest, credential: Credential, s3: bool) -> Iterator[str]:
    headers = canonical_headers(request.headers, credential.signed_headers)
    signed = ";".join(credential.signed_headers)
    for payload in payload_hashes(request, credential, s3):
        for uri in canonical_uris(request.path, s3):
            for query in canonical_queries(request.query, credential.presigned):
                yield f"{request.method}\n{uri}\n{query}\n{headers}\n{signed}\n{payload}"


def verify_signature(request: RawRequest, credential: Credential, secret: str, s3: bool) -> None:
    """Raises Refusal('Signature') unless the request's signature is the one `secret` makes."""
    key = signing_key(secret, credential.date, credential.region, credential.service)
    first = None
    for canonical in canonical_requests(request, credential, s3):
        to_sign = string_to_sign(credential, canonical)
        first = first or (canonical, to_sign)
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if hmac.compare_digest(expected, credential.signature):
            return
    canonical, to_sign = first or ("", "")
    raise Refusal(
        "Signature",
        "The request signature we calculated does not match the signature you provided. Check your "
        "AWS Secret Access Key and signing method. Consult the service documentation for details.",
        canonical_request=canonical,
        string_to_sign=to_sign,
        access_key_id=credential.access_key_id,
    )


def check_presigned_expiry(credential: Credential, now: dt.datetime) -> None:
    if not credential.presigned:
        return
    try:
        signed_at = dt.datetime.strptime(credential.amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)
    except ValueError:
        raise Refusal("Malformed", "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"") from None
    if credential.expires is None or not 1 <= credential.expires <= 604800:
        raise Refusal("Malformed", "X-Amz-Expires must be between 1 and 604800 seconds")
    if now > signed_at + dt.timedelta(seconds=credential.expires):
        raise Refusal("Expired", "Request has expired", expires=(signed_at + dt.timedelta(seconds=credential.expires)).isoformat())


# ---------------------------------------------------------------------------------------------
# Principals (moto's IAM and STS backends)
# ---------------------------------------------------------------------------------------------


@dataclass
class Principal:
    arn: str  # the caller: a user's ARN or an assumed-role session's ARN
    account: str
    kind: str  # "User" | "AssumedRole"
    name: str  # user or role name
    secret: str
    principal_arn: str  # aws:PrincipalArn: the user's or the role's ARN
    user_id: str
    policies: list[Any] = field(default_factory=list)
    boundary: Any = None
    session_policy: Any = None
    tags: dict[str, str] = field(default_factory=dict)


def _managed_document(policy: Any) -> Any:
    for version in getattr(policy, "versions", []):
        if getattr(version, "is_default", False):
            return version.document
    return getattr(policy, "document", None)


def _tag_dict(tags: Any) -> dict[str, str]:
    if isinstance(tags, dict):
        return {k: (v.get("Value", "") if isinstance(v, dict) else _text(v)) for k, v in tags.items()}
    if isinstance(tags, list):
        return {t.get("Key", ""): t.get("Value", "") for t in tags if isinstance(t, dict)}
    return {}


def _boundary(backend: Any, arn: str | None) -> Any:
    if not arn:
        return None
    policy = backend.managed_policies.get(arn) or getattr(backend, "aws_managed_policies", {}).get(arn)
    # A boundary naming a policy that does not exist allows nothing.
    return _managed_document(policy) if policy is not None else {"Statement": []}


def find_principal(access_key_id: str, session_token: str | None, now: dt.datetime | None = None) -> Principal:
    """The user or assumed-role session owning `access_key_id`; Refusal when there is none."""
    now = now or dt.datetime.now(dt.timezone.utc)
    for account_id, account in list(iam_backends.items()):
        for partition in PARTITION_NAMES:
            if partition not in account:
                continue
            backend = account[partition]
            key = backend.access_keys.get(access_key_id)
            if key is None:
                continue
            if key.user_name:
                return _user_principal(backend, key, session_token)
            return _session_principal(account_id, partition, backend, access_key_id, session_token, now)
    raise Refusal("InvalidKey", "The security token included in the request is invalid.")


def _user_principal(backend: Any, key: Any, session_token: str | None) -> Principal:
    if key.status != "Active":
        raise Refusal("InvalidKey", "The security token included in the request is invalid.")
    if session_token:
        raise Refusal("InvalidToken", "The security token included in the request is invalid.")
    user = backend.users.get(key.user_name)
    if user is None:
        raise Refusal("InvalidKey", "The security token included in the request is invalid.")
    policies: list[Any] = list(user.policies.values())
    policies += [_managed_document(p) for p in user.managed_policies.values()]
    for group in backend.get_groups_for_user(user.name):
        policies += list(group.policies.values())
        policies += [_managed_document(p) for p in group.managed_policies.values()]
    try:
        tags = _tag_dict(backend.tagger.list_tags_for_resource(user.arn).get("Tags", []))
    except Exception:  # noqa: BLE001 - tags are optional context
        tags = {}
    return Principal(
        arn=user.arn,
        account=backend.account_id,
        kind="User",
        name=user.name,
        secret=key.secret_access_key,
        principal_arn=user.arn,
        user_id=user.id,
        policies=policies,
        boundary=_boundary(backend, getattr(user, "permissions_boundary_arn", None) or getattr(user, "permissions_boundary", None)),
        tags=tags,
    )


def _session_principal(account_id: str, partition: str, backend: Any, access_key_id: str, session_token: str | None, now: dt.datetime) -> Principal:
    session = None
    for sts_account, sts in list(sts_backends.items()):
        if partition in sts:
            session = sts[partition].get_assumed_role_from_access_key(access_key_id)
            if session:
                break
    if session is None:
        raise Refusal("InvalidKey", "The security token included in the request is invalid.")
    if not session_token or session_token != session.session_token:
        raise Refusal("InvalidToken", "The security token included in the request is invalid.")
    expiration = session.expiration if session.expiration.tzinfo else session.expiration.replace(tzinfo=dt.timezone.utc)
    if expiration < now:
        raise Refusal("ExpiredToken", "The security token included in the request is expired")
    policies: list[Any] = []
    boundary = None
    tags: dict[str, str] = {}
    role_name = session.role_arn.split("/")[-1]
    role_id = "AROA"
    try:
        role = backend.get_role_by_arn(session.role_arn)
        policies = list(role.policies.values()) + [_managed_document(p) for p in role.managed_policies.values()]
        boundary = _boundary(backend, role.permissions_boundary_arn)
        tags = _tag_dict(role.tags)
        role_id = role.id
    except Exception:  # noqa: BLE001 - a deleted role's sessions are allowed nothing
        pass
    return Principal(
        arn=session.arn,
        account=account_id,
        kind="AssumedRole",
        name=role_name,
        secret=session.secret_access_key,
        principal_arn=session.role_arn,
        user_id=f"{role_id}:{session.session_name}",
        policies=policies,
        boundary=boundary,
        session_policy=session.policy or None,
        tags=tags,
    )


def base_context(principal: Principal, region: str, source_ip: str = "127.0.0.1", user_agent: str = "") -> dict[str, list[str]]:
    now = dt.datetime.now(dt.timezone.utc)
    context = {
        "aws:principalarn": [principal.principal_arn],
        "aws:principalaccount": [principal.account],
        "aws:principaltype": [principal.kind],
        "aws:userid": [principal.user_id],
        "aws:requestedregion": [region],
        "aws:currenttime": [now.strftime("%Y-%m-%dT%H:%M:%SZ")],
        "aws:epochtime": [str(int(now.timestamp()))],
        # The local cloud stands in for AWS's TLS endpoints (it is reached on loopback only).
        "aws:securetransport": ["true"],
        "aws:sourceip": [source_ip],
        "aws:viaawsservice": ["false"],
        "aws:principalisawsservice": ["false"],
        "aws:resourceaccount": [principal.account],
    }
    if user_agent:
        context["aws:useragent"] = [user_agent]
    if principal.kind == "User":
        context["aws:username"] = [principal.name]
    for key, value in principal.tags.items():
        context[f"aws:principaltag/{key}".lower()] = [value]
    return context


def authorize(principal: Principal, action: str, resource: str, context: dict[str, list[str]]) -> tuple[bool, str]:
    """(allowed, AWS's reason when not) for the principal's identity policies, its permissions
    boundary and its session policy."""
    decision = evaluate(principal.policies, action, resource, context)
    if decision.effect == DENY:
        return False, "with an explicit deny in an identity-based policy"
    if principal.boundary is not None:
        bounded = evaluate([principal.boundary], action, resource, context)
        if bounded.effect == DENY:
            return False, "with an explicit deny in a permissions boundary"
        if not bounded.allowed:
            return False, f"because no permissions boundary allows the {action} action"
    if principal.session_policy is not None:
        session = evaluate([principal.session_policy], action, resource, context)
        if session.effect == DENY:
            return False, "with an explicit deny in a session policy"
        if not session.allowed:
            return False, f"because no session policy allows the {action} action"
    if not decision.allowed:
        return False, f"because no identity-based policy allows the {action} action"
    return True, ""


def denied_message(principal: Principal, action: str, resource: str, reason: str, quote_resource: bool = False) -> str:
    shown = f'"{resource}"' if quote_resource else resource
    return f"User: {principal.arn} is not authorized to perform: {action} on resource: {shown} {reason}".rstrip()


def role_allows(
    role_arn: str, action: str, resource: str, region: str = "us-east-1", context: dict | None = None, session: str = "localcloud"
) -> tuple[bool, str]:
    """Whether a role's session may perform `action` on `resource`, for local-cloud code that
    acts as a role without an HTTP request (Step Functions tasks, say): (allowed, AWS's message)."""
    parts = role_arn.split(":")
    account = parts[4] if len(parts) > 4 and parts[4] else ACCOUNT_ID
    backend = iam_backends[account]["aws"]
    role_name = role_arn.split("/")[-1]
    try:
        role = backend.get_role_by_arn(role_arn)
        policies = list(role.policies.values()) + [_managed_document(p) for p in role.managed_policies.values()]
        boundary = _boundary(backend, role.permissions_boundary_arn)
        role_id = role.id
    except Exception:  # noqa: BLE001
        policies, boundary, role_id = [], None, "AROA"
    principal = Principal(
        arn=f"arn:aws:sts::{account}:assumed-role/{role_name}/{session}",
        account=account,
        kind="AssumedRole",
        name=role_name,
        secret="",
        principal_arn=role_arn,
        user_id=f"{role_id}:{session}",
        policies=policies,
        boundary=boundary,
    )
    ctx = base_context(principal, region)
    ctx.update(context or {})
    allowed, reason = authorize(principal, action, resource, ctx)
    return allowed, "" if allowed else denied_message(principal, action, resource, reason)


# ---------------------------------------------------------------------------------------------
# What a request asks for: (IAM action, resource ARN) pairs, per service
# ---------------------------------------------------------------------------------------------

# Signing names whose IAM service prefix differs.
_IAM_PREFIX = {"monitoring": "cloudwatch", "email": "ses", "execute-api": "execute-api"}

# API operation -> IAM action, where they differ.
_ACTION_NAMES = {
    "lambda": {"Invoke": "InvokeFunction", "InvokeWithResponseStream": "InvokeFunction", "GetLayerVersionByArn": "GetLayerVersion"},
    "s3": {
        "HeadBucket": "ListBucket",
        "ListObjects": "ListBucket",
        "ListObjectsV2": "ListBucket",
        "ListBuckets": "ListAllMyBuckets",
        "ListObjectVersions": "ListBucketVersions",
        "HeadObject": "GetObject",
        "GetBucketCors": "GetBucketCORS",
        "PutBucketCors": "PutBucketCORS",
        "DeleteBucketCors": "PutBucketCORS",
        "GetBucketEncryption": "GetEncryptionConfiguration",
        "PutBucketEncryption": "PutEncryptionConfiguration",
        "DeleteBucketEncryption": "PutEncryptionConfiguration",
        "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
        "PutBucketLifecycleConfiguration": "PutLifecycleConfiguration",
        "DeleteBucketLifecycle": "PutLifecycleConfiguration",
        "GetBucketAccelerateConfiguration": "GetAccelerateConfiguration",
        "PutBucketAccelerateConfiguration": "PutAccelerateConfiguration",
        "GetBucketNotificationConfiguration": "GetBucketNotification",
        "PutBucketNotificationConfiguration": "PutBucketNotification",
        "GetBucketReplication": "GetReplicationConfiguration",
        "GetObjectLockConfiguration": "GetBucketObjectLockConfiguration",
        "GetPublicAccessBlock": "GetBucketPublicAccessBlock",
        "PutPublicAccessBlock": "PutBucketPublicAccessBlock",
        "DeletePublicAccessBlock": "PutBucketPublicAccessBlock",
        "ListMultipartUploads": "ListBucketMultipartUploads",
        "ListParts": "ListMultipartUploadParts",
        "CreateMultipartUpload": "PutObject",
        "CompleteMultipartUpload": "PutObject",
        "UploadPart": "PutObject",
        "UploadPartCopy": "PutObject",
        "CopyObject": "PutObject",
        "DeleteObjects": "DeleteObject",
        "SelectObjectContent": "GetObject",
        "GetBucketInventoryConfiguration": "GetInventoryConfiguration",
        "ListBucketInventoryConfigurations": "GetInventoryConfiguration",
    },
}


def _arn(service: str, region: str, account: str, resource: str) -> str:
    return f"arn:aws:{service}:{region}:{account}:{resource}"


def _first(params: dict, *names: str) -> str | None:
    for name in names:
        value = params.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def _dynamodb(action: str, params: dict, region: str, account: str) -> list[tuple[str, str]]:
    def table(name: str) -> str:
        return name if name.startswith("arn:") else _arn("dynamodb", region, account, f"table/{name}")

    if action in ("BatchGetItem", "BatchWriteItem"):
        return [(f"dynamodb:{action}", table(t)) for t in (params.get("RequestItems") or {})] or [(f"dynamodb:{action}", "*")]
    if action in ("TransactWriteItems", "TransactGetItems"):
        kinds = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}
        out = []
        for item in params.get("TransactItems") or []:
            for kind, item_action in kinds.items():
                if isinstance(item, dict) and isinstance(item.get(kind), dict) and item[kind].get("TableName"):
                    out.append((f"dynamodb:{item_action}", table(item[kind]["TableName"])))
        return out or [(f"dynamodb:{action}", "*")]
    name = _first(params, "TableName")
    if name:
        arn = table(name)
        index = _first(params, "IndexName")
        if index and action in ("Query", "Scan"):
            arn += f"/index/{index}"
        return [(f"dynamodb:{action}", arn)]
    arn = _first(params, "ResourceArn", "StreamArn", "BackupArn", "ExportArn", "ImportArn")
    return [(f"dynamodb:{action}", arn or "*")]


def _function_arn(name: str, region: str, account: str) -> str:
    if name.startswith("arn:"):
        return name
    if re.match(r"^\d{12}:function:", name):
        return f"arn:aws:lambda:{region}:{name}"
    return _arn("lambda", region, account, f"function:{name}")


def _lambda(action: str, params: dict, region: str, account: str) -> list[tuple[str, str]]:
    iam_action = "lambda:" + _ACTION_NAMES["lambda"].get(action, action)
    name = _first(params, "FunctionName")
    if name:
        arn = _function_arn(name, region, account)
        qualifier = _first(params, "Qualifier")
        if qualifier and arn.count(":") == 6:
            arn += f":{qualifier}"
        return [(iam_action, arn)]
    layer = _first(params, "LayerName")
    if layer:
        arn = layer if layer.startswith("arn:") else _arn("lambda", region, account, f"layer:{layer}")
        version = _first(params, "VersionNumber")
        if version and arn.count(":") == 6:
            arn += f":{version}"
        return [(iam_action, arn)]
    if _first(params, "Arn") and action == "GetLayerVersionByArn":
        return [(iam_action, params["Arn"])]
    if _first(params, "UUID"):
        return [(iam_action, _arn("lambda", region, account, f"event-source-mapping:{params['UUID']}"))]
    return [(iam_action, _first(params, "Resource", "CodeSigningConfigArn") or "*")]


def _states(action: str, params: dict, region: str, account: str) -> list[tuple[str, str]]:
    arn = _first(params, "stateMachineArn", "executionArn", "activityArn", "resourceArn", "mapRunArn", "aliasArn")
    if not arn and action == "CreateStateMachine" and _first(params, "name"):
        arn = _arn("states", region, account, f"stateMachine:{params['name']}")
    if not arn and action == "CreateActivity" and _first(params, "name"):
        arn = _arn("states", region, account, f"activity:{params['name']}")
    return [(f"states:{action}", arn or "*")]


def _parameter_arn(name: str, region: str, account: str) -> str:
    if name.startswith("arn:"):
        return name
    return _arn("ssm", region, account, "parameter/" + name.split(":")[0].lstrip("/"))


def _ssm(action: str, params: dict, region: str, account: str) -> list[tuple[str, str]]:
    names = params.get("Names")
    if isinstance(names, list) and names:
        return [(f"ssm:{action}", _parameter_arn(n, region, account)) for n in names if isinstance(n, str)]
    name = _first(params, "Name", "Path")
    if not name and params.get("ResourceType") == "Parameter":
        name = _first(params, "ResourceId")
    return [(f"ssm:{action}", _parameter_arn(name, region, account) if name else "*")]


def _sns(action: str, params: dict, region: str, account: str) -> list[tuple[str, str]]:
    arn = _first(params, "TopicArn", "TargetArn", "ResourceArn")
    if not arn and _first(params, "SubscriptionArn"):
        arn = params["SubscriptionArn"].rsplit(":", 1)[0]
    if not arn and action == "CreateTopic" and _first(params, "Name"):
        arn = _arn("sns", region, account, params["Name"])
    return [(f"sns:{action}", arn or "*")]


def _sqs(action: str, params: dict, region: str, account: str) -> list[tuple[str, str]]:
    url = _first(params, "QueueUrl")
    if url:
        parts = url.rstrip("/").split("/")
        owner = parts[-2] if len(parts) >= 2 and re.fullmatch(r"\d{12}", parts[-2]) else account
        return [(f"sqs:{action}", _arn("sqs", region, owner, parts[-1]))]
    if _first(params, "QueueName"):
        return [(f"sqs:{action}", _arn("sqs", region, account, params["QueueName"]))]
    return [(f"sqs:{action}", "*")]


_LOG_STREAM_ACTIONS = {"CreateLogStream", "DeleteLogStream", "PutLogEvents", "GetLogEvents"}


def _logs(action: str, params: dict, region: str, account: str) -> list[tuple[str, str]]:
    group = _first(params, "logGroupName")
    identifier = _first(params, "logGroupIdentifier")
    if not group and identifier:
        group = identifier.split(":log-group:")[1].split(":")[0] if ":log-group:" in identifier else identifier
    if group and action in _LOG_STREAM_ACTIONS:
        stream = _first(params, "logStreamName") or "*"
        return [(f"logs:{action}", _arn("logs", region, account, f"log-group:{group}:log-stream:{stream}"))]
    if group:
        return [(f"logs:{action}", _arn("logs", region, account, f"log-group:{group}"))]
    if action == "DescribeLogGroups":
        return [(f"logs:{action}", _arn("logs", region, account, "log-group:*"))]
    return [(f"logs:{action}", _first(params, "resourceArn", "resourceIdentifier") or "*")]


def _cloudwatch(action: str, params: dict, region: str, account: str) -> list[tuple[str, str]]:
    """CloudWatch's alarm actions are authorized on the alarm (`alarm:<name>`); the rest on `*`."""
    names = [_text(n) for n in _as_list(params.get("AlarmNames"))]
    name = _first(params, "AlarmName")
    if name:
        names.append(name)
    if names:
        return [(f"cloudwatch:{action}", _arn("cloudwatch", region, account, f"alarm:{n}")) for n in names]
    arn = _first(params, "ResourceARN")
    return [(f"cloudwatch:{action}", arn or "*")]


def _events(action: str, params: dict, region: str, account: str) -> list[tuple[str, str]]:
    def bus(name: str | None) -> str:
        name = name or "default"
        return name if name.startswith("arn:") else _arn("events", region, account, f"event-bus/{name}")

    if action == "PutEvents":
        entries = [e for e in params.get("Entries") or [] if isinstance(e, dict)]
        return [("events:PutEvents", b) for b in _unique(bus(e.get("EventBusName")) for e in entries)] or [("events:PutEvents", bus(None))]
    rule = _first(params, "Rule") if action in ("PutTargets", "RemoveTargets", "ListTargetsByRule") else None
    rule = rule or (_first(params, "Name") if action in ("PutRule", "DeleteRule", "DescribeRule", "EnableRule", "DisableRule") else None)
    if rule:
        bus_name = _first(params, "EventBusName") or "default"
        bus_name = bus_name.split("/")[-1]
        path = f"rule/{rule}" if bus_name == "default" else f"rule/{bus_name}/{rule}"
        return [(f"events:{action}", _arn("events", region, account, path))]
    if action in ("CreateEventBus", "DeleteEventBus", "DescribeEventBus") and _first(params, "Name"):
        return [(f"events:{action}", bus(params["Name"]))]
    return [(f"events:{action}", _first(params, "ResourceARN") or "*")]


def _ecr(action: str, params: dict, region: str, account: str) -> list[tuple[str, str]]:
    owner = _first(params, "registryId") or account
    names = params.get("repositoryNames")  # DescribeRepositories: authorized on each named repository
    if isinstance(names, list) and names:
        return [(f"ecr:{action}", _arn("ecr", region, owner, f"repository/{n}")) for n in names if isinstance(n, str)]
    name = _first(params, "repositoryName")
    if name:
        owner = _first(params, "registryId") or account
        return [(f"ecr:{action}", _arn("ecr", region, owner, f"repository/{name}"))]
    return [(f"ecr:{action}", _first(params, "resourceArn") or "*")]


def _codebuild(action: str, params: dict, region: str, account: str) -> list[tuple[str, str]]:
    def project(name: str) -> str:
        return name if name.startswith("arn:") else _arn("codebuild", region, account, f"project/{name}")

    if action in ("BatchGetBuilds", "BatchDeleteBuilds") and isinstance(params.get("ids"), list):
        return [(f"codebuild:{action}", project(i.split(":")[0] if not i.startswith("arn:") else i.split(":build/")[-1].split(":")[0])) for i in params["ids"]]
    if action == "BatchGetProjects" and isinstance(params.get("names"), list):
        return [(f"codebuild:{action}", project(n)) for n in params["names"]]
    name = _first(params, "projectName")
    if not name and action in ("CreateProject", "UpdateProject", "DeleteProject", "CreateWebhook", "DeleteWebhook", "UpdateWebhook"):
        name = _first(params, "name")
    if not name and action in ("StopBuild", "RetryBuild") and _first(params, "id"):
        name = params["id"].split(":")[0]
    return [(f"codebuild:{action}", project(name) if name else "*")]


def _iam(action: str, params: dict, region: str, account: str) -> list[tuple[str, str]]:
    backend = iam_backends[account]["aws"]
    path = _first(params, "Path") or "/"
    for key, kind, lookup in (
        ("RoleName", "role", lambda n: backend.get_role(n).arn),
        ("UserName", "user", lambda n: backend.get_user(n).arn),
        ("GroupName", "group", lambda n: backend.get_group(n).arn),
        ("InstanceProfileName", "instance-profile", lambda n: backend.get_instance_profile(n).arn),
    ):
        name = _first(params, key)
        if name:
            try:
                arn = lookup(name)
            except Exception:  # noqa: BLE001 - not created yet: the ARN it will have
                arn = f"arn:aws:iam::{account}:{kind}{path}{name}"
            return [(f"iam:{action}", arn)]
    arn = _first(params, "PolicyArn", "OpenIDConnectProviderArn", "SAMLProviderArn")
    if not arn and action == "CreatePolicy" and _first(params, "PolicyName"):
        arn = f"arn:aws:iam::{account}:policy{path}{params['PolicyName']}"
    return [(f"iam:{action}", arn or "*")]


def _sts(action: str, params: dict, region: str, account: str) -> list[tuple[str, str]]:
    return [(f"sts:{action}", _first(params, "RoleArn") or "*")]


def _kms(action: str, params: dict, region: str, account: str) -> list[tuple[str, str]]:
    key = _first(params, "KeyId")
    if not key:
        return [(f"kms:{action}", "*")]
    alias = key if key.startswith("alias/") else ("alias/" + key.split(":alias/", 1)[1] if ":alias/" in key else None)
    if alias:
        # A key named by its alias is authorized on the key the alias points to, as AWS does
        # (the alias is no resource of DescribeKey, Encrypt, ...). An AWS-managed alias
        # (alias/aws/ssm) gets its key on first use, as in AWS. An unknown alias keeps its ARN.
        alias_region = key.split(":")[3] if key.startswith("arn:") else region
        target = _kms_alias_target(account, alias_region, alias)
        if target:
            return [(f"kms:{action}", _arn("kms", alias_region, account, f"key/{target}"))]
        return [(f"kms:{action}", _arn("kms", alias_region, account, alias))]
    if key.startswith("arn:"):
        return [(f"kms:{action}", key)]
    return [(f"kms:{action}", _arn("kms", region, account, f"key/{key}"))]


def _kms_alias_target(account: str, region: str, alias: str) -> str | None:
    from moto.kms.models import kms_backends  # noqa: PLC0415 - only loaded for KMS requests

    try:
        return kms_backends[account][region].get_key_id_from_alias(alias)
    except Exception:  # noqa: BLE001 - an unknown region or account: no key to resolve to
        return None


def _secretsmanager(action: str, params: dict, region: str, account: str) -> list[tuple[str, str]]:
    secret = _first(params, "SecretId")
    if not secret and action == "CreateSecret":
        secret = _first(params, "Name")
    if not secret:
        return [(f"secretsmanager:{action}", "*")]
    if secret.startswith("arn:"):
        return [(f"secretsmanager:{action}", secret)]
    try:
        from moto.secretsmanager.models import secretsmanager_backends

        return [(f"secretsmanager:{action}", secretsmanager_backends[account][region].secrets[secret].arn)]
    except Exception:  # noqa: BLE001
        return [(f"secretsmanager:{action}", _arn("secretsmanager", region, account, f"secret:{secret}"))]


# Bedrock Runtime names the model in the path: /model/{modelId}/invoke, .../converse, ...
_BEDROCK_MODEL_PATH = re.compile(r"^/model/([^/]+)/(?:invoke|invoke-with-response-stream|converse|converse-stream)$")
# Cross-region inference profile ids start with a geography (us.amazon.nova-lite-v1:0).
_INFERENCE_PROFILE_ID = re.compile(r"^(?:us|us-gov|eu|apac|jp|au|ca|global)\.")


def bedrock_model_id(path: str) -> str | None:
    """The model id of a Bedrock Runtime request path (percent-decoded), else None."""
    match = _BEDROCK_MODEL_PATH.match(path)
    return unquote(match.group(1)) if match else None


def _bedrock(action: str, params: dict, region: str, account: str) -> list[tuple[str, str]]:
    """InvokeModel and Converse are authorized on the model: a foundation model's ARN has no
    account, an inference profile's has the caller's; an ARN is checked as given."""
    model = _first(params, "modelId")
    if not model:
        return [(f"bedrock:{action}", "*")]
    if model.startswith("arn:"):
        return [(f"bedrock:{action}", model)]
    if _INFERENCE_PROFILE_ID.match(model):
        return [(f"bedrock:{action}", _arn("bedrock", region, account, f"inference-profile/{model}"))]
    return [(f"bedrock:{action}", f"arn:aws:bedrock:{region}::foundation-model/{model}")]


_TARGETS = {
    "bedrock": _bedrock,
    "cloudwatch": _cloudwatch,
    "dynamodb": _dynamodb,
    "lambda": _lambda,
    "states": _states,
    "ssm": _ssm,
    "sns": _sns,
    "sqs": _sqs,
    "logs": _logs,
    "events": _events,
    "ecr": _ecr,
    "codebuild": _codebuild,
    "iam": _iam,
    "sts": _sts,
    "kms": _kms,
    "secretsmanager": _secretsmanager,
}


def request_targets(prefix: str, action: str, params: dict, region: str, account: str) -> list[tuple[str, str]]:
    """The (IAM action, resource) pairs AWS checks for a request; every one must be allowed."""
    builder = _TARGETS.get(prefix)
    if builder is None:
        return [(f"{prefix}:{action}", "*")]
    return builder(action, params, region, account)


# ---------------------------------------------------------------------------------------------
# Error shapes per protocol
# ---------------------------------------------------------------------------------------------

# kind -> (code, status) for awsJson services; REST-JSON services answer the same codes with 403.
_JSON_ERRORS = {
    "AccessDenied": ("AccessDeniedException", 400),
    "InvalidKey": ("UnrecognizedClientException", 400),
    "InvalidToken": ("UnrecognizedClientException", 400),
    "Signature": ("InvalidSignatureException", 400),
    "MissingAuth": ("MissingAuthenticationTokenException", 400),
    "ExpiredToken": ("ExpiredTokenException", 400),
    "Expired": ("AccessDeniedException", 400),
    "Malformed": ("IncompleteSignatureException", 400),
    "Unsupported": ("IncompleteSignatureException", 400),
    "ContentSha256": ("InvalidSignatureException", 400),
    "InvalidIdentityToken": ("InvalidIdentityTokenException", 400),
    "ExpiredWebToken": ("ExpiredTokenException", 400),
}
_QUERY_ERRORS = {
    "AccessDenied": ("AccessDenied", 403),
    "InvalidKey": ("InvalidClientTokenId", 403),
    "InvalidToken": ("InvalidClientTokenId", 403),
    "Signature": ("SignatureDoesNotMatch", 403),
    "MissingAuth": ("MissingAuthenticationToken", 403),
    "ExpiredToken": ("ExpiredToken", 403),
    "Expired": ("AccessDenied", 403),
    "Malformed": ("IncompleteSignature", 400),
    "Unsupported": ("IncompleteSignature", 400),
    "ContentSha256": ("SignatureDoesNotMatch", 403),
    "InvalidIdentityToken": ("InvalidIdentityToken", 400),
    "ExpiredWebToken": ("ExpiredTokenException", 400),
}
_S3_ERRORS = {
    "AccessDenied": ("AccessDenied", 403),
    "InvalidKey": ("InvalidAccessKeyId", 403),
    "InvalidToken": ("InvalidToken", 400),
    "Signature": ("SignatureDoesNotMatch", 403),
    "MissingAuth": ("AccessDenied", 403),
    "ExpiredToken": ("ExpiredToken", 400),
    "Expired": ("AccessDenied", 403),
    "Malformed": ("AuthorizationQueryParametersError", 400),
    "Unsupported": ("InvalidRequest", 400),
    "ContentSha256": ("XAmzContentSHA256Mismatch", 400),
}
_MESSAGES = {
    "InvalidKey": {"s3": "The AWS Access Key Id you provided does not exist in our records."},
    "InvalidToken": {"s3": "The provided token is malformed or otherwise invalid."},
    "ExpiredToken": {"s3": "The provided token has expired."},
    "MissingAuth": {"json": "Missing Authentication Token", "query": "Request is missing Authentication Token", "s3": "Access Denied"},
}
# Services whose model documents another code for the refusal.
_QUERY_ACCESS_DENIED = {"sns": "AuthorizationError"}


def _request_id() -> str:
    return str(uuid.uuid4())


@lru_cache(maxsize=64)
def _model_protocol(service: str) -> str:
    try:
        from moto.core.utils import get_service_model

        return str(get_service_model(service).protocol)
    except Exception:  # noqa: BLE001
        return "json"


def protocol_of(service: str, headers: dict[str, str], query: str) -> str:
    content_type = headers.get("content-type", "")
    if content_type.startswith("application/x-amz-json") or "x-amz-target" in headers:
        return "json"
    if content_type.startswith("application/x-www-form-urlencoded") or re.search(r"(^|&)Action=", query):
        return "query"
    protocol = _model_protocol(service)
    return {"smithy-rpc-v2-cbor": "json", "ec2": "query"}.get(protocol, protocol)


def render(refusal: Refusal, protocol: str, service: str) -> tuple[int, dict[str, str], str]:
    """The refusal as the service answers it: (status, headers, body)."""
    request_id = _request_id()
    kind = refusal.kind
    if protocol == "rest-xml":
        code, status = _S3_ERRORS[kind]
        message = _MESSAGES.get(kind, {}).get("s3", refusal.message)
        extra = ""
        if kind == "Signature":
            extra = (
                f"<AWSAccessKeyId>{escape(refusal.detail.get('access_key_id', ''))}</AWSAccessKeyId>"
                f"<StringToSign>{escape(refusal.detail.get('string_to_sign', ''))}</StringToSign>"
                f"<CanonicalRequest>{escape(refusal.detail.get('canonical_request', ''))}</CanonicalRequest>"
            )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{code}</Code><Message>{escape(message)}</Message>{extra}"
            f"<RequestId>{request_id}</RequestId><HostId>{request_id}</HostId></Error>"
        )
        return status, {"content-type": "application/xml", "x-amz-request-id": request_id}, body
    if protocol == "query":
        code, status = _QUERY_ERRORS[kind]
        if kind == "AccessDenied":
            code = _QUERY_ACCESS_DENIED.get(service, code)
        message = _MESSAGES.get(kind, {}).get("query", refusal.message)
        if kind == "Signature":
            message += (
                f"\n\nThe Canonical String for this request should have been\n'{refusal.detail.get('canonical_request', '')}'"
                f"\n\nThe String-to-Sign should have been\n'{refusal.detail.get('string_to_sign', '')}'\n"
            )
        body = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{code}</Code><Message>{escape(message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return status, {"content-type": "text/xml", "x-amzn-RequestId": request_id}, body
    code, status = _JSON_ERRORS[kind]
    message = _MESSAGES.get(kind, {}).get("json", refusal.message)
    if kind == "Signature":
        message += (
            f"\n\nThe Canonical String for this request should have been\n'{refusal.detail.get('canonical_request', '')}'"
            f"\n\nThe String-to-Sign should have been\n'{refusal.detail.get('string_to_sign', '')}'\n"
        )
    headers = {"x-amzn-ErrorType": code, "x-amzn-RequestId": request_id}
    if protocol == "json":
        headers["content-type"] = "application/x-amz-json-1.1"
        if service == "sqs" and kind == "AccessDenied":
            headers["x-amzn-query-error"] = "AccessDenied;Sender"
        return status, headers, json.dumps({"__type": code, "message": message})
    # REST-JSON (Lambda, API Gateway, Scheduler, ...): 403 for every authentication refusal.
    headers["content-type"] = "application/json"
    status = 403 if status == 400 and kind not in ("Malformed", "Unsupported") else status
    return status, headers, json.dumps({"Type": "User", "message": message, "Message": message})


# ---------------------------------------------------------------------------------------------
# Hooks into moto's server
# ---------------------------------------------------------------------------------------------

_RAW_BODY = "localcloud.raw_body"
_trusted = threading.local()


@contextlib.contextmanager
def trusted() -> Iterator[None]:
    """Local-cloud code dispatching a request to moto's response classes in-process (no
    client, no signature) runs inside this; it is neither authenticated nor authorized."""
    previous = getattr(_trusted, "active", False)
    _trusted.active = True
    try:
        yield
    finally:
        _trusted.active = previous


def _capture_body(environ: dict) -> None:
    """Keeps the request body's bytes as they arrived (moto parses forms away)."""
    if _RAW_BODY in environ:
        return
    stream = environ.get("wsgi.input")
    body = b""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if stream is not None:
        if length > 0:
            body = stream.read(length)
        elif environ.get("wsgi.input_terminated") or "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            body = stream.read()
    import io

    environ["wsgi.input"] = io.BytesIO(body)
    if body and not length:
        environ["CONTENT_LENGTH"] = str(len(body))
    environ[_RAW_BODY] = body


_original_dispatch_call = DomainDispatcherApplication.__call__


def _dispatch_call(self: DomainDispatcherApplication, environ: dict, start_response: Any) -> Any:
    _capture_body(environ)
    return _original_dispatch_call(self, environ, start_response)


def _wire_text(text: str) -> str:
    """WSGI hands the request target over as latin-1; clients send UTF-8."""
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def raw_request(response: BaseResponse) -> RawRequest:
    request = response.normalized_request
    environ = request.environ
    raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
    if "://" in raw_uri.split("?", 1)[0]:
        raw_uri = "/" + raw_uri.split("://", 1)[1].partition("/")[2]
    path, _, query = raw_uri.partition("?") if raw_uri else (request.raw_path, "", environ.get("QUERY_STRING", ""))
    body = environ.get(_RAW_BODY)
    if body is None:
        raw = getattr(response, "raw_body", b"") or b""
        body = raw if isinstance(raw, bytes) else str(raw).encode()
    headers = {k.lower(): v for k, v in request.headers.items()}
    return RawRequest(request.method, _wire_text(path) or "/", _wire_text(query), headers, body)


def _params(response: BaseResponse, request: RawRequest, protocol: str) -> dict:
    params: dict[str, Any] = {}
    for key, value in parse_qsl(request.query, keep_blank_values=True):
        params.setdefault(key, value)
    if request.body and protocol in ("json", "rest-json"):
        try:
            parsed = json.loads(request.body)
            if isinstance(parsed, dict):
                params.update(parsed)
        except ValueError:
            pass
    elif request.body and protocol == "query":
        for key, value in parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True):
            params.setdefault(key, value)
    if request.body and request.headers.get("smithy-protocol") == "rpc-v2-cbor":
        from .cloudwatch_cbor import decode, to_json_value

        with contextlib.suppress(ValueError, IndexError, TypeError):
            parsed = to_json_value(decode(request.body))
            if isinstance(parsed, dict):
                params.update(parsed)
    for key, value in (getattr(response, "uri_match", None) or {}).items():
        params[key] = unquote(value) if isinstance(value, str) else value
    return params


def _apigateway_targets(response: BaseResponse, request: RawRequest, region: str) -> list[tuple[str, str]]:
    path = unquote(request.path)
    if path.startswith("/v2/"):
        path = path[3:]
    return [(f"apigateway:{request.method.upper()}", f"arn:aws:apigateway:{region}::{path}")]


def _s3_targets(response: BaseResponse, api_action: str, resource: str, request: RawRequest) -> list[tuple[str, str]]:
    action = "s3:" + _ACTION_NAMES["s3"].get(api_action, api_action)
    targets = [(action, resource)]
    query = _decoded_query(request.query)
    if request.method == "POST" and "delete" in query and resource.count("/") == 0:
        keys = re.findall(rb"<Key>(.*?)</Key>", request.body, re.DOTALL)
        from html import unescape

        targets = [("s3:DeleteObject", f"{resource}/{unescape(k.decode('utf-8', 'replace'))}") for k in keys] or targets
    source = request.headers.get("x-amz-copy-source")
    if source and request.method == "PUT":
        source = unquote(source.split("?")[0]).lstrip("/")
        targets.append(("s3:GetObject", f"arn:aws:s3:::{source}"))
    return targets


def _s3_context(request: RawRequest, credential: Credential) -> dict[str, list[str]]:
    query = _decoded_query(request.query)
    context = {f"s3:{k}": [query[k]] for k in ("prefix", "delimiter", "max-keys") if k in query}
    context["s3:signatureversion"] = ["AWS4-HMAC-SHA256"]
    context["s3:authtype"] = ["REST-QUERY-STRING" if credential.presigned else "REST-HEADER"]
    if "x-amz-acl" in request.headers:
        context["s3:x-amz-acl"] = [request.headers["x-amz-acl"]]
    return context


_UNSIGNED = {("sts", "AssumeRoleWithWebIdentity"), ("sts", "AssumeRoleWithSAML")}


def _jwt_claims(token: str) -> dict:
    """A JSON Web Token's claims (its payload). The signature is not checked: the local cloud has
    no way to reach the issuer's keys (docs/emulator.md)."""
    parts = token.split(".")
    if len(parts) != 3:
        raise Refusal("InvalidIdentityToken", "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)")
    try:
        payload = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except ValueError as error:
        raise Refusal("InvalidIdentityToken", "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)") from error
    if not isinstance(claims, dict):
        raise Refusal("InvalidIdentityToken", "The ID Token provided is not a valid JWT.")
    return claims


def _federated_principals(principal: Any) -> list[str]:
    return [_text(p) for p in _as_list(principal.get("Federated"))] if isinstance(principal, dict) else []


def authorize_web_identity(params: dict, now: dt.datetime | None = None) -> None:
    """AssumeRoleWithWebIdentity as STS decides it: the token's issuer must be an OpenID Connect
    provider of the role's account, its audience one of the provider's client ids, the token
    unexpired, and the role's trust policy must allow the provider (Principal Federated) with the
    token's claims as condition keys (`<issuer host>:sub`, `:aud`, `:iss`, and any other string claim)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    role_arn = _first(params, "RoleArn") or ""
    claims = _jwt_claims(_first(params, "WebIdentityToken") or "")
    issuer = _text(claims.get("iss", ""))
    host = re.sub(r"^https://", "", issuer).rstrip("/")
    account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else ""
    provider_arn = f"arn:aws:iam::{account}:oidc-provider/{host}"
    provider = role = None
    for partition in PARTITION_NAMES:
        backend = iam_backends[account][partition] if account else None
        if backend is None:
            continue
        provider = provider or backend.open_id_providers.get(provider_arn)
        with contextlib.suppress(Exception):
            role = role or backend.get_role_by_arn(role_arn)
    if not host or provider is None:
        raise Refusal("InvalidIdentityToken", f"No OpenIDConnect provider found in your account for {issuer}")
    audiences = [_text(a) for a in _as_list(claims.get("aud"))]
    if not set(audiences) & set(provider.client_id_list or []):
        raise Refusal("InvalidIdentityToken", "Incorrect token audience")
    expires = claims.get("exp")
    if isinstance(expires, (int, float)) and expires <= now.timestamp():
        raise Refusal("ExpiredWebToken", "Token expired: current date/time must be before the expiration date/time")
    context: dict[str, list[str]] = {f"{host}:aud": audiences, f"{host}:iss": [issuer]}
    for key, value in claims.items():
        if isinstance(value, str) and key not in ("aud", "iss"):
            context[f"{host}:{key}"] = [value]
    action = "sts:AssumeRoleWithWebIdentity"
    trusted = False
    document = _document(role.assume_role_policy_document) if role else {}
    for statement in _as_list(document.get("Statement")):
        if not isinstance(statement, dict) or not _element_matches(statement, "Action", action, True, None):
            continue
        if provider_arn not in _federated_principals(statement.get("Principal")):
            continue
        if not conditions_match(statement.get("Condition"), context):
            continue
        if statement.get("Effect") == DENY:
            trusted = False
            break
        trusted = trusted or statement.get("Effect") == ALLOW
    if not trusted:
        raise Refusal("AccessDenied", f"Not authorized to perform {action}")


def _authorize_assume_role(principal: Principal, role_arn: str, context: dict[str, list[str]], params: dict) -> None:
    action = "sts:AssumeRole"
    allowed, reason = authorize(principal, action, role_arn, context)
    if reason.startswith("with an explicit deny"):
        raise Refusal("AccessDenied", denied_message(principal, action, role_arn, reason))
    account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else principal.account
    role = None
    for partition in PARTITION_NAMES:
        try:
            role = iam_backends[account][partition].get_role_by_arn(role_arn)
            break
        except Exception:  # noqa: BLE001
            continue
    trust_context = dict(context)
    if _first(params, "ExternalId"):
        trust_context["sts:externalid"] = [params["ExternalId"]]
    if _first(params, "RoleSessionName"):
        trust_context["sts:rolesessionname"] = [params["RoleSessionName"]]
    callers = [principal.arn, principal.principal_arn]
    how = trust_decision(role.assume_role_policy_document, callers, principal.account, action, trust_context) if role else None
    if how is None or (how == "account" and not allowed) or (account != principal.account and not allowed):
        raise Refusal("AccessDenied", f"User: {principal.arn} is not authorized to perform: {action} on resource: {role_arn}")


def _authenticate_and_authorize(self: Any, iam_request_cls: type, resource: str = "*") -> None:
    """Replaces moto's ActionAuthenticatorMixin._authenticate_and_authorize_action."""
    if ActionAuthenticatorMixin.request_count < moto_settings.INITIAL_NO_AUTH_ACTION_COUNT:
        ActionAuthenticatorMixin.request_count += 1
        return
    if getattr(_trusted, "active", False) or _RAW_BODY not in self.normalized_request.environ:
        # Not an HTTP request to the server (moto dispatched in-process: trusted code).
        return
    if self.headers.get("X-Amz-Target") in ActionAuthenticatorMixin.PUBLIC_OPERATIONS:
        return
    s3 = iam_request_cls.__name__ == "S3IAMRequest"
    request = raw_request(self)
    api_action = self._get_action() or ""
    credential = parse_credential(request)
    signing_service = credential.service if credential else ""
    service = "s3" if s3 else (signing_service or self.service_name or "")
    if (service, api_action) in _UNSIGNED:
        if api_action == "AssumeRoleWithWebIdentity":
            authorize_web_identity(_params(self, request, "query"))
        return
    if credential is None:
        if s3 and _anonymous_s3_allowed(self, api_action, resource):
            return
        raise Refusal("MissingAuth", "Missing Authentication Token")
    now = dt.datetime.now(dt.timezone.utc)
    principal = find_principal(credential.access_key_id, credential.session_token, now)
    verify_signature(request, credential, principal.secret, s3)
    check_presigned_expiry(credential, now)

    region = getattr(self, "region", None) or credential.region
    context = base_context(principal, region, request.headers.get("x-forwarded-for") or self.normalized_request.environ.get("REMOTE_ADDR", "127.0.0.1"), request.headers.get("user-agent", ""))
    if s3:
        targets = _s3_targets(self, api_action, resource, request)
        context.update(_s3_context(request, credential))
    else:
        prefix = _IAM_PREFIX.get(signing_service, signing_service)
        if prefix == "apigateway":
            targets = _apigateway_targets(self, request, region)
        else:
            protocol = protocol_of(self.boto3_service_name, request.headers, request.query)
            params = _params(self, request, protocol)
            if prefix == "bedrock" and "modelId" not in params:
                model = bedrock_model_id(request.path)
                if model:
                    params["modelId"] = model
            targets = request_targets(prefix, api_action, params, region, principal.account)
    for action, target in targets:
        if action.lower() == "sts:getcalleridentity":
            continue  # AWS: no permission is required, even with an explicit deny
        if action.lower() == "sts:assumerole":
            _authorize_assume_role(principal, target, context, _params(self, request, "query"))
            continue
        allowed, reason = authorize(principal, action, target, context)
        if not allowed:
            raise Refusal("AccessDenied", denied_message(principal, action, target, reason, quote_resource=s3))


def _anonymous_s3_allowed(response: Any, api_action: str, resource: str) -> bool:
    """An unsigned S3 request is anonymous: only the bucket's policy can allow it."""
    bucket_name = resource.split(":::", 1)[-1].split("/", 1)[0]
    try:
        bucket = response.backend.get_bucket(bucket_name)
        from moto.iam.access_control import PermissionResult

        action = "s3:" + _ACTION_NAMES["s3"].get(api_action, api_action)
        return bucket.get_permission(action, resource) == PermissionResult.PERMITTED
    except Exception:  # noqa: BLE001
        return False


def _service_of(response: Any) -> str:
    authorization = response.headers.get("Authorization", "") or ""
    match = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", authorization)
    return match.group(1) if match else (response.service_name or "")


_original_call_action = BaseResponse.call_action


def _call_action(self: BaseResponse) -> Any:
    try:
        return _original_call_action(self)
    except Refusal as refusal:
        service = _service_of(self)
        headers = {k.lower(): v for k, v in self.headers.items()}
        protocol = protocol_of(self.boto3_service_name, headers, self.normalized_request.environ.get("QUERY_STRING", ""))
        log.info("refused %s %s: %s %s", self.method, self.path, refusal.kind, refusal.message.split("\n")[0])
        return render(refusal, protocol, service)


def _s3_entry(original: Any) -> Any:
    def entry(self: S3Response, request: Any, full_url: str, headers: Any) -> Any:
        try:
            return original(self, request, full_url, headers)
        except Refusal as refusal:
            log.info("refused %s %s: %s %s", request.method, full_url, refusal.kind, refusal.message.split("\n")[0])
            # Unsigned, moto cannot tell the service and hands the request to S3; a JSON-protocol
            # call (X-Amz-Target) still gets that protocol's MissingAuthenticationTokenException.
            target = {k.lower(): v for k, v in dict(headers or {}).items()}.get("x-amz-target")
            if target and refusal.kind == "MissingAuth":
                return render(refusal, "json", target.split("_", 1)[0].lower())
            status, response_headers, body = render(refusal, "rest-xml", "s3")
            return status, response_headers, body if request.method != "HEAD" else ""

    entry.__name__ = original.__name__
    entry.__doc__ = original.__doc__
    return entry


# ---------------------------------------------------------------------------------------------
# The admin principal and its credential files
# ---------------------------------------------------------------------------------------------

_KEY_ALPHABET = string.ascii_uppercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"


def _new_admin_keys() -> tuple[str, str]:
    """An access key id in AWS's format (AKIA, the account encoded, random tail) and a secret."""
    key_id = generate_access_key_id_from_account_id(ACCOUNT_ID, prefix="AKIA", total_length=20)
    key_id = key_id[:13] + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(7))
    return key_id, "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))


ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY = _new_admin_keys()


def create_admin() -> None:
    """The admin user in moto's IAM backend (directly, not through HTTP), with this start's key."""
    backend = iam_backends[ACCOUNT_ID]["aws"]
    if ADMIN_USER in backend.users:
        return
    backend.create_user(region_name="us-east-1", user_name=ADMIN_USER, path="/")
    if any(p.arn == ADMIN_POLICY for p in backend.managed_policies.values()):
        backend.attach_user_policy(ADMIN_POLICY, ADMIN_USER)
    else:  # AWS's managed policies not loaded (MOTO_IAM_LOAD_MANAGED_POLICIES unset): its document inline
        document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        backend.put_user_policy(ADMIN_USER, "AdministratorAccess", json.dumps(document))
    key = backend.create_access_key(ADMIN_USER)
    backend.access_keys.pop(key.physical_resource_id, None)
    key.access_key_id = ADMIN_ACCESS_KEY_ID
    key.secret_access_key = ADMIN_SECRET_ACCESS_KEY
    backend.access_keys[key.physical_resource_id] = key


def write_credential_files() -> None:
    """$LOCALCLOUD_HOME/credentials (owner-only) and config, in the AWS shared-file formats."""
    settings.HOME.mkdir(parents=True, exist_ok=True)
    credentials = settings.HOME / "credentials"
    credentials.touch(mode=0o600, exist_ok=True)
    credentials.chmod(0o600)
    credentials.write_text(
        f"[{PROFILE}]\naws_access_key_id = {ADMIN_ACCESS_KEY_ID}\naws_secret_access_key = {ADMIN_SECRET_ACCESS_KEY}\n"
    )
    (settings.HOME / "config").write_text(f"[profile {PROFILE}]\nregion = us-east-1\noutput = json\n")


_original_reset = MotoAPIBackend.reset


def _reset_keeping_admin(self: MotoAPIBackend) -> None:
    """/moto-api/reset forgets every resource; the admin comes back with the same key."""
    _original_reset(self)
    create_admin()


def _moto_check_signature(self: Any) -> None:
    """moto's IAMRequest.check_signature (used by local-cloud code verifying a data-plane
    request itself, http_gateway_auth): the raw-request verification above."""
    path, _, query = self._path.partition("?")
    headers = {k.lower(): v for k, v in dict(self._headers).items()}
    body = self._body if isinstance(self._body, bytes) else (self._body or "").encode()
    request = RawRequest(self._method, path or "/", query, headers, body)
    try:
        credential = parse_credential(request)
        if credential is None:
            raise Refusal("MissingAuth", "Missing Authentication Token")
        verify_signature(request, credential, self._access_key.create_credentials().secret_key, type(self).__name__ == "S3IAMRequest")
    except Refusal:
        self._raise_signature_does_not_match()


def _moto_check_action_permitted(self: Any, resource: str) -> None:
    """moto's IAMRequest.check_action_permitted: this module's evaluator (and trust check for
    sts:AssumeRole), with the principal's identity policies, boundary and session policy."""
    if self._action.lower() == "sts:getcalleridentity":
        return
    try:
        principal = find_principal(self._access_key._access_key_id, self._headers.get("X-Amz-Security-Token"))
    except Refusal:
        self._raise_invalid_access_key("InvalidId")
    context = base_context(principal, self._region)
    if self._action.lower() == "sts:assumerole":
        try:
            _authorize_assume_role(principal, resource, context, {})
        except Refusal:
            self._raise_access_denied()
        return
    allowed, _ = authorize(principal, self._action, resource, context)
    if not allowed:
        self._raise_access_denied()


_original_dispatcher_init = DomainDispatcherApplication.__init__


def _dispatcher_init(self: DomainDispatcherApplication, *args: Any, **kwargs: Any) -> None:
    """The server starts: its admin's credential files are written before it listens."""
    _original_dispatcher_init(self, *args, **kwargs)
    create_admin()
    write_credential_files()


def install() -> None:
    MotoAPIBackend.reset = _reset_keeping_admin  # type: ignore[method-assign]
    DomainDispatcherApplication.__init__ = _dispatcher_init  # type: ignore[method-assign]
    DomainDispatcherApplication.__call__ = _dispatch_call  # type: ignore[method-assign]
    ActionAuthenticatorMixin._authenticate_and_authorize_action = _authenticate_and_authorize  # type: ignore[method-assign]
    BaseResponse.call_action = _call_action  # type: ignore[method-assign]
    from moto.iam.access_control import IAMRequestBase

    IAMRequestBase.check_signature = _moto_check_signature  # type: ignore[method-assign]
    IAMRequestBase.check_action_permitted = _moto_check_action_permitted  # type: ignore[method-assign]
    for name in ("bucket_response", "key_response", "ambiguous_response"):
        setattr(S3Response, name, _s3_entry(getattr(S3Response, name)))
    create_admin()
    if settings.IAM_ENFORCED:
        # moto authenticates a request once its count of unauthenticated ones reaches this:
        # from the first one. Requests moto dispatches in-process (no HTTP) are not checked.
        moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
        ActionAuthenticatorMixin.request_count = 0


install()
