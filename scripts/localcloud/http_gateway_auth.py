"""Who may call what on the HTTP data plane (http_gateway).

- AWS_IAM routes and methods, and AWS_IAM function URLs: the request's SigV4 signature is
  verified with moto's own verification (`moto.iam.access_control.IAMRequest`: the secret of
  the access key from moto's IAM users or STS sessions), scoped to the service (`execute-api`,
  or `lambda` for function URLs) and the region; then the caller's identity policies must allow
  `execute-api:Invoke` on the method's execute-api ARN (`lambda:InvokeFunctionUrl` on the
  function), evaluated by moto's evaluator (`IAMRequest.check_action_permitted`, where
  iam_enforcement's fixes apply). This runs whether or not LOCALCLOUD_IAM enforces the APIs:
  it is the API's own authorization.
- Lambda resource policies (AddPermission statements): API Gateway may invoke a function only
  when a statement allows `lambda:InvokeFunction` to `apigateway.amazonaws.com` on the invoked
  ARN (an alias-qualified ARN needs a statement on that alias), with its AWS:SourceArn
  (ArnLike, wildcards) and AWS:SourceAccount conditions met; a NONE function URL needs
  `lambda:InvokeFunctionUrl` for principal `*` (FunctionUrlAuthType NONE).
"""

from __future__ import annotations

from dataclasses import dataclass

from .http_gateway_events import Caller
from .http_gateway_routes import arn_like


class Denied(Exception):
    """An authentication or authorization failure: reason is one of missing, incomplete,
    token, signature, scope, forbidden."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass
class Verified:
    caller: Caller
    request: object  # moto's IAMRequest, for the authorization check


def _param(authorization: str, name: str) -> str:
    return authorization.partition(f"{name}=")[2].partition(",")[0].strip()


def verify(account_id: str, service: str, region: str, method: str, raw_uri: str, headers, body: bytes) -> Verified:  # type: ignore[no-untyped-def]
    """The verified caller of a SigV4-signed request, or Denied."""
    from moto.core.exceptions import InvalidClientTokenIdError, SignatureDoesNotMatchError
    from moto.iam.access_control import IAMRequest

    authorization = headers.get("Authorization") or ""
    if not authorization:
        raise Denied("missing", "Missing Authentication Token")
    if not authorization.startswith("AWS4-HMAC-SHA256 "):
        raise Denied("incomplete", "Authorization header requires 'Credential' parameter.")
    scope = _param(authorization, "Credential").split("/")
    if len(scope) != 5 or not _param(authorization, "Signature") or not _param(authorization, "SignedHeaders"):
        raise Denied(
            "incomplete",
            "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.",
        )
    if not headers.get("X-Amz-Date"):
        raise Denied("incomplete", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
    if scope[3] != service:
        raise Denied("scope", f"Credential should be scoped to correct service: '{service}'.")
    if scope[2] != region:
        raise Denied("scope", f"Credential should be scoped to a valid region, not '{scope[2]}'.")
    action = "Invoke" if service == "execute-api" else "InvokeFunctionUrl"
    try:
        request = IAMRequest(
            account_id=account_id,
            method=method,
            path=raw_uri,
            data={},
            body=body,
            headers=headers,
            action=action,
        )
        request.check_signature()
    except InvalidClientTokenIdError:
        raise Denied("token", "The security token included in the request is invalid.") from None
    except SignatureDoesNotMatchError:
        raise Denied(
            "signature",
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        ) from None
    return Verified(_caller(request, scope[0]), request)


def authorize(verified: Verified, resource_arn: str) -> None:
    """Denied unless the caller's policies allow the action on resource_arn (moto's evaluator)."""
    from moto.core.exceptions import ServiceException, _RESTError

    try:
        verified.request.check_action_permitted(resource_arn)  # type: ignore[attr-defined]
    except (_RESTError, ServiceException) as error:
        action = getattr(verified.request, "_action", "")
        raise Denied(
            "forbidden",
            f"User: {verified.caller.user_arn} is not authorized to perform: {action} on resource: {resource_arn}",
        ) from error


def _caller(request, access_key_id: str) -> Caller:  # type: ignore[no-untyped-def]
    from moto.iam.models import iam_backends

    key = request._access_key
    account = getattr(key, "account_id", "") or request.account_id
    backend = iam_backends[account]["aws"]
    arn = key.arn
    caller_id = access_key_id
    try:
        if hasattr(key, "_owner_user_name"):
            caller_id = backend.get_user(key._owner_user_name).id
        elif hasattr(key, "_owner_role_name"):
            caller_id = f"{backend.get_role(key._owner_role_name).id}:{key._session_name}"
    except Exception:  # a principal iam_enforcement knows but IAM does not (its admin)
        pass
    return Caller(access_key=access_key_id, account_id=account, caller_id=caller_id, user_arn=arn)


# --- Lambda resource policies ---------------------------------------------------------------


def _as_list(value: object) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _principal_matches(principal: object, service: str | None, caller_arn: str | None, caller_account: str | None) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    if service and service in _as_list(principal.get("Service")):
        return True
    for aws in _as_list(principal.get("AWS")):
        if aws == "*":
            return True
        if caller_arn and aws == caller_arn:
            return True
        if caller_account and aws in (caller_account, f"arn:aws:iam::{caller_account}:root"):
            return True
    return False


def _conditions_met(statement: dict, source_arns: list[str], source_account: str | None, url_auth_type: str | None) -> bool:
    via_url = statement.get("InvokedViaFunctionUrl")
    for operator, entries in (statement.get("Condition") or {}).items():
        for key, expected in (entries or {}).items():
            lowered = key.lower()
            values = [str(v) for v in _as_list(expected)]
            if lowered == "aws:sourcearn":
                if not source_arns:
                    return False
                like = operator.lower().startswith(("arnlike", "stringlike"))
                if not any(
                    (arn_like(v, s) if like else v == s) for v in values for s in source_arns
                ):
                    return False
            elif lowered == "aws:sourceaccount":
                if source_account not in values:
                    return False
            elif lowered == "lambda:functionurlauthtype":
                if url_auth_type not in values:
                    return False
            elif lowered == "lambda:invokedviafunctionurl":
                via_url = values[0].lower() == "true" if values else via_url
    if statement.get("FunctionUrlAuthType") and statement["FunctionUrlAuthType"] != url_auth_type:
        return False
    if via_url in (True, "true", "True") and url_auth_type is None:
        return False
    return True


def resource_policy_allows(
    statements: list[dict],
    *,
    action: str,
    resource_arns: list[str],
    service: str | None = None,
    caller_arn: str | None = None,
    caller_account: str | None = None,
    source_arns: list[str] | None = None,
    source_account: str | None = None,
    url_auth_type: str | None = None,
) -> bool:
    """Whether an Allow statement of a function's policy grants `action` (see the module docstring)."""
    for statement in statements:
        if statement.get("Effect", "Allow") != "Allow":
            continue
        actions = [str(a).lower() for a in _as_list(statement.get("Action"))]
        if not any(arn_like(a, action.lower()) for a in actions):
            continue
        resources = [str(r) for r in _as_list(statement.get("Resource"))]
        if not any(arn_like(r, arn) for r in resources for arn in resource_arns):
            continue
        if not _principal_matches(statement.get("Principal"), service, caller_arn, caller_account):
            continue
        if not _conditions_met(statement, source_arns or [], source_account, url_auth_type):
            continue
        return True
    return False


def trust_allows(document: dict, service: str) -> bool:
    """Whether a role's trust policy lets `service` (a service principal) call sts:AssumeRole."""
    for statement in _as_list(document.get("Statement")):
        if statement.get("Effect") != "Allow":
            continue
        actions = [str(a).lower() for a in _as_list(statement.get("Action"))]
        if not any(arn_like(a, "sts:assumerole") for a in actions):
            continue
        if _principal_matches(statement.get("Principal"), service, None, None):
            return True
    return False


def trusts_service(account_id: str, role_arn: str, service: str) -> bool:
    """Whether the role exists in moto's IAM and trusts `service` (API Gateway assuming it)."""
    import json
    from urllib.parse import unquote

    from moto.iam.models import iam_backends

    try:
        role = iam_backends[account_id]["aws"].get_role_by_arn(role_arn)
    except Exception:
        return False
    document = role.assume_role_policy_document
    if isinstance(document, str):
        try:
            document = json.loads(unquote(document) if document.startswith("%7B") else document)
        except ValueError:
            return False
    return trust_allows(document or {}, service)
