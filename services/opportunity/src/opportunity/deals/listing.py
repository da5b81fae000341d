"""A request for a page of opportunities: filters checked once, then the indexed query
(scope first: a rep's deals by owner, a manager's by team) and the sort."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from crm_runtime.errors import FieldViolation, require
from crm_runtime.paging import page_limit
from crm_runtime.principal import Principal
from crm_runtime.storage.repository import SortKey, decimal128

from opportunity.domain.aggregate import parse_date
from opportunity.domain.money import NANO, Money, money_problems
from opportunity.domain.opportunity import Status
from opportunity.listing import check_values, parse_sort, scoped, text_filter

DEAL_SORTS = {
    "created_at": ("created_at", "instant"),
    "amount": ("amount_value", "decimal"),
    "expected_close_date": ("close_date", "text"),
    "probability": ("probability", "int"),
}


@dataclass(frozen=True)
class OpportunityQuery:
    stages: Sequence[str] = ()
    owner_ids: Sequence[str] = ()
    team_ids: Sequence[str] = ()
    account_ids: Sequence[str] = ()
    statuses: Sequence[str] = ()
    pipeline_ids: Sequence[str] = ()
    amount_min: Money | None = None  # inclusive
    amount_max: Money | None = None  # inclusive
    close_date_from: str = ""  # inclusive, on the actual close date once closed
    close_date_to: str = ""  # inclusive
    probability_min: int = 0
    probability_max: int = 0  # 0: no upper bound
    text: str = ""
    sort: str = ""
    limit: int = 0
    cursor: str = ""

    def _checks(self) -> list[FieldViolation]:
        found: list[FieldViolation] = []
        for name in ("stages", "owner_ids", "team_ids", "account_ids", "pipeline_ids"):
            found += check_values(name, getattr(self, name))
        found += check_values("statuses", self.statuses, [s.value for s in Status])
        for name in ("amount_min", "amount_max"):
            money = getattr(self, name)
            if money is not None:
                found += money_problems(name, money)
        if self.amount_min and self.amount_max:
            if self.amount_min.currency != self.amount_max.currency:
                found.append(FieldViolation("amount_max", "must be in the currency of amount_min"))
            elif self.amount_min.amount > self.amount_max.amount:
                found.append(FieldViolation("amount_min", "must not be above amount_max"))
        for name in ("close_date_from", "close_date_to"):
            if getattr(self, name) and parse_date(getattr(self, name)) is None:
                found.append(FieldViolation(name, "must be a date YYYY-MM-DD"))
        if (
            self.close_date_from
            and self.close_date_to
            and self.close_date_from > self.close_date_to
        ):
            found.append(FieldViolation("close_date_from", "must not be after close_date_to"))
        for name in ("probability_min", "probability_max"):
            if not 0 <= getattr(self, name) <= 100:
                found.append(FieldViolation(name, "must be between 0 and 100"))
        if self.probability_max and self.probability_min > self.probability_max:
            found.append(FieldViolation("probability_min", "must not be above probability_max"))
        return found

    def plan(
        self, principal: Principal
    ) -> tuple[dict[str, Any], SortKey, int, tuple[Any, str] | None]:
        violations = self._checks()
        text = text_filter(self.text, violations)
        require(violations)
        sort = parse_sort(self.sort, DEAL_SORTS, "-created_at")
        query = scoped(
            principal,
            {
                "owner_id": self.owner_ids,
                "team_id": self.team_ids,
                "stage": self.stages,
                "account_id": self.account_ids,
                "status": self.statuses,
                "pipeline_id": self.pipeline_ids,
            },
        )
        query.update(self._ranges())
        query.update(text)
        return query, sort, page_limit(self.limit), sort.decode(self.cursor)

    def _ranges(self) -> dict[str, Any]:
        """Half-open ranges ([from, to + one step)): the embedded MongoDB misses the
        upper bound of a `$gte` + `$lte` pair, and half-open is right on any MongoDB."""
        query: dict[str, Any] = {}
        money = self.amount_min or self.amount_max
        if money is not None:
            amount: dict[str, Any] = {
                "$gte": decimal128(self.amount_min.amount if self.amount_min else Decimal(0))
            }
            if self.amount_max is not None:
                amount["$lt"] = decimal128(self.amount_max.amount + NANO)
            query.update(currency=money.currency, amount_value=amount)
        if self.close_date_from or self.close_date_to:
            # Deals without a date hold "", which sorts before every date.
            dates: dict[str, str] = {"$gte": self.close_date_from or "0"}
            day = parse_date(self.close_date_to)
            if day is not None:
                dates["$lt"] = (day + timedelta(days=1)).isoformat()
            query["close_date"] = dates
        if self.probability_min or self.probability_max:
            probability: dict[str, int] = {"$gte": self.probability_min}
            if self.probability_max:
                probability["$lt"] = self.probability_max + 1
            query["probability"] = probability
        return query
