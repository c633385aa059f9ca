"""Pure logic of the HTTP data plane (http_gateway): which API, stage and route a request is for.

- Request targets: `/_apigw/{apiId}/...`, `/_lambda-url/{urlId}/...` (path form, any host) and
  `Host: {apiId}.execute-api.*` / `Host: {urlId}.lambda-url.*` (host form).
- Stages: a REST API's first path segment is always the stage. An HTTP API's first segment is
  the stage when it names one of the API's stages other than `$default`; otherwise the request
  is for the `$default` stage and the whole path is the route path (AWS serves `$default` from
  the base URL and named stages under `/{stage}`).
- HTTP API route selection, as AWS documents it: the most specific route wins (a literal
  segment beats `{param}`, which beats `{proxy+}`; a route without a greedy variable beats one
  with; a method beats `ANY`), and `$default` answers only what no route matches.
- REST API resource selection: the same specificity over the resource tree, then the method
  (or `ANY`); a resource that matches without the method is "Missing Authentication Token".
- ARN wildcards (`ArnLike`: `*`, `?`) and HTTP API parameter mapping expressions
  (`$request.body`, `$request.body.a.b`, `$request.header.x`, `$request.querystring.x`,
  `$request.path.x`, `$context.x`, `$stageVariables.x`, and `${...}` inside text).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import unquote

PATH_PREFIX_APIGW = "/_apigw/"
PATH_PREFIX_URL = "/_lambda-url/"
_HOST_API = re.compile(r"^([a-z0-9]+)\.execute-api\.", re.IGNORECASE)
_HOST_URL = re.compile(r"^([a-z0-9]+)\.lambda-url\.", re.IGNORECASE)


@dataclass
class Target:
    kind: str  # "api" (API Gateway, v1 or v2) or "url" (function URL)
    ident: str  # API id or URL id
    raw_path: str  # the path the API sees ("/..."), still percent-encoded
    host_form: bool


def target_of(host: str, raw_path: str) -> Target | None:
    """The API or function URL a request is for, or None (then moto serves it)."""
    for prefix, kind in ((PATH_PREFIX_APIGW, "api"), (PATH_PREFIX_URL, "url")):
        if raw_path.startswith(prefix):
            rest = raw_path[len(prefix) :]
            ident, slash, path = rest.partition("/")
            if not ident:
                return None
            return Target(kind, ident, "/" + path if slash else "/", False)
    host = (host or "").strip()
    match = _HOST_API.match(host)
    if match:
        if "/@connections" in raw_path:  # the API Gateway management API, moto's own
            return None
        return Target("api", match.group(1), raw_path or "/", True)
    match = _HOST_URL.match(host)
    if match:
        return Target("url", match.group(1), raw_path or "/", True)
    return None


def split_segments(raw_path: str) -> list[str]:
    """Percent-decoded segments of a path; an encoded slash stays inside its segment."""
    if raw_path in ("", "/"):
        return []
    return [unquote(s) for s in raw_path.lstrip("/").split("/")]


def decoded_path(raw_path: str) -> str:
    return unquote(raw_path or "/") or "/"


def http_api_stage(raw_path: str, stage_names: list[str]) -> tuple[str, str] | None:
    """(stage, route path, still encoded) for an HTTP API, or None when no stage serves it."""
    first, _, rest = raw_path.lstrip("/").partition("/")
    named = [s for s in stage_names if s != "$default"]
    if first and unquote(first) in named:
        return unquote(first), "/" + rest
    if "$default" in stage_names:
        return "$default", raw_path or "/"
    return None


def rest_api_stage(raw_path: str) -> tuple[str, str] | None:
    """(stage, resource path, still encoded) for a REST API; None without a stage segment."""
    first, _, rest = raw_path.lstrip("/").partition("/")
    if not first:
        return None
    return unquote(first), "/" + rest


# --- path templates -------------------------------------------------------------------------

_LITERAL, _PARAM, _GREEDY = 0, 1, 2


def _template_segments(path: str) -> list[str]:
    return [] if path in ("", "/") else path.lstrip("/").split("/")


def match_template(template: str, segments: list[str]) -> tuple[tuple[int, ...], dict[str, str]] | None:
    """(rank per template segment, path parameters) when `template` matches the segments."""
    parts = _template_segments(template)
    ranks: list[int] = []
    params: dict[str, str] = {}
    for i, part in enumerate(parts):
        if part.startswith("{") and part.endswith("+}"):
            if i != len(parts) - 1 or len(segments) <= i:
                return None  # greedy is last and takes at least one segment
            params[part[1:-2]] = "/".join(segments[i:])
            ranks.append(_GREEDY)
            return tuple(ranks), params
        if i >= len(segments):
            return None
        if part.startswith("{") and part.endswith("}"):
            if segments[i] == "":
                return None
            params[part[1:-1]] = segments[i]
            ranks.append(_PARAM)
        elif part == segments[i]:
            ranks.append(_LITERAL)
        else:
            return None
    if len(parts) != len(segments):
        return None
    return tuple(ranks), params


def _specificity(ranks: tuple[int, ...]) -> tuple:
    return (_GREEDY in ranks, ranks)


@dataclass
class RouteMatch:
    route_key: str
    path_parameters: dict[str, str] = field(default_factory=dict)


def parse_route_key(route_key: str) -> tuple[str, str] | None:
    """("GET", "/orders/{id}") for "GET /orders/{id}"; None for `$default` and others."""
    method, sep, path = route_key.strip().partition(" ")
    if not sep or not path.startswith("/"):
        return None
    return method.upper(), path.strip()


def select_route(route_keys: list[str], method: str, segments: list[str]) -> RouteMatch | None:
    """The HTTP API route serving `method` and the path's segments (see the module docstring)."""
    best: tuple | None = None
    chosen: RouteMatch | None = None
    for key in route_keys:
        parsed = parse_route_key(key)
        if parsed is None:
            continue
        route_method, template = parsed
        if route_method not in (method.upper(), "ANY"):
            continue
        matched = match_template(template, segments)
        if matched is None:
            continue
        ranks, params = matched
        score = (_specificity(ranks), route_method == "ANY")
        if best is None or score < best:
            best, chosen = score, RouteMatch(key, params)
    if chosen is None and "$default" in route_keys:
        return RouteMatch("$default", {})
    return chosen


def select_resource(paths: list[str], segments: list[str]) -> tuple[str, dict[str, str]] | None:
    """(resource path, path parameters) of the REST API resource most specific for the path."""
    best: tuple | None = None
    chosen: tuple[str, dict[str, str]] | None = None
    for path in paths:
        matched = match_template(path, segments)
        if matched is None:
            continue
        ranks, params = matched
        score = _specificity(ranks)
        if best is None or score < best:
            best, chosen = score, (path, params)
    return chosen


# --- ARNs -----------------------------------------------------------------------------------


def arn_like(pattern: str, value: str) -> bool:
    """IAM's ArnLike/StringLike: `*` any run of characters, `?` any one; the rest literal."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.DOTALL) is not None


def execute_api_arn(region: str, account: str, api_id: str, stage: str, method: str, path: str) -> str:
    """`arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}` ($default: no method)."""
    if method == "$default":
        return f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/$default"
    return f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{method}{path if path.startswith('/') else '/' + path}"


def function_arn_of_uri(uri: str) -> str | None:
    """The function ARN of a Lambda integration URI: the ARN itself or the invoke-path form."""
    if not uri:
        return None
    match = re.match(r"^arn:[^:]+:apigateway:[^:]*:lambda:path/[^/]+/functions/(.+?)/invocations$", uri)
    if match:
        return unquote(match.group(1))
    if re.match(r"^arn:[^:]+:lambda:[^:]*:\d*:function:", uri):
        return uri
    return None


# --- parameter mapping (HTTP API) -----------------------------------------------------------


@dataclass
class MappingSource:
    body: bytes
    headers: dict[str, str]  # lower-case names
    query: dict[str, str]  # multi-values joined with commas
    path_parameters: dict[str, str]
    context: dict[str, str]
    stage_variables: dict[str, str]


def _json_path(document: object, path: str) -> object:
    current = document
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path.lstrip("$").lstrip(".")):
        if part.startswith("["):
            index = int(part[1:-1])
            if not isinstance(current, list) or index >= len(current):
                return None
            current = current[index]
        elif isinstance(current, dict):
            current = current.get(part)
        else:
            return None
    return current


def _stringify(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def _evaluate_one(expression: str, source: MappingSource) -> str:
    if expression == "$request.body":
        return source.body.decode("utf-8", "replace")
    if expression.startswith("$request.body."):
        try:
            document = json.loads(source.body or b"null")
        except ValueError:
            return ""
        return _stringify(_json_path(document, expression[len("$request.body.") :]))
    for prefix, values in (
        ("$request.header.", source.headers),
        ("$request.querystring.", source.query),
        ("$request.path.", source.path_parameters),
        ("$context.", source.context),
        ("$stageVariables.", source.stage_variables),
    ):
        if expression.startswith(prefix):
            name = expression[len(prefix) :]
            if prefix == "$request.header.":
                name = name.lower()
            return values.get(name, "")
    return expression


_EMBEDDED = re.compile(r"\$\{([^}]+)\}")


def evaluate_mapping(value: str, source: MappingSource) -> str:
    """A request parameter's value: a selection expression, static text, or text with `${...}`."""
    if value.startswith("$") and not value.startswith("${"):
        return _evaluate_one(value, source)
    return _EMBEDDED.sub(lambda m: _evaluate_one("$" + m.group(1), source), value)
