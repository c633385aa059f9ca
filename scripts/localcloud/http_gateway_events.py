"""Pure logic of the HTTP data plane (http_gateway): the Lambda events API Gateway and function
URLs send, and how a function's answer becomes the HTTP response. Shapes as AWS documents them:

- HTTP API payload 2.0 (and function URLs): version, routeKey, rawPath, rawQueryString, cookies,
  headers (lower-case names, repeated values joined with commas, no `cookie`),
  queryStringParameters (repeated values joined with commas), requestContext{accountId, apiId,
  authorizer.iam, domainName, domainPrefix, http{method, path, protocol, sourceIp, userAgent},
  requestId, routeKey, stage, time, timeEpoch}, body, pathParameters, isBase64Encoded,
  stageVariables. Keys without a value are left out, as AWS does.
- HTTP API payload 1.0 and REST API proxy events: resource, path, httpMethod, headers,
  multiValueHeaders, queryStringParameters, multiValueQueryStringParameters, pathParameters,
  stageVariables, requestContext{..., identity{...}}, body, isBase64Encoded (null when empty).
- Bodies: HTTP APIs and function URLs send text content types (text/*, JSON, XML, JavaScript)
  as text and anything else base64-encoded; REST APIs base64-encode only the API's
  binaryMediaTypes.
- Answers, 2.0: an object with statusCode sets status, headers, cookies (Set-Cookie), body and
  isBase64Encoded; any other JSON (an object without statusCode, a string, a number) is a 200
  application/json whose body is that JSON (a string: its text). 1.0: statusCode, headers,
  multiValueHeaders (merged; multiValueHeaders win), body, isBase64Encoded. A malformed answer
  raises Malformed.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from urllib.parse import parse_qsl

_TEXT_TYPES = ("application/json", "application/xml", "application/javascript", "application/x-javascript")


@dataclass
class Incoming:
    method: str
    raw_path: str  # the path the API sees, including a named stage, still encoded
    path: str  # the same, decoded
    raw_query: str
    headers: list[tuple[str, str]]  # (name, value) as received, in order
    body: bytes
    source_ip: str
    protocol: str = "HTTP/1.1"
    user_agent: str = ""
    time_epoch_ms: int = field(default_factory=lambda: int(time.time() * 1000))


@dataclass
class Caller:
    """The SigV4-verified principal of an AWS_IAM request."""

    access_key: str
    account_id: str
    caller_id: str  # AIDA... for a user, AROA...:session for a role session
    user_arn: str


class Malformed(Exception):
    """The function answered something API Gateway cannot map to an HTTP response."""


def request_time(epoch_ms: int) -> str:
    """`12/Mar/2020:19:03:58 +0000`, API Gateway's requestTime format."""
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(epoch_ms / 1000))


def is_text(content_type: str) -> bool:
    ct = (content_type or "").split(";")[0].strip().lower()
    if not ct:
        return False
    return ct.startswith("text/") or ct in _TEXT_TYPES or ct.endswith("+json") or ct.endswith("+xml")


def header_value(headers: list[tuple[str, str]], name: str) -> str | None:
    lowered = name.lower()
    values = [v for k, v in headers if k.lower() == lowered]
    return ",".join(values) if values else None


def _encode_body(body: bytes, as_text: bool) -> tuple[str, bool]:
    if as_text:
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode(), True


def v2_body(req: Incoming) -> tuple[str | None, bool]:
    if not req.body:
        return None, False
    return _encode_body(req.body, is_text(header_value(req.headers, "content-type") or ""))


def _media_matches(pattern: str, content_type: str) -> bool:
    pattern = pattern.strip().lower().replace("~1", "/")
    if pattern in ("*/*", "*"):
        return True
    kind, _, sub = pattern.partition("/")
    c_kind, _, c_sub = content_type.partition("/")
    return kind == c_kind and sub in ("*", c_sub)


def rest_body(req: Incoming, binary_media_types: list[str]) -> tuple[str | None, bool]:
    if not req.body:
        return None, False
    ct = (header_value(req.headers, "content-type") or "").split(";")[0].strip().lower()
    binary = any(_media_matches(p, ct) for p in binary_media_types or [])
    if binary:
        return base64.b64encode(req.body).decode(), True
    return req.body.decode("utf-8", "replace"), False


def v2_headers(req: Incoming) -> tuple[dict[str, str], list[str]]:
    """(headers with lower-case names and joined values, cookies) as payload 2.0 has them."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in req.headers:
        lowered = name.lower()
        if lowered == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        headers[lowered] = f"{headers[lowered]},{value}" if lowered in headers else value
    return headers, cookies


def v1_headers(req: Incoming, lower: bool) -> tuple[dict[str, str], dict[str, list[str]]]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in req.headers:
        key = name.lower() if lower else name
        single[key] = value
        multi.setdefault(key, []).append(value)
    return single, multi


def query_pairs(raw_query: str) -> list[tuple[str, str]]:
    return parse_qsl(raw_query or "", keep_blank_values=True)


def v2_query(raw_query: str) -> dict[str, str]:
    joined: dict[str, str] = {}
    for key, value in query_pairs(raw_query):
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined


def v1_query(raw_query: str) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    pairs = query_pairs(raw_query)
    if not pairs:
        return None, None
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in pairs:
        single[key] = value
        multi.setdefault(key, []).append(value)
    return single, multi


def iam_authorizer(caller: Caller) -> dict:
    return {
        "iam": {
            "accessKey": caller.access_key,
            "accountId": caller.account_id,
            "callerId": caller.caller_id,
            "cognitoIdentity": None,
            "principalOrgId": None,
            "userArn": caller.user_arn,
            "userId": caller.caller_id,
        }
    }


def identity(req: Incoming, caller: Caller | None) -> dict:
    return {
        "accessKey": caller.access_key if caller else None,
        "accountId": caller.account_id if caller else None,
        "caller": caller.caller_id if caller else None,
        "cognitoAuthenticationProvider": None,
        "cognitoAuthenticationType": None,
        "cognitoIdentityId": None,
        "cognitoIdentityPoolId": None,
        "principalOrgId": None,
        "sourceIp": req.source_ip,
        "user": caller.caller_id if caller else None,
        "userAgent": req.user_agent,
        "userArn": caller.user_arn if caller else None,
    }


def event_v2(
    req: Incoming,
    *,
    account_id: str,
    api_id: str,
    domain_name: str,
    request_id: str,
    route_key: str,
    stage: str,
    path_parameters: dict[str, str] | None = None,
    stage_variables: dict[str, str] | None = None,
    caller: Caller | None = None,
) -> dict:
    """Payload format 2.0 (HTTP APIs) and the function URL event (routeKey/stage `$default`)."""
    headers, cookies = v2_headers(req)
    event: dict = {"version": "2.0", "routeKey": route_key, "rawPath": req.raw_path, "rawQueryString": req.raw_query}
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    query = v2_query(req.raw_query)
    if query:
        event["queryStringParameters"] = query
    context: dict = {"accountId": account_id, "apiId": api_id}
    if caller:
        context["authorizer"] = iam_authorizer(caller)
    context.update(
        {
            "domainName": domain_name,
            "domainPrefix": domain_name.split(".")[0],
            "http": {
                "method": req.method,
                "path": req.path,
                "protocol": req.protocol,
                "sourceIp": req.source_ip,
                "userAgent": req.user_agent,
            },
            "requestId": request_id,
            "routeKey": route_key,
            "stage": stage,
            "time": request_time(req.time_epoch_ms),
            "timeEpoch": req.time_epoch_ms,
        }
    )
    event["requestContext"] = context
    body, encoded = v2_body(req)
    if body is not None:
        event["body"] = body
    if path_parameters:
        event["pathParameters"] = path_parameters
    event["isBase64Encoded"] = encoded
    if stage_variables:
        event["stageVariables"] = stage_variables
    return event


def event_v1(
    req: Incoming,
    *,
    account_id: str,
    api_id: str,
    domain_name: str,
    request_id: str,
    resource: str,
    resource_path: str,
    resource_id: str | None,
    path: str,
    stage: str,
    path_parameters: dict[str, str] | None,
    stage_variables: dict[str, str] | None,
    caller: Caller | None,
    http_api: bool,
    binary_media_types: list[str] | None = None,
) -> dict:
    """The 1.0 proxy event: REST APIs (http_api=False) and HTTP API payload format 1.0."""
    single, multi = v1_headers(req, lower=http_api)
    query, multi_query = v1_query(req.raw_query)
    if http_api:
        body, encoded = v2_body(req)
    else:
        body, encoded = rest_body(req, binary_media_types or [])
    event: dict = {}
    if http_api:
        event["version"] = "1.0"
    context: dict = {"accountId": account_id, "apiId": api_id}
    if http_api:
        context["authorizer"] = {"claims": None, "scopes": None}
        if caller:
            context["authorizer"].update(iam_authorizer(caller))
    context.update(
        {
            "domainName": domain_name,
            "domainPrefix": domain_name.split(".")[0],
            "extendedRequestId": request_id,
            "httpMethod": req.method,
            "identity": identity(req, caller),
            "path": req.path,
            "protocol": req.protocol,
            "requestId": request_id,
            "requestTime": request_time(req.time_epoch_ms),
            "requestTimeEpoch": req.time_epoch_ms,
            "resourceId": resource_id,
            "resourcePath": resource_path,
            "stage": stage,
        }
    )
    if http_api:
        context["routeKey"] = resource if resource == "$default" else f"{req.method} {resource}"
    event.update(
        {
            "resource": resource,
            "path": path,
            "httpMethod": req.method,
            "headers": single,
            "multiValueHeaders": multi,
            "queryStringParameters": query,
            "multiValueQueryStringParameters": multi_query,
            "pathParameters": path_parameters or None,
            "stageVariables": stage_variables or None,
            "requestContext": context,
            "body": body,
            "isBase64Encoded": encoded,
        }
    )
    return event


# --- answers --------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def _status(value: object) -> int:
    if isinstance(value, bool):
        raise Malformed("statusCode is not a number")
    try:
        status = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise Malformed("statusCode is not a number") from None
    if not 100 <= status <= 599:
        raise Malformed(f"statusCode {status} is out of range")
    return status


def _header_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _body_bytes(body: object, encoded: object) -> bytes:
    if body is None:
        return b""
    if not isinstance(body, str):
        raise Malformed("body is not a string")
    if encoded is True or (isinstance(encoded, str) and encoded.lower() == "true"):
        try:
            return base64.b64decode(body)
        except ValueError:
            raise Malformed("body is not base64") from None
    return body.encode()


def answer_v2(payload: bytes) -> Answer:
    """A function's result as payload format 2.0 (and function URLs) map it."""
    try:
        result = json.loads(payload or b"null")
    except ValueError:
        raise Malformed("the result is not JSON") from None
    if not isinstance(result, dict) or "statusCode" not in result:
        body = result.encode() if isinstance(result, str) else (payload or b"null")
        return Answer(200, [("content-type", "application/json")], body)
    status = _status(result["statusCode"])
    headers: list[tuple[str, str]] = []
    raw_headers = result.get("headers") or {}
    if not isinstance(raw_headers, dict):
        raise Malformed("headers is not an object")
    for name, value in raw_headers.items():
        headers.append((str(name), _header_text(value)))
    cookies = result.get("cookies") or []
    if not isinstance(cookies, list):
        raise Malformed("cookies is not a list")
    for cookie in cookies:
        headers.append(("set-cookie", str(cookie)))
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("content-type", "application/json"))
    body = _body_bytes(result.get("body"), result.get("isBase64Encoded"))
    return Answer(status, headers, body)


def answer_v1(payload: bytes) -> Answer:
    """A function's result as the 1.0 proxy format (REST APIs, HTTP API payload 1.0) maps it."""
    try:
        result = json.loads(payload or b"null")
    except ValueError:
        raise Malformed("the result is not JSON") from None
    if not isinstance(result, dict) or "statusCode" not in result:
        raise Malformed("the result is not an object with a statusCode")
    status = _status(result["statusCode"])
    single = result.get("headers") or {}
    multi = result.get("multiValueHeaders") or {}
    if not isinstance(single, dict) or not isinstance(multi, dict):
        raise Malformed("headers is not an object")
    merged: dict[str, list[str]] = {}
    for name, value in single.items():
        merged[str(name)] = [_header_text(value)]
    for name, values in multi.items():
        if not isinstance(values, list):
            raise Malformed("multiValueHeaders values must be lists")
        merged[str(name)] = [_header_text(v) for v in values]
    headers = [(name, value) for name, values in merged.items() for value in values]
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    body = _body_bytes(result.get("body"), result.get("isBase64Encoded"))
    return Answer(status, headers, body)


def http_date() -> str:
    return formatdate(usegmt=True)


# --- CORS (HTTP APIs' CorsConfiguration, function URLs' Cors) -------------------------------


def _cors_key(config: dict, name: str) -> object:
    return config.get(name) if name in config else config.get(name[0].upper() + name[1:])


def _cors_list(config: dict, name: str) -> list[str]:
    return [str(v) for v in (_cors_key(config, name) or [])]


def _origin_allowed(config: dict, origin: str) -> bool:
    from .http_gateway_routes import arn_like

    return any(o == "*" or arn_like(o.lower(), origin.lower()) for o in _cors_list(config, "allowOrigins"))


def _allow_origin(config: dict, origin: str) -> str:
    wildcard = "*" in _cors_list(config, "allowOrigins")
    return "*" if wildcard and not _cors_key(config, "allowCredentials") else origin


def is_preflight(req: Incoming) -> bool:
    return (
        req.method == "OPTIONS"
        and header_value(req.headers, "origin") is not None
        and header_value(req.headers, "access-control-request-method") is not None
    )


def cors_preflight(config: dict, req: Incoming) -> Answer:
    """API Gateway's own answer to a preflight request when the API has a CORS configuration."""
    origin = header_value(req.headers, "origin") or ""
    method = (header_value(req.headers, "access-control-request-method") or "").upper()
    headers: list[tuple[str, str]] = []
    methods = [m.upper() for m in _cors_list(config, "allowMethods")]
    if _origin_allowed(config, origin) and ("*" in methods or method in methods):
        headers.append(("access-control-allow-origin", _allow_origin(config, origin)))
        headers.append(("access-control-allow-methods", ",".join(methods) if "*" not in methods else method))
        allowed = _cors_list(config, "allowHeaders")
        if "*" in allowed:
            requested = header_value(req.headers, "access-control-request-headers")
            if requested:
                headers.append(("access-control-allow-headers", requested))
        elif allowed:
            headers.append(("access-control-allow-headers", ",".join(h.lower() for h in allowed)))
        if _cors_key(config, "allowCredentials"):
            headers.append(("access-control-allow-credentials", "true"))
        max_age = _cors_key(config, "maxAge")
        if max_age is not None:
            headers.append(("access-control-max-age", str(max_age)))
    return Answer(204, headers, b"")


def cors_response(config: dict, req: Incoming, answer: Answer) -> Answer:
    """The CORS headers of the configuration on an answer (the integration's own are dropped)."""
    origin = header_value(req.headers, "origin")
    kept = [(k, v) for k, v in answer.headers if not k.lower().startswith("access-control-")]
    if origin and _origin_allowed(config, origin):
        kept.append(("access-control-allow-origin", _allow_origin(config, origin)))
        exposed = _cors_list(config, "exposeHeaders")
        if exposed:
            kept.append(("access-control-expose-headers", ",".join(exposed)))
        if _cors_key(config, "allowCredentials"):
            kept.append(("access-control-allow-credentials", "true"))
    return Answer(answer.status, kept, answer.body)
