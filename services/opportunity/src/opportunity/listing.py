"""What every list request shares: the sort asked for, the caller's data scope
(own / team / all) intersected with the filters, checked filter values, the text filter
on n-gram tokens, and the next page's cursor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crm_runtime.errors import FieldViolation, ValidationFailed
from crm_runtime.principal import Principal
from crm_runtime.storage.repository import SortKey

from opportunity.domain.text import query_tokens
from opportunity.domain.visibility import scope_filter
from opportunity.indexes import sort_key

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
    return sort_key(field, text.startswith("-"), kind)


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


def next_cursor(sort: SortKey, docs_or_items: Sequence[Any], limit: int, as_doc: Any) -> str:
    """The cursor after the page's last item when there is another page."""
    if len(docs_or_items) <= limit:
        return ""
    return sort.encode(as_doc(docs_or_items[limit - 1]))
