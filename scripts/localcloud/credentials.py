"""Temporary credentials of an IAM role, as sts:AssumeRole issues them.

Lambda runs every invocation with its execution role's session (the caller is
`assumed-role/<role>/<function>`); Step Functions acts with the state machine's role. Both get
their keys here, from moto's STS backend, so IAM enforcement evaluates the role's policies.
Sessions are cached per (role, session name) and renewed before they expire.
"""

import threading
import time

from moto.sts.models import sts_backends

_LOCK = threading.Lock()
_CACHE: dict = {}
_DURATION = 3600


def for_role(account_id: str, region: str, role_arn: str, session_name: str) -> dict:
    """{AccessKeyId, SecretAccessKey, SessionToken} of `role_arn` for `session_name`."""
    key = (account_id, role_arn, session_name)
    with _LOCK:
        cached = _CACHE.get(key)
        if cached and cached[0] > time.time() + 300:
            return cached[1]
        backend = sts_backends[account_id]["aws"]
        role = backend.assume_role(
            region_name=region,
            role_session_name=session_name[:64],
            role_arn=role_arn,
            policy=None,
            duration=_DURATION,
            external_id=None,
        )
        creds = {
            "AccessKeyId": role.access_key_id,
            "SecretAccessKey": role.secret_access_key,
            "SessionToken": role.session_token,
        }
        _CACHE[key] = (time.time() + _DURATION, creds)
        return creds
