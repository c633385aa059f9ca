"""IAM enforcement: every request authenticated and authorized as AWS does it.

At start the local cloud creates its admin principal: IAM user `localcloud-admin` with the
AWS managed policy AdministratorAccess and an access key, random per start, written to
$LOCALCLOUD_HOME/credentials (profile `local`) and $LOCALCLOUD_HOME/config. Terraform, the
scripts and the tests act as that user.
"""

import secrets
import string

from moto.iam.models import iam_backends
from moto.iam.utils import generate_access_key_id_from_account_id
from moto.moto_api._internal.models import MotoAPIBackend

from . import settings

ACCOUNT_ID = "123456789012"
ADMIN_USER = "localcloud-admin"
ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
PROFILE = "local"

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
    backend.attach_user_policy(ADMIN_POLICY, ADMIN_USER)
    key = backend.create_access_key(ADMIN_USER)
    backend.access_keys.pop(key.physical_resource_id, None)
    key.access_key_id = ADMIN_ACCESS_KEY_ID
    key.secret_access_key = ADMIN_SECRET_ACCESS_KEY
    backend.access_keys[key.physical_resource_id] = key


def write_credential_files() -> None:
    """$LOCALCLOUD_HOME/credentials and config in the AWS shared-file formats (owner-only)."""
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


MotoAPIBackend.reset = _reset_keeping_admin  # type: ignore[method-assign]

create_admin()
write_credential_files()
