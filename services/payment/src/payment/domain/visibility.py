"""Who sees a receivable or a plan: its owner rep (scope own), the owner's team (scope
team), finance and admins (scope all). Out of scope is "not found", never "forbidden",
so that a rep cannot learn another rep's customers exist."""

from __future__ import annotations

from typing import Any

from crm_runtime.principal import Principal


def can_see(principal: Principal, owner_id: str, team_id: str) -> bool:
    if principal.scope == "all":
        return True
    if owner_id == principal.user_id:
        return True
    return principal.scope == "team" and bool(team_id) and team_id == principal.team_id


def scope_filter(principal: Principal) -> dict[str, Any]:
    """The same rule as a store filter on owner_id / team_id."""
    if principal.scope == "all":
        return {}
    if principal.scope == "team" and principal.team_id:
        return {"$or": [{"owner_id": principal.user_id}, {"team_id": principal.team_id}]}
    return {"owner_id": principal.user_id}
