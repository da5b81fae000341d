"""A request for a page of leads: filters checked once, then turned into the indexed
query the store runs, with the data scope applied (own / team / all)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crm_runtime.errors import FieldViolation, require
from crm_runtime.paging import decode_position, encode_position, page_limit
from crm_runtime.principal import Principal

from lead.domain.channels import SOURCES
from lead.domain.lead import Lead, LeadStatus
from lead.domain.search import query_tokens

BANDS = ("hot", "warm", "cold")


def page_window(limit: int, cursor: str) -> tuple[int, tuple[datetime, str] | None]:
    return page_limit(limit), decode_position(cursor)


@dataclass(frozen=True)
class LeadQuery:
    owner_ids: Sequence[str] = ()
    statuses: Sequence[str] = ()
    sources: Sequence[str] = ()
    score_bands: Sequence[str] = ()
    tags: Sequence[str] = ()
    created_from: datetime | None = None
    created_to: datetime | None = None  # inclusive, as every range of the API
    text: str = ""
    account_id: str = ""  # converted into this account
    limit: int = 50
    after: tuple[datetime, str] | None = field(default=None)

    @classmethod
    def parse(cls, limit: int, cursor: str, **filters: Any) -> LeadQuery:
        size, after = page_window(limit, cursor)
        query = cls(limit=size, after=after, **filters)
        query.check()
        return query

    def check(self) -> None:
        known_statuses = {s.value for s in LeadStatus}
        violations = [
            FieldViolation(name, f"unknown value {value!r}; one of {', '.join(sorted(allowed))}")
            for name, values, allowed in (
                ("statuses", self.statuses, known_statuses),
                ("sources", self.sources, set(SOURCES)),
                ("score_bands", self.score_bands, set(BANDS)),
            )
            for value in values
            if value not in allowed
        ]
        if self.created_from and self.created_to and self.created_from > self.created_to:
            violations.append(FieldViolation("created_from", "must not be after created_to"))
        if len(self.account_id) > 64:
            violations.append(FieldViolation("account_id", "must be at most 64 characters"))
        if len(self.text) > 100:
            violations.append(FieldViolation("text", "must be at most 100 characters"))
        require(violations)

    def mongo(self, principal: Principal, scoped: bool = True) -> dict[str, Any]:
        query: dict[str, Any] = {"merged_into": ""}
        if scoped and principal.scope == "own":
            query["owner_id"] = principal.user_id
        elif scoped and principal.scope == "team":
            query["owner_team_id"] = principal.team_id or f"no team:{principal.user_id}"
        for key, values in (
            ("owner_id", self.owner_ids),
            ("status", self.statuses),
            ("source", self.sources),
            ("score_band", self.score_bands),
            ("tags", self.tags),
        ):
            if values:
                if key in query:  # a rep filtering by owner stays inside their own scope
                    query["$and"] = [*query.get("$and", []), {key: {"$in": list(values)}}]
                else:
                    query[key] = {"$in": list(values)}
        created: dict[str, datetime] = {}
        if self.created_from:
            created["$gte"] = self.created_from
        if self.created_to:
            created["$lte"] = self.created_to
        if created:
            query["created_at"] = created
        if self.account_id:
            query["account_id"] = self.account_id
        if self.text.strip():
            query["search_tokens"] = {"$all": query_tokens(self.text)}
        return query

    def next_cursor(self, found: list[Lead]) -> str:
        if len(found) <= self.limit:
            return ""
        last = found[self.limit - 1]
        return encode_position(last.created_at, last.id)
