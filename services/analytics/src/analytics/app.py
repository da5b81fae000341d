"""Analytics use cases: fold events into read models once; answer queries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from crm_runtime.messaging.inbox import handle_once
from crm_runtime.principal import Principal
from crm_runtime.storage.mongo import Transaction, UnitOfWork

from analytics.domain.lead_summary import LeadCount, bucket_of, day_range
from analytics.store import LeadCounts


def _today() -> date:
    return datetime.now(UTC).date()


class AnalyticsApp:
    def __init__(self, uow: UnitOfWork, today: Callable[[], date] = _today) -> None:
        self.uow = uow
        self.today = today

    def on_lead_created(self, envelope: dict[str, Any]) -> bool:
        day, source = bucket_of(envelope)

        def effect(tx: Transaction) -> None:
            LeadCounts(tx, envelope["tenant_id"]).increment(day, source)

        return handle_once(self.uow, "analytics.on_lead_created", envelope, effect)

    def lead_summary(self, principal: Principal, from_day: str, to_day: str) -> list[LeadCount]:
        days = day_range(from_day, to_day, self.today())
        return self.uow.run(lambda tx: LeadCounts(tx, principal.tenant_id).between(days))
