"""Who is calling: the tenant and principal carried as gRPC metadata.

The gateway derives them from the credential and sends `x-crm-*` metadata; services
read them through an interceptor into a context variable. Pure Python.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from crm_runtime.errors import Unauthenticated

SCOPES = ("own", "team", "all")

TENANT_KEY = "x-crm-tenant-id"
USER_KEY = "x-crm-user-id"
ROLES_KEY = "x-crm-roles"
SCOPE_KEY = "x-crm-scope"
TEAM_KEY = "x-crm-team-id"
CREDENTIAL_KEY = "x-crm-credential-id"


@dataclass(frozen=True)
class Principal:
    tenant_id: str
    user_id: str
    roles: tuple[str, ...] = ()
    scope: str = "own"
    team_id: str = ""
    credential_id: str = ""
    team_member_ids: tuple[str, ...] = field(default=())

    def to_metadata(self) -> list[tuple[str, str]]:
        return [
            (TENANT_KEY, self.tenant_id),
            (USER_KEY, self.user_id),
            (ROLES_KEY, ",".join(self.roles)),
            (SCOPE_KEY, self.scope),
            (TEAM_KEY, self.team_id),
            (CREDENTIAL_KEY, self.credential_id),
        ]

    @classmethod
    def from_metadata(cls, metadata: Iterable[tuple[str, str | bytes]]) -> Principal:
        values: Mapping[str, str | bytes] = dict(metadata)

        def text(key: str) -> str:
            raw = values.get(key, "")
            return raw.decode() if isinstance(raw, bytes) else raw

        tenant, user = text(TENANT_KEY), text(USER_KEY)
        if not tenant or not user:
            raise Unauthenticated("the call carries no tenant or principal metadata")
        scope = text(SCOPE_KEY) or "own"
        if scope not in SCOPES:
            raise Unauthenticated(f"unknown data scope {scope!r}")
        roles = tuple(r for r in text(ROLES_KEY).split(",") if r)
        return cls(tenant, user, roles, scope, text(TEAM_KEY), text(CREDENTIAL_KEY))


_current: contextvars.ContextVar[Principal | None] = contextvars.ContextVar(
    "crm_principal", default=None
)


def set_current(principal: Principal | None) -> contextvars.Token[Principal | None]:
    return _current.set(principal)


def reset_current(token: contextvars.Token[Principal | None]) -> None:
    _current.reset(token)


def current_principal() -> Principal:
    principal = _current.get()
    if principal is None:
        raise Unauthenticated("no principal in this call's context")
    return principal
