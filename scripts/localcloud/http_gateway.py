"""The HTTP data plane: API Gateway HTTP APIs (v2), REST APIs (v1) and Lambda function URLs answer
HTTP locally. moto's server has none of it (REST invoke only in decorator mode, no v2 and no
function URLs), so its WSGI application (`DomainDispatcherApplication.__call__`) is wrapped:
the requests below are served here, everything else by moto as before.

Addresses (any HTTP client, e.g. curl, on the emulator's port):
  http://{apiId}.execute-api.localhost:{port}/{path}       Host form (curl resolves *.localhost)
  http://127.0.0.1:{port}/_apigw/{apiId}/{path}            path form, any host
  http://{urlId}.lambda-url.localhost:{port}/{path}         function URL, Host form
  http://127.0.0.1:{port}/_lambda-url/{urlId}/{path}        function URL, path form
REST APIs: the first segment is the stage (`/_apigw/{id}/prod/stores`), as in
`https://{id}.execute-api.{region}.amazonaws.com/prod/stores`. HTTP APIs: the first segment is
the stage when it names a stage of the API other than `$default`; otherwise the `$default`
stage serves the whole path (http_gateway_routes). The HTTP API's ApiEndpoint and the function
URL's FunctionUrl are these local Host-form URLs (what stacks output), built from
LOCALCLOUD_ENDPOINT's port; a REST stage's local invoke URL is `{ApiEndpoint form}/{stage}`, i.e.
`http://{id}.execute-api.localhost:{port}/{stage}` (the provider itself builds the AWS one).

HTTP APIs: route selection as AWS documents it, path parameters, `$default` route and stages,
stage variables; Lambda proxy integrations (function ARN or the invoke-path ARN, alias
qualifiers too) with payload format 2.0 or 1.0 (http_gateway_events); AWS_IAM routes verify
SigV4 and evaluate `execute-api:Invoke` (http_gateway_auth); StepFunctions-StartExecution
integrations (request parameters with selection expressions) start the execution acting as the
integration's credentials role, through the emulator's own Step Functions API, and answer its
StartExecution JSON; CorsConfiguration answers preflights and sets the CORS headers. The
function's resource policy must allow `apigateway.amazonaws.com` for that route's source ARN,
else 500 `{"message":"Internal Server Error"}`; a function error or an answer API Gateway
cannot map is also that 500 (HTTP APIs answer 500 where REST APIs answer 502); no route 404
`{"message":"Not Found"}`.

REST APIs (including OpenAPI imports; the import's security schemes, API key source,
binary media types and gateway responses are kept, which moto drops): the resource tree with
`{param}` and `{proxy+}`, AWS_PROXY Lambda integrations with the 1.0 event, MOCK integrations
(request template's statusCode selects the integration response; its responseParameters become
headers), AWS_IAM methods, API keys (`x-api-key` of an enabled key in a usage plan of the
stage), gateway responses' headers on API Gateway's own errors. No resource or method: 403
`{"message":"Missing Authentication Token"}`; a function error or a malformed answer: 502, an
invocation Lambda refuses (no permission): 500, both `{"message": "Internal server error"}`.

Function URLs: AuthType NONE (the resource policy must allow `lambda:InvokeFunctionUrl` to
`*`) or AWS_IAM (SigV4 for service `lambda`, then `lambda:InvokeFunctionUrl` by identity or
resource policy), the 2.0 event and answer mapping, Cors, the URL's qualifier. Failures: 403
`{"Message":"Forbidden"}`; a function error 502.

Not served: JWT and Lambda authorizers (the route answers 500), HTTP_PROXY/HTTP integrations,
VTL beyond a MOCK template's statusCode, throttling and quotas (settings are accepted and
ignored), REST resource policies, WebSockets. Routes and resources are served live: a change
is visible at once, without a deployment.
"""

from __future__ import annotations

import base64
import http
import json
import os
import random
import re
import string
import sys
import traceback
import urllib.error
import urllib.request
import uuid
from urllib.parse import unquote, urlparse

import moto.apigateway.models as apigateway_models
import moto.apigatewayv2.models as apigatewayv2_models
import moto.awslambda.models as lambda_models
import moto.awslambda.responses as lambda_responses
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from werkzeug.datastructures import EnvironHeaders
from werkzeug.wrappers import Request

from . import credentials, settings
from .http_gateway_auth import Denied, authorize, resource_policy_allows, trusts_service, verify
from .http_gateway_events import (
    Answer,
    Caller,
    Incoming,
    Malformed,
    answer_v1,
    answer_v2,
    cors_preflight,
    cors_response,
    event_v1,
    event_v2,
    header_value,
    http_date,
    is_preflight,
    v2_headers,
    v2_query,
)
from .http_gateway_routes import (
    MappingSource,
    Target,
    decoded_path,
    evaluate_mapping,
    execute_api_arn,
    function_arn_of_uri,
    http_api_stage,
    rest_api_stage,
    select_resource,
    select_route,
    split_segments,
    target_of,
)

# --- local endpoints ------------------------------------------------------------------------


def _local_base() -> tuple[str, str]:
    parsed = urlparse(settings.ENDPOINT)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    return parsed.scheme or "http", str(port)


def local_api_endpoint(api_id: str) -> str:
    scheme, port = _local_base()
    return f"{scheme}://{api_id}.execute-api.localhost:{port}"


def local_function_url(url_id: str) -> str:
    scheme, port = _local_base()
    return f"{scheme}://{url_id}.lambda-url.localhost:{port}/"


_moto_api_init = apigatewayv2_models.Api.__init__


def _api_init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
    _moto_api_init(self, *args, **kwargs)
    self.api_endpoint = local_api_endpoint(self.api_id)


apigatewayv2_models.Api.__init__ = _api_init  # type: ignore[method-assign]

_moto_url_init = lambda_models.FunctionUrlConfig.__init__


def _url_init(self, function, config):  # type: ignore[no-untyped-def]
    _moto_url_init(self, function, config)
    self.url_id = urlparse(self.url).hostname.split(".")[0]  # type: ignore[union-attr]
    self.url = local_function_url(self.url_id)
    self.qualifier = None


lambda_models.FunctionUrlConfig.__init__ = _url_init  # type: ignore[method-assign]

_moto_create_url = lambda_responses.LambdaResponse.create_function_url_config


def _create_url(self):  # type: ignore[no-untyped-def]
    # moto ignores the Qualifier; the URL of an alias invokes that alias.
    answer = _moto_create_url(self)
    qualifier = (self.querystring.get("Qualifier") or [None])[0]
    if qualifier:
        name = unquote(self.path.split("/")[-2])
        fn = self.backend._lambdas.get_function_by_name_or_arn_forbid_qualifier(name)
        if fn.url_config is not None:
            fn.url_config.qualifier = qualifier
    return answer


lambda_responses.LambdaResponse.create_function_url_config = _create_url  # type: ignore[method-assign]


# --- REST API import: what moto drops and the data plane needs ------------------------------

_HTTP_METHODS = {"GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY"}
_moto_put_rest_api = apigateway_models.APIGatewayBackend.put_rest_api


def _put_rest_api(self, function_id, api_doc, fail_on_warnings, mode="merge"):  # type: ignore[no-untyped-def]
    api = _moto_put_rest_api(self, function_id, api_doc, fail_on_warnings, mode)
    try:
        _import_extras(api, api_doc)
    except Exception:  # never fail an import moto accepted
        traceback.print_exc()
    return api


def _import_extras(api, doc: dict) -> None:  # type: ignore[no-untyped-def]
    schemes = ((doc.get("components") or {}).get("securitySchemes") or {}) | (doc.get("securityDefinitions") or {})
    default_security = doc.get("security")
    resources_by_path: dict[str, list] = {}
    for resource in api.resources.values():
        resources_by_path.setdefault(resource.get_path(), []).append(resource)
    for path, item in (doc.get("paths") or {}).items():
        for key, operation in (item or {}).items():
            method = "ANY" if key.lower() == "x-amazon-apigateway-any-method" else key.upper()
            for resource in resources_by_path.get(path, []):
                if key.upper() != method and key.upper() in resource.resource_methods:
                    resource.resource_methods[method] = resource.resource_methods.pop(key.upper())
                found = resource.resource_methods.get(method)
                if found is None or not isinstance(operation, dict):
                    continue
                security = operation.get("security", default_security) or []
                for requirement in security:
                    for name in requirement or {}:
                        scheme = schemes.get(name) or {}
                        authtype = str(scheme.get("x-amazon-apigateway-authtype", "")).lower()
                        if authtype == "awssigv4":
                            found.authorization_type = "AWS_IAM"
                        elif scheme.get("type") == "apiKey" and scheme.get("name", "").lower() == "x-api-key" and not authtype:
                            found.api_key_required = True
                if found.authorization_type is None:
                    found.authorization_type = "NONE"
    for resource in api.resources.values():
        for method in [m for m in resource.resource_methods if m not in _HTTP_METHODS]:
            resource.resource_methods.pop(method)  # path-level keys (summary, parameters) are no methods
    if doc.get("x-amazon-apigateway-api-key-source"):
        api.api_key_source = doc["x-amazon-apigateway-api-key-source"]
    if doc.get("x-amazon-apigateway-binary-media-types"):
        api.binaryMediaTypes = list(doc["x-amazon-apigateway-binary-media-types"])
    for response_type, response in (doc.get("x-amazon-apigateway-gateway-responses") or {}).items():
        api.put_gateway_response(
            response_type=response_type,
            status_code=response.get("statusCode"),
            response_parameters=response.get("responseParameters"),
            response_templates=response.get("responseTemplates"),
        )


apigateway_models.APIGatewayBackend.put_rest_api = _put_rest_api  # type: ignore[method-assign]


# --- the WSGI hook --------------------------------------------------------------------------

_moto_call = DomainDispatcherApplication.__call__


def _raw_uri(environ: dict) -> str:
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not raw:
        query = environ.get("QUERY_STRING", "")
        raw = urllib.request.quote(environ.get("PATH_INFO", "/")) + (f"?{query}" if query else "")
    if raw.startswith(("http://", "https://")):
        parsed = urlparse(raw)
        raw = (parsed.path or "/") + (f"?{parsed.query}" if parsed.query else "")
    return raw


def _call(self, environ, start_response):  # type: ignore[no-untyped-def]
    raw_uri = _raw_uri(environ)
    target = target_of(environ.get("HTTP_HOST", ""), raw_uri.partition("?")[0])
    if target is None:
        return _moto_call(self, environ, start_response)
    try:
        answer = serve(target, environ, raw_uri)
    except Exception:
        traceback.print_exc()
        answer = _json(500, {"message": "Internal Server Error"})
    body = b"" if environ.get("REQUEST_METHOD") == "HEAD" else answer.body
    headers = [(k, v) for k, v in answer.headers if k.lower() not in ("content-length", "date", "connection")]
    headers += [("Content-Length", str(len(answer.body))), ("Date", http_date())]
    try:
        reason = http.HTTPStatus(answer.status).phrase
    except ValueError:
        reason = "Unknown"
    start_response(f"{answer.status} {reason}", headers)
    return [body]


DomainDispatcherApplication.__call__ = _call  # type: ignore[method-assign]


_HTTP_INTERNAL = {"message": "Internal Server Error"}
_REST_INTERNAL = {"message": "Internal server error"}


def _json(status: int, body: object, headers: list[tuple[str, str]] | None = None) -> Answer:
    # API Gateway's own messages are compact JSON, except REST's well-known 5xx text.
    text = json.dumps(body, separators=(",", ":"))
    if body == _REST_INTERNAL:
        text = json.dumps(body)
    return Answer(status, [("Content-Type", "application/json")] + (headers or []), text.encode())


def _log(message: str) -> None:
    print(f"localcloud http: {message}", file=sys.stderr, flush=True)


_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"}


def _incoming(environ: dict, raw_path: str, raw_query: str, body: bytes) -> Incoming:
    headers = [(k, v) for k, v in EnvironHeaders(environ).items() if k.lower() not in _HOP_BY_HOP]
    return Incoming(
        method=environ.get("REQUEST_METHOD", "GET").upper(),
        raw_path=raw_path,
        path=decoded_path(raw_path),
        raw_query=raw_query,
        headers=headers,
        body=body,
        source_ip=environ.get("REMOTE_ADDR", "127.0.0.1"),
        protocol=environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
        user_agent=header_value(headers, "user-agent") or "",
    )


def _with_forwarding(req: Incoming, environ: dict, lower: bool) -> Incoming:
    """The headers API Gateway adds: X-Forwarded-For/-Port/-Proto, X-Amzn-Trace-Id."""
    names = {k.lower() for k, _ in req.headers}
    added: list[tuple[str, str]] = []
    forwarded = header_value(req.headers, "x-forwarded-for")
    headers = [(k, v) for k, v in req.headers if k.lower() != "x-forwarded-for"]
    added.append(("X-Forwarded-For", f"{forwarded}, {req.source_ip}" if forwarded else req.source_ip))
    if "x-forwarded-port" not in names:
        added.append(("X-Forwarded-Port", str(environ.get("SERVER_PORT", "80"))))
    if "x-forwarded-proto" not in names:
        added.append(("X-Forwarded-Proto", environ.get("wsgi.url_scheme", "http")))
    if "x-amzn-trace-id" not in names:
        added.append(("X-Amzn-Trace-Id", f"Root=1-{int(req.time_epoch_ms / 1000):08x}-{uuid.uuid4().hex[:24]}"))
    if lower:
        added = [(k.lower(), v) for k, v in added]
    req.headers = headers + added
    return req


def serve(target: Target, environ: dict, raw_uri: str) -> Answer:
    body = Request(environ).get_data()
    raw_query = raw_uri.partition("?")[2]
    if target.kind == "url":
        return _serve_function_url(target, environ, raw_uri, raw_query, body)
    found = _find_http_api(target.ident)
    if found:
        return _serve_http_api(*found, target, environ, raw_uri, raw_query, body)
    found = _find_rest_api(target.ident)
    if found:
        return _serve_rest_api(*found, target, environ, raw_uri, raw_query, body)
    return _json(404, {"message": "Not Found"})


def _find_http_api(api_id: str):  # type: ignore[no-untyped-def]
    for account, region, backend in list(apigatewayv2_models.apigatewayv2_backends.iter_backends()):
        api = backend.apis.get(api_id)
        if api is not None:
            return account, region, api
    return None


def _find_rest_api(api_id: str):  # type: ignore[no-untyped-def]
    for account, region, backend in list(apigateway_models.apigateway_backends.iter_backends()):
        api = backend.apis.get(api_id)
        if api is not None:
            return account, region, backend, api
    return None


def _domain(target: Target, environ: dict, ident: str, kind: str) -> str:
    if target.host_form:
        return environ.get("HTTP_HOST", "")
    scheme, port = _local_base()
    return f"{ident}.{kind}.localhost:{port}"


def _request_id_v2() -> str:
    return base64.b64encode(os.urandom(10)).decode()


# --- Lambda integrations --------------------------------------------------------------------


class IntegrationError(Exception):
    """kind: "config" (Lambda refused the invocation or none could be made), "function" (it
    failed or answered something unmappable)."""

    def __init__(self, kind: str, detail: str):
        super().__init__(detail)
        self.kind = kind


def _split_function_arn(arn: str) -> tuple[str, str, str, str | None]:
    parts = arn.split(":")
    qualifier = parts[7] if len(parts) > 7 else None
    return parts[3], parts[4], parts[6], qualifier


def _function_statements(account: str, region: str, name: str) -> list[dict]:
    backend = lambda_models.lambda_backends[account][region]
    entry = backend._lambdas._functions.get(name) or {}
    statements: list[dict] = []
    for fn in [entry.get("latest"), *(entry.get("versions") or [])]:
        if fn is not None:
            statements.extend(fn.policy.statements)
    return statements


def _resource_arns(account: str, region: str, name: str, qualifier: str | None) -> list[str]:
    base = f"arn:aws:lambda:{region}:{account}:function:{name}"
    return [f"{base}:{qualifier}"] if qualifier else [base, f"{base}:$LATEST"]


def _invoke(function_arn: str, payload: bytes) -> bytes:
    """The function's result, or IntegrationError."""
    region, account, name, qualifier = _split_function_arn(function_arn)
    from moto.awslambda.exceptions import LambdaClientError
    from moto.core.exceptions import ServiceException, _RESTError

    try:
        if settings.RUNTIME_ON:
            from . import lambda_invoke

            result = lambda_invoke.invoke(function_arn, payload, account_id=account, region=region)
            data, error = result.payload, result.function_error
        else:
            backend = lambda_models.lambda_backends[account][region]
            response_headers: dict = {}
            data = backend.invoke(name, qualifier, payload.decode(), {}, response_headers)
            error = response_headers.get("x-amz-function-error")
            data = data.encode() if isinstance(data, str) else (data or b"")
    except (LambdaClientError, _RESTError, ServiceException) as refused:
        raise IntegrationError("config", f"Lambda refused the invocation: {refused}") from None
    if error:
        raise IntegrationError("function", f"the function failed: {data[:500]!r}")
    return data


def _lambda_target(uri: str) -> str:
    arn = function_arn_of_uri(uri or "")
    if not arn:
        raise IntegrationError("config", f"no Lambda function in integration URI {uri!r}")
    return arn


def _check_lambda_permission(function_arn: str, source_arns: list[str], source_account: str) -> None:
    region, account, name, qualifier = _split_function_arn(function_arn)
    try:
        statements = _function_statements(account, region, name)
    except Exception:
        statements = []
    allowed = resource_policy_allows(
        statements,
        action="lambda:InvokeFunction",
        resource_arns=_resource_arns(account, region, name, qualifier),
        service="apigateway.amazonaws.com",
        source_arns=source_arns,
        source_account=source_account,
    )
    if not allowed:
        raise IntegrationError(
            "config",
            f"the resource policy of {function_arn} does not allow apigateway.amazonaws.com for {source_arns[0]}",
        )


# --- HTTP APIs ------------------------------------------------------------------------------



def _serve_http_api(account, region, api, target, environ, raw_uri, raw_query, body) -> Answer:  # type: ignore[no-untyped-def]
    request_id = _request_id_v2()
    answer = _http_api_answer(account, region, api, target, environ, raw_uri, raw_query, body, request_id)
    answer.headers.append(("apigw-requestid", request_id))
    return answer


def _http_api_answer(account, region, api, target, environ, raw_uri, raw_query, body, request_id) -> Answer:  # type: ignore[no-untyped-def]
    if api.protocol_type != "HTTP":
        return _json(404, {"message": "Not Found"})
    if api.disable_execute_api_endpoint in (True, "true"):
        return _json(403, {"message": "Forbidden"})
    staged = http_api_stage(target.raw_path, list(api.stages))
    if staged is None:
        return _json(404, {"message": "Not Found"})
    stage_name, route_raw_path = staged
    stage = api.stages[stage_name]
    req = _incoming(environ, target.raw_path, raw_query, body)
    cors = api.cors_configuration or None
    if cors and is_preflight(req):
        return cors_preflight(cors, req)
    routes = {route.route_key: route for route in api.routes.values()}
    match = select_route(list(routes), req.method, split_segments(route_raw_path))
    if match is None:
        return _finish_cors(cors, req, _json(404, {"message": "Not Found"}))
    route = routes[match.route_key]
    route_path = decoded_path(route_raw_path)
    caller: Caller | None = None
    auth = (route.authorization_type or "NONE").upper()
    if auth == "AWS_IAM":
        try:
            verified = verify(account, "execute-api", region, req.method, raw_uri, EnvironHeaders(environ), body)
            authorize(verified, execute_api_arn(region, account, api.api_id, stage_name, req.method, route_path))
            caller = verified.caller
        except Denied as denied:
            message = "Forbidden" if denied.reason == "missing" else denied.message
            return _finish_cors(cors, req, _json(403, {"message": message}))
    elif auth != "NONE":
        _log(f"{api.api_id} {match.route_key}: authorizer type {auth} is not served locally")
        return _finish_cors(cors, req, _json(500, _HTTP_INTERNAL))
    integration_id = (route.target or "").partition("integrations/")[2]
    integration = api.integrations.get(integration_id)
    if integration is None:
        return _finish_cors(cors, req, _json(404, {"message": "Not Found"}))
    req = _with_forwarding(req, environ, lower=True)
    stage_variables = dict(stage.stage_variables or {})
    try:
        if (integration.integration_subtype or "") == "StepFunctions-StartExecution":
            answer = _start_execution(account, region, api, integration, req, match, stage_name, stage_variables, request_id)
        elif (integration.integration_type or "").upper() == "AWS_PROXY":
            answer = _http_api_lambda(
                account, region, api, integration, req, match, route, stage_name, route_path, stage_variables, caller, target, environ, request_id
            )
        else:
            _log(f"{api.api_id} {match.route_key}: integration type {integration.integration_type} is not served locally")
            answer = _json(500, _HTTP_INTERNAL)
    except IntegrationError as error:
        _log(f"{api.api_id} {match.route_key}: {error}")
        answer = _json(500, _HTTP_INTERNAL)
    return _finish_cors(cors, req, answer)


def _finish_cors(cors, req: Incoming, answer: Answer) -> Answer:  # type: ignore[no-untyped-def]
    return cors_response(cors, req, answer) if cors else answer


def _source_arns_v2(region, account, api_id, stage, route_key, method, route_path) -> list[str]:  # type: ignore[no-untyped-def]
    if route_key == "$default":
        return [execute_api_arn(region, account, api_id, stage, "$default", "")]
    route_method, _, template = route_key.partition(" ")
    arns = [
        execute_api_arn(region, account, api_id, stage, route_method.upper(), template),
        execute_api_arn(region, account, api_id, stage, method, template),
        execute_api_arn(region, account, api_id, stage, method, route_path),
    ]
    return list(dict.fromkeys(arns))


def _http_api_lambda(account, region, api, integration, req, match, route, stage, route_path, stage_variables, caller, target, environ, request_id) -> Answer:  # type: ignore[no-untyped-def]
    function_arn = _lambda_target(integration.integration_uri)
    if not integration.credentials_arn:
        _check_lambda_permission(
            function_arn, _source_arns_v2(region, account, api.api_id, stage, match.route_key, req.method, route_path), account
        )
    domain = _domain(target, environ, api.api_id, "execute-api")
    version = integration.payload_format_version or "1.0"
    if version == "2.0":
        event = event_v2(
            req,
            account_id=account,
            api_id=api.api_id,
            domain_name=domain,
            request_id=request_id,
            route_key=match.route_key,
            stage=stage,
            path_parameters=match.path_parameters,
            stage_variables=stage_variables,
            caller=caller,
        )
    else:
        resource = match.route_key if match.route_key == "$default" else match.route_key.partition(" ")[2]
        event = event_v1(
            req,
            account_id=account,
            api_id=api.api_id,
            domain_name=domain,
            request_id=request_id,
            resource=resource,
            resource_path=resource,
            resource_id=route.route_id,
            path=req.path,
            stage=stage,
            path_parameters=match.path_parameters,
            stage_variables=stage_variables,
            caller=caller,
            http_api=True,
        )
    payload = _invoke(function_arn, json.dumps(event).encode())
    try:
        return answer_v2(payload) if version == "2.0" else answer_v1(payload)
    except Malformed as error:
        raise IntegrationError("function", f"the function's answer cannot be mapped: {error}") from None


def _start_execution(account, region, api, integration, req, match, stage, stage_variables, request_id) -> Answer:  # type: ignore[no-untyped-def]
    headers, _ = v2_headers(req)
    source = MappingSource(
        body=req.body,
        headers=headers,
        query=v2_query(req.raw_query),
        path_parameters=match.path_parameters,
        context={"requestId": request_id, "apiId": api.api_id, "stage": stage, "routeKey": match.route_key, "accountId": account},
        stage_variables=stage_variables,
    )
    values = {k: evaluate_mapping(str(v), source) for k, v in (integration.request_parameters or {}).items()}
    machine = values.get("StateMachineArn")
    if not machine:
        raise IntegrationError("config", "StepFunctions-StartExecution needs StateMachineArn")
    role = integration.credentials_arn
    if not role or not trusts_service(account, role, "apigateway.amazonaws.com"):
        raise IntegrationError("config", f"API Gateway cannot assume the credentials role {role!r}")
    request = {"stateMachineArn": machine}
    for parameter, field in (("Name", "name"), ("Input", "input"), ("TraceHeader", "traceHeader")):
        if values.get(parameter):
            request[field] = values[parameter]
    target_region = values.get("Region") or machine.split(":")[3] or region
    creds = credentials.for_role(account, target_region, role, f"apigateway-{api.api_id}")
    status, data = signed_call("states", target_region, "AWSStepFunctions.StartExecution", request, creds)
    return Answer(status, [("Content-Type", "application/json")], data)


def signed_call(service: str, region: str, target: str, body: dict, creds: dict) -> tuple[int, bytes]:
    """A JSON-protocol call to the emulator itself, signed with `creds` (acting as that role)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(
        method="POST",
        url=settings.ENDPOINT + "/",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": target},
    )
    SigV4Auth(Credentials(creds["AccessKeyId"], creds["SecretAccessKey"], creds.get("SessionToken")), service, region).add_auth(request)
    http_request = urllib.request.Request(settings.ENDPOINT + "/", data=request.body, method="POST", headers=dict(request.headers))
    try:
        with urllib.request.urlopen(http_request, timeout=30) as response:  # noqa: S310 (our own endpoint)
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


# --- REST APIs ------------------------------------------------------------------------------



def _rest_error(api, req: Incoming, response_type: str, status: int, body: dict) -> Answer:  # type: ignore[no-untyped-def]
    """API Gateway's own error, shaped by the API's gateway responses (type, else DEFAULT_4XX/5XX)."""
    responses = getattr(api, "gateway_responses", {}) or {}
    specific = responses.get(response_type)
    chosen = specific or responses.get("DEFAULT_4XX" if status < 500 else "DEFAULT_5XX")
    headers: list[tuple[str, str]] = []
    data = _json(status, body).body
    if chosen is not None:
        if specific is not None and specific.status_code:
            status = int(specific.status_code)
        for key, value in (chosen.response_parameters or {}).items():
            if not key.startswith("gatewayresponse.header."):
                continue
            headers.append((key[len("gatewayresponse.header.") :], _parameter_value(str(value), req)))
        template = (chosen.response_templates or {}).get("application/json")
        if template:
            data = template.replace("$context.error.messageString", json.dumps(body.get("message", ""))).encode()
    return Answer(status, [("Content-Type", "application/json"), *headers], data)


def _parameter_value(value: str, req: Incoming) -> str:
    if value.startswith("'") and value.endswith("'") and len(value) >= 2:
        return value[1:-1]
    if value.startswith("method.request.header."):
        return header_value(req.headers, value[len("method.request.header.") :]) or ""
    return value


def _serve_rest_api(account, region, backend, api, target, environ, raw_uri, raw_query, body) -> Answer:  # type: ignore[no-untyped-def]
    request_id = str(uuid.uuid4())
    answer = _rest_answer(account, region, backend, api, target, environ, raw_uri, raw_query, body, request_id)
    answer.headers.append(("x-amzn-RequestId", request_id))
    answer.headers.append(("x-amz-apigw-id", "".join(random.choices(string.ascii_letters + string.digits, k=15)) + "="))
    return answer


def _rest_answer(account, region, backend, api, target, environ, raw_uri, raw_query, body, request_id) -> Answer:  # type: ignore[no-untyped-def]
    req = _incoming(environ, target.raw_path, raw_query, body)
    staged = rest_api_stage(target.raw_path)
    if staged is None or staged[0] not in api.stages:
        return _json(403, {"message": "Forbidden"})
    stage_name, resource_raw_path = staged
    stage = api.stages[stage_name]
    missing = {"message": "Missing Authentication Token"}
    by_path: dict[str, list] = {}
    for resource in api.resources.values():
        by_path.setdefault(resource.get_path(), []).append(resource)
    selected = select_resource(list(by_path), split_segments(resource_raw_path))
    if selected is None:
        return _rest_error(api, req, "MISSING_AUTHENTICATION_TOKEN", 403, missing)
    resource_path, path_parameters = selected
    method = resource = None
    for wanted in (req.method, "ANY"):
        for candidate in by_path[resource_path]:
            if wanted in candidate.resource_methods:
                method, resource = candidate.resource_methods[wanted], candidate
                break
        if method is not None:
            break
    if method is None:
        return _rest_error(api, req, "MISSING_AUTHENTICATION_TOKEN", 403, missing)
    path = decoded_path(resource_raw_path)
    caller: Caller | None = None
    if (method.authorization_type or "NONE").upper() == "AWS_IAM":
        try:
            verified = verify(account, "execute-api", region, req.method, raw_uri, EnvironHeaders(environ), body)
            authorize(verified, execute_api_arn(region, account, api.id, stage_name, req.method, path))
            caller = verified.caller
        except Denied as denied:
            if denied.reason == "missing":
                return _rest_error(api, req, "MISSING_AUTHENTICATION_TOKEN", 403, missing)
            if denied.reason == "forbidden":
                return _rest_error(api, req, "ACCESS_DENIED", 403, {"Message": denied.message})
            kind = "INVALID_SIGNATURE" if denied.reason == "signature" else "UNAUTHORIZED"
            return _rest_error(api, req, kind, 403, {"message": denied.message})
    elif (method.authorization_type or "NONE").upper() not in ("NONE", ""):
        _log(f"{api.id} {req.method} {resource_path}: authorizer type {method.authorization_type} is not served locally")
        return _rest_error(api, req, "API_CONFIGURATION_ERROR", 500, _REST_INTERNAL)
    if method.api_key_required and not _api_key_valid(backend, api, stage_name, req):
        return _rest_error(api, req, "INVALID_API_KEY", 403, {"message": "Forbidden"})
    integration = method.method_integration
    if integration is None:
        return _rest_error(api, req, "API_CONFIGURATION_ERROR", 500, _REST_INTERNAL)
    kind = (integration.integration_type or "").upper()
    if kind == "MOCK":
        return _mock(api, integration, req)
    if kind != "AWS_PROXY":
        _log(f"{api.id} {req.method} {resource_path}: integration type {kind} is not served locally")
        return _rest_error(api, req, "API_CONFIGURATION_ERROR", 500, _REST_INTERNAL)
    req = _with_forwarding(req, environ, lower=False)
    try:
        function_arn = _lambda_target(integration.uri)
        if not integration.credentials:
            method_arn = execute_api_arn(region, account, api.id, stage_name, method.http_method, resource_path)
            actual_arn = execute_api_arn(region, account, api.id, stage_name, req.method, path)
            _check_lambda_permission(function_arn, list(dict.fromkeys([method_arn, actual_arn])), account)
        domain = _domain(target, environ, api.id, "execute-api")
        req.path = f"/{stage_name}{path if path != '/' else '/'}"
        event = event_v1(
            req,
            account_id=account,
            api_id=api.id,
            domain_name=domain,
            request_id=request_id,
            resource=resource_path,
            resource_path=resource_path,
            resource_id=resource.id,
            path=path,
            stage=stage_name,
            path_parameters=path_parameters,
            stage_variables=dict(stage.variables or {}),
            caller=caller,
            http_api=False,
            binary_media_types=list(api.binaryMediaTypes or []),
        )
        payload = _invoke(function_arn, json.dumps(event).encode())
        try:
            return answer_v1(payload)
        except Malformed as error:
            raise IntegrationError("function", f"the function's answer cannot be mapped: {error}") from None
    except IntegrationError as error:
        _log(f"{api.id} {req.method} {resource_path}: {error}")
        status = 500 if error.kind == "config" else 502
        return _rest_error(api, req, "API_CONFIGURATION_ERROR" if status == 500 else "DEFAULT_5XX", status, _REST_INTERNAL)


def _api_key_valid(backend, api, stage: str, req: Incoming) -> bool:  # type: ignore[no-untyped-def]
    value = header_value(req.headers, "x-api-key")
    if not value:
        return False
    keys = [k for k in backend.keys.values() if k.value == value and k.enabled in (True, "true", "True")]
    for key in keys:
        for plan_id, plan_keys in backend.usage_plan_keys.items():
            if key.id not in plan_keys:
                continue
            plan = backend.usage_plans.get(plan_id)
            for api_stage in (plan.api_stages if plan else []) or []:
                if api_stage.get("apiId") == api.id and api_stage.get("stage") == stage:
                    return True
    return False


def _mock(api, integration, req: Incoming) -> Answer:  # type: ignore[no-untyped-def]
    """A MOCK integration: the request template's statusCode selects the integration response."""
    templates = integration.request_templates or {}
    content_type = (header_value(req.headers, "content-type") or "application/json").split(";")[0].strip()
    template = templates.get(content_type) or templates.get("application/json") or ""
    found = re.search(r'"statusCode"\s*:\s*"?(\d{3})', template or "")
    status_code = found.group(1) if found else "200"
    responses = list((integration.integration_responses or {}).values())
    chosen = None
    for response in responses:
        pattern = response.selection_pattern
        if pattern and re.fullmatch(pattern, status_code):
            chosen = response
            break
    if chosen is None:
        chosen = next((r for r in responses if not r.selection_pattern), None)
    if chosen is None:
        _log(f"{api.id}: MOCK integration has no integration response for {status_code}")
        return _rest_error(api, req, "API_CONFIGURATION_ERROR", 500, _REST_INTERNAL)
    headers = []
    for key, value in (chosen.response_parameters or {}).items():
        if key.startswith("method.response.header."):
            headers.append((key[len("method.response.header.") :], _parameter_value(str(value), req)))
    body_template = (chosen.response_templates or {}).get("application/json") or ""
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    return Answer(int(chosen.status_code), headers, body_template.encode())


# --- function URLs --------------------------------------------------------------------------


def _find_function_url(url_id: str):  # type: ignore[no-untyped-def]
    for account, region, backend in list(lambda_models.lambda_backends.iter_backends()):
        for entry in list(backend._lambdas._functions.values()):
            fn = entry.get("latest")
            config = getattr(fn, "url_config", None)
            if config is not None and getattr(config, "url_id", None) == url_id:
                return account, region, fn, config
    return None


_URL_FORBIDDEN = {"Message": "Forbidden"}


def _serve_function_url(target, environ, raw_uri, raw_query, body) -> Answer:  # type: ignore[no-untyped-def]
    request_id = str(uuid.uuid4())
    answer = _function_url_answer(target, environ, raw_uri, raw_query, body, request_id)
    answer.headers.append(("x-amzn-RequestId", request_id))
    return answer


def _function_url_answer(target, environ, raw_uri, raw_query, body, request_id) -> Answer:  # type: ignore[no-untyped-def]
    found = _find_function_url(target.ident)
    if found is None:
        return _json(403, _URL_FORBIDDEN)
    account, region, fn, config = found
    req = _incoming(environ, target.raw_path, raw_query, body)
    cors = config.config.get("Cors") or None
    if cors and is_preflight(req):
        return cors_preflight(cors, req)
    auth_type = (config.config.get("AuthType") or "NONE").upper()
    name = fn.function_name
    qualifier = getattr(config, "qualifier", None)
    resource_arns = _resource_arns(account, region, name, qualifier)
    statements = _function_statements(account, region, name)
    caller: Caller | None = None
    if auth_type == "AWS_IAM":
        try:
            verified = verify(account, "lambda", region, req.method, raw_uri, EnvironHeaders(environ), body)
        except Denied:
            return _finish_cors(cors, req, _json(403, _URL_FORBIDDEN))
        caller = verified.caller
        try:
            authorize(verified, resource_arns[0])
        except Denied:
            if not resource_policy_allows(
                statements,
                action="lambda:InvokeFunctionUrl",
                resource_arns=resource_arns,
                caller_arn=caller.user_arn,
                caller_account=caller.account_id,
                url_auth_type="AWS_IAM",
            ):
                return _finish_cors(cors, req, _json(403, _URL_FORBIDDEN))
    elif not resource_policy_allows(
        statements, action="lambda:InvokeFunctionUrl", resource_arns=resource_arns, caller_account=None, url_auth_type="NONE"
    ):
        return _finish_cors(cors, req, _json(403, _URL_FORBIDDEN))
    event = event_v2(
        req,
        account_id=caller.account_id if caller else "anonymous",
        api_id=target.ident,
        domain_name=_domain(target, environ, target.ident, "lambda-url"),
        request_id=request_id,
        route_key="$default",
        stage="$default",
        caller=caller,
    )
    function_arn = resource_arns[0]
    try:
        payload = _invoke(function_arn, json.dumps(event).encode())
        answer = answer_v2(payload)
    except (IntegrationError, Malformed) as error:
        _log(f"function URL {target.ident}: {error}")
        status = 429 if "TooManyRequests" in str(error) else 502
        answer = Answer(status, [("Content-Type", "text/plain")], b"Internal Server Error")
    return _finish_cors(cors, req, answer)
