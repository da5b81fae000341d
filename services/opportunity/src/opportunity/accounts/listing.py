"""Requests for pages of accounts and contacts: filters checked once, then turned into
the indexed query the store runs, with the data scope applied (own / team / all)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from crm_runtime.errors import FieldViolation, require
from crm_runtime.paging import page_limit
from crm_runtime.principal import Principal
from crm_runtime.storage.repository import SortKey

from opportunity.domain.account import Tier
from opportunity.domain.contact import ContactRole
from opportunity.listing import check_values, parse_sort, scoped, text_filter

ACCOUNT_SORTS = {"created_at": ("created_at", "instant"), "name": ("name_key", "text")}


@dataclass(frozen=True)
class AccountQuery:
    owner_ids: Sequence[str] = ()
    team_ids: Sequence[str] = ()
    tiers: Sequence[str] = ()
    industries: Sequence[str] = ()
    regions: Sequence[str] = ()
    tags: Sequence[str] = ()
    text: str = ""
    sort: str = ""
    limit: int = 0
    cursor: str = ""

    def plan(
        self, principal: Principal
    ) -> tuple[dict[str, Any], SortKey, int, tuple[Any, str] | None]:
        violations = []
        for name, values in (
            ("owner_ids", self.owner_ids),
            ("team_ids", self.team_ids),
            ("industries", self.industries),
            ("regions", self.regions),
            ("tags", self.tags),
        ):
            violations += check_values(name, values)
        violations += check_values("tiers", self.tiers, [t.value for t in Tier])
        text = text_filter(self.text, violations)
        require(violations)
        sort = parse_sort(self.sort, ACCOUNT_SORTS, "-created_at")
        query = scoped(principal, {"owner_id": self.owner_ids, "team_id": self.team_ids})
        for key, values in (
            ("tier", self.tiers),
            ("industry", self.industries),
            ("region", self.regions),
            ("tags", self.tags),
        ):
            if values:
                query[key] = {"$in": list(values)}
        query.update(text)
        return query, sort, page_limit(self.limit), sort.decode(self.cursor)


@dataclass(frozen=True)
class ContactQuery:
    account_id: str = ""
    roles: Sequence[str] = ()
    text: str = ""
    limit: int = 0
    cursor: str = ""

    def plan(
        self, principal: Principal
    ) -> tuple[dict[str, Any], SortKey, int, tuple[Any, str] | None]:
        violations = check_values("roles", self.roles, [r.value for r in ContactRole])
        if len(self.account_id) > 64:
            violations.append(FieldViolation("account_id", "is not an id"))
        text = text_filter(self.text, violations)
        require(violations)
        sort = SortKey("created_at", descending=True)
        query = scoped(principal, {})
        if self.account_id:
            query["account_id"] = self.account_id
        if self.roles:
            query["role"] = {"$in": list(self.roles)}
        query.update(text)
        return query, sort, page_limit(self.limit), sort.decode(self.cursor)
