"""A tenant keeps a way in: the last active credential that carries the admin role is
never removed through the API.

Admin credentials are live admin API keys (not revoked, not expired) and active people
with the admin role (they sign in). Three changes can remove one: revoking a key,
deactivating a person (which also revokes the keys acting as them) and taking the admin
role from a person. Each asks `admin_remains` first; when nothing would remain, the
change is refused with 409 naming the field and the rule, and nothing is written.
Without this, nobody could add people or issue keys again, and only the platform's
operators could let the tenant back in (a fuzzer did exactly that to the demo tenant by
revoking its only key through `DELETE /v1/api-keys/{its own id}`).

Two concurrent removals of the last two admin credentials can still both pass: each
sees the other's credential. That needs two admins racing to lock each other out, and
the operators' `gateway.admin issue-key` restores access.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm_runtime.errors import FailedPrecondition, FieldViolation
from pymongo.asynchronous.collection import AsyncCollection

from gateway.store import Doc

ADMIN = "admin"
LAST_ADMIN_RULE = (
    "would remove the tenant's last active admin credential; "
    "issue another admin key or give another person the admin role first"
)


class LastAdminCredential(FailedPrecondition):
    """The change would leave the tenant without an admin credential (409)."""

    def __init__(self, field: str) -> None:
        super().__init__(f"{field}: {LAST_ADMIN_RULE}")
        self.violations = [FieldViolation(field, LAST_ADMIN_RULE)]


def live_admin_keys(now: datetime) -> Doc:
    """The filter of the admin API keys that still open the door at `now`."""
    return {
        "revoked": False,
        "roles": ADMIN,
        "$or": [{"expires_at": None}, {"expires_at": {"$gt": now}}],
    }


def is_live_admin_key(doc: Doc, now: datetime) -> bool:
    expires_at = doc.get("expires_at")
    return (
        not doc.get("revoked")
        and ADMIN in doc.get("roles", ())
        and (expires_at is None or expires_at > now)
    )


async def admin_remains(
    keys: AsyncCollection[Doc],
    users: AsyncCollection[Doc],
    tenant_id: str,
    now: datetime,
    *,
    except_key: str = "",
    except_user: str = "",
    except_keys_of_user: bool = False,
) -> bool:
    """Whether an admin credential is left once `except_key` is revoked, or
    `except_user` loses the admin role (and, with `except_keys_of_user`, their keys)."""
    key_filter: dict[str, Any] = {"tenant_id": tenant_id, **live_admin_keys(now)}
    if except_key:
        key_filter["_id"] = {"$ne": except_key}
    if except_user and except_keys_of_user:
        key_filter["user_id"] = {"$ne": except_user}
    if await keys.find_one(key_filter, {"_id": 1}) is not None:
        return True
    user_filter: dict[str, Any] = {
        "tenant_id": tenant_id,
        "active": {"$ne": False},
        "roles": ADMIN,
    }
    if except_user:
        user_filter["_id"] = {"$ne": except_user}
    return await users.find_one(user_filter, {"_id": 1}) is not None
