"""Lists of receivables: the filters as a store query, intersected with the caller's data
scope (a rep asking for another rep's receivables gets none, not an error), the index
that serves it, and cursor paging newest first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from crm_runtime.errors import FieldViolation, ValidationFailed
from crm_runtime.principal import Principal

from payment.domain.visibility import scope_filter
from payment.plans.domain.model import ReceivableStatus, tenant_today

MAX_VALUES = 20
LIST_KEYS = ("contract_id", "account_id", "owner_id", "team_id", "status")  # most selective first
NOTHING: dict[str, Any] = {"_id": {"$in": []}}


@dataclass(frozen=True)
class ReceivableQuery:
    statuses: Sequence[str] = ()
    owner_ids: Sequence[str] = ()
    team_ids: Sequence[str] = ()
    account_ids: Sequence[str] = ()
    contract_id: str = ""
    due_from: date | None = None
    due_to: date | None = None
    min_days_overdue: int = 0


def _check(q: ReceivableQuery) -> None:
    problems = []
    known = {s.value for s in ReceivableStatus}
    for name in ("statuses", "owner_ids", "team_ids", "account_ids"):
        if len(getattr(q, name)) > MAX_VALUES:
            problems.append(FieldViolation(name, f"at most {MAX_VALUES} values"))
    for s in q.statuses:
        if s not in known:
            problems.append(FieldViolation("statuses", f"{s!r} is not one of {sorted(known)}"))
    if not 0 <= q.min_days_overdue <= 36500:
        problems.append(FieldViolation("min_days_overdue", "must be 0 to 36500"))
    if problems:
        raise ValidationFailed(problems)


def receivable_query(principal: Principal, q: ReceivableQuery, now: datetime) -> dict[str, Any]:
    """The store query of `q` within the caller's scope."""
    _check(q)
    query: dict[str, Any] = {}
    for key, values in (
        ("owner_id", q.owner_ids),
        ("team_id", q.team_ids),
        ("account_id", q.account_ids),
        ("status", q.statuses),
    ):
        if values:
            query[key] = {"$in": sorted(set(values))}
    if q.contract_id:
        query["contract_id"] = q.contract_id
    due: dict[str, str] = {}
    if q.due_from:
        due["$gte"] = q.due_from.isoformat()
    if q.due_to:
        due["$lte"] = q.due_to.isoformat()
    if q.min_days_overdue:
        statuses = set(q.statuses or [ReceivableStatus.OVERDUE.value])
        if ReceivableStatus.OVERDUE.value not in statuses:
            return NOTHING
        query["status"] = {"$in": [ReceivableStatus.OVERDUE.value]}
        latest = (tenant_today(now) - timedelta(days=q.min_days_overdue)).isoformat()
        due["$lte"] = min(due.get("$lte", latest), latest)
    if due:
        query["due_date"] = due
    scope = scope_filter(principal)
    if "owner_id" in scope and "$or" not in scope:
        if q.owner_ids and principal.user_id not in q.owner_ids:
            return NOTHING
        query["owner_id"] = principal.user_id
    elif scope:
        query["$and"] = [scope]
    return query


def list_key(query: dict[str, Any]) -> str:
    """The equality filter the list's index leads with ("" for the tenant's newest)."""
    return next((key for key in LIST_KEYS if key in query), "")
