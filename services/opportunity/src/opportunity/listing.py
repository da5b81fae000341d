"""Requests for pages of accounts and contacts: filters checked once, then turned into
the indexed query the store runs, with the data scope applied (own / team / all)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from crm_runtime.errors import FieldViolation, ValidationFailed, require
from crm_runtime.paging import page_limit
from crm_runtime.principal import Principal

from opportunity.domain.account import Tier
from opportunity.domain.contact import ContactRole
from opportunity.domain.text import query_tokens
from opportunity.domain.visibility import scope_filter
from opportunity.paging import SortKey

MAX_TEXT = 100
MAX_VALUES = 20


def parse_sort(raw: str, allowed: dict[str, tuple[str, str]], default: str) -> SortKey:
    """`name` ascending, `-name` descending, among `allowed` (name -> field, kind)."""
    text = raw.strip() or default
    name = text.removeprefix("-")
    if name not in allowed:
        choices = ", ".join(f"{n}, -{n}" for n in allowed)
        raise ValidationFailed([FieldViolation("sort", f"one of {choices}")])
    field, kind = allowed[name]
    return SortKey(field, descending=text.startswith("-"), kind=kind)


def scoped(principal: Principal, filters: dict[str, Sequence[str]]) -> dict[str, Any]:
    """The caller's scope and the filters on the same keys, intersected: a rep asking
    for someone else's records gets none rather than an error."""
    query: dict[str, Any] = dict(scope_filter(principal))
    for key, values in filters.items():
        if not values:
            continue
        if key in query:
            if query[key] not in values:
                query[key] = {"$in": []}
        else:
            query[key] = values[0] if len(values) == 1 else {"$in": list(values)}
    return query


def check_values(
    name: str, values: Sequence[str], allowed: Sequence[str] | None = None
) -> list[FieldViolation]:
    found = []
    if len(values) > MAX_VALUES:
        found.append(FieldViolation(name, f"at most {MAX_VALUES} values"))
    for value in values:
        if allowed is not None and value not in allowed:
            found.append(
                FieldViolation(name, f"unknown value {value!r}; one of {', '.join(allowed)}")
            )
        elif not value or len(value) > 100:
            found.append(FieldViolation(name, "values are 1 to 100 characters"))
    return found


def text_filter(text: str, violations: list[FieldViolation]) -> dict[str, Any]:
    if len(text) > MAX_TEXT:
        violations.append(FieldViolation("text", f"must be at most {MAX_TEXT} characters"))
        return {}
    tokens = query_tokens(text) if text.strip() else []
    return {"search_tokens": {"$all": tokens}} if tokens else {}


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
        for name, values in (("owner_ids", self.owner_ids), ("team_ids", self.team_ids),
                             ("industries", self.industries), ("regions", self.regions), ("tags", self.tags)):  # fmt: skip
            violations += check_values(name, values)
        violations += check_values("tiers", self.tiers, [t.value for t in Tier])
        text = text_filter(self.text, violations)
        require(violations)
        sort = parse_sort(self.sort, ACCOUNT_SORTS, "-created_at")
        query = scoped(principal, {"owner_id": self.owner_ids, "team_id": self.team_ids})
        for key, values in (("tier", self.tiers), ("industry", self.industries),
                            ("region", self.regions), ("tags", self.tags)):  # fmt: skip
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


def next_cursor(sort: SortKey, docs_or_items: Sequence[Any], limit: int, as_doc: Any) -> str:
    """The cursor after the page's last item when there is another page."""
    if len(docs_or_items) <= limit:
        return ""
    return sort.encode(as_doc(docs_or_items[limit - 1]))
