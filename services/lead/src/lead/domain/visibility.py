"""Data scopes: which leads a principal may see (own / team / all)."""

from __future__ import annotations

from crm_runtime.principal import Principal

from lead.domain.lead import Lead


def can_see(principal: Principal, lead: Lead) -> bool:
    if principal.scope == "all":
        return True
    if principal.scope == "team" and principal.team_id:
        return lead.owner_team_id == principal.team_id or lead.owner_id == principal.user_id
    return principal.user_id in (lead.owner_id, lead.created_by)
