"""Data scopes: which records a principal sees (own / team / all). Accounts, contacts,
deals and approvals all carry an owner and a team; a rep sees their own (and what they
created), a manager their team's, everyone else of the tenant all."""

from __future__ import annotations

from typing import Protocol

from crm_runtime.principal import Principal


class Owned(Protocol):
    @property
    def owner_id(self) -> str: ...

    @property
    def team_id(self) -> str: ...


def can_see(principal: Principal, record: Owned, created_by: str = "") -> bool:
    if principal.scope == "all":
        return True
    mine = principal.user_id in (record.owner_id, created_by)
    if principal.scope == "team" and principal.team_id:
        return mine or record.team_id == principal.team_id
    return mine


def scope_filter(principal: Principal) -> dict[str, object]:
    """The same rule as one indexed equality (a rep's records by owner, a manager's by
    team): a record someone created for another is theirs to open, not to list."""
    if principal.scope == "own":
        return {"owner_id": principal.user_id}
    if principal.scope == "team":
        return {"team_id": principal.team_id or f"no team:{principal.user_id}"}
    return {}
