"""The authenticated caller: the principal services see, plus what only the gateway
needs (which kind of credential, which action scopes it carries)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from crm_runtime.principal import Principal

from gateway.access.authz import data_scope

Kind = Literal["api_key", "user", "form"]  # form: a public web form's submissions


@dataclass(frozen=True)
class Caller:
    principal: Principal
    kind: Kind
    scopes: tuple[str, ...] = ("*",)  # action scopes of an API key; people have all

    @property
    def tenant_id(self) -> str:
        return self.principal.tenant_id

    @property
    def subject(self) -> str:
        """Whose budget a request spends and whose idempotency keys it sees: the API key,
        or the person (whatever token they currently hold)."""
        if self.kind == "api_key":
            return f"key:{self.principal.credential_id}"
        return f"user:{self.principal.user_id}"


def person(
    tenant_id: str, user_id: str, roles: Iterable[str], team_id: str, session_id: str
) -> Caller:
    """A person signed in: the data scope follows from the roles (authz.ROLE_SCOPES)."""
    roles = tuple(roles)
    return Caller(
        Principal(
            tenant_id=tenant_id,
            user_id=user_id,
            roles=roles,
            scope=data_scope(roles),
            team_id=team_id,
            credential_id=f"session:{session_id}" if session_id else "",
        ),
        "user",
    )
