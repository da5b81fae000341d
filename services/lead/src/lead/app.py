"""Lead use cases: load through the unit of work, apply the domain, commit."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from crm_runtime.clock import utcnow
from crm_runtime.errors import NotFound
from crm_runtime.mongo import Transaction, UnitOfWork
from crm_runtime.principal import Principal

from lead.domain.lead import Lead, LeadDraft, create_lead
from lead.domain.visibility import can_see
from lead.store import LeadRepository


def _new_id() -> str:
    return str(uuid.uuid4())


class LeadApp:
    def __init__(
        self,
        uow: UnitOfWork,
        clock: Callable[[], datetime] = utcnow,
        new_id: Callable[[], str] = _new_id,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.new_id = new_id

    def create(self, principal: Principal, draft: LeadDraft) -> Lead:
        lead = create_lead(
            draft,
            lead_id=self.new_id(),
            tenant_id=principal.tenant_id,
            created_by=principal.user_id,
            creator_team_id=principal.team_id,
            now=self.clock(),
        )

        def work(tx: Transaction) -> None:
            LeadRepository(tx, principal.tenant_id).add(lead)

        self.uow.run(work)  # may run `work` again on a transient conflict
        lead.events.clear()
        return lead

    def get(self, principal: Principal, lead_id: str) -> Lead:
        lead = self.uow.run(lambda tx: LeadRepository(tx, principal.tenant_id).get(lead_id))
        if lead is None or not can_see(principal, lead):
            raise NotFound(f"lead {lead_id} not found")
        return lead
