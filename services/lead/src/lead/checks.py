"""The worker's timed checks: first-follow-up SLA warnings (owner, then manager) and
recycling of neglected leads, safe with several worker replicas: each lead is saved
with a version check, so when two replicas look at one lead only one acts. Also the
settling of rep slots a crashed capture left reserved (each slot is freed by one
conditional update, so two replicas cannot free it twice)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from crm_runtime.clock import utcnow
from crm_runtime.errors import Conflict

from lead.app import Session
from lead.domain.sla import due_alerts, record_alerts, recycle_if_neglected
from lead.ports import LeadStorage

log = logging.getLogger(__name__)
# Longer than any capture can still commit: pymongo gives up retrying after 2 minutes.
ABANDONED_AFTER = timedelta(minutes=5)


class LeadChecks:
    def __init__(self, storage: LeadStorage, clock: Callable[[], datetime] = utcnow) -> None:
        self.storage = storage
        self.clock = clock

    def run(self, batch: int = 200) -> int:
        """Check every lead that is due; returns how many changed."""
        now = self.clock()
        changed = 0
        for tenant_id, lead_id in self.storage.due_leads(now, batch):
            try:
                changed += self._run(tenant_id, lead_id, now)
            except Conflict:
                log.info("lead %s changed while checked; another replica or a user acted", lead_id)
        return changed

    def settle_slots(self) -> int:
        """Free the slots of captures that died before they committed; returns how many."""
        freed = self.storage.sweep_abandoned(self.clock() - ABANDONED_AFTER)
        if freed:
            log.warning("freed %d rep slots left reserved by captures that never committed", freed)
        return freed

    def _run(self, tenant_id: str, lead_id: str, now: datetime) -> int:
        slots = self.storage.slots(tenant_id)  # none taken: the checks never route
        return self.storage.run(
            lambda stores: self._check(Session(stores, tenant_id, slots), lead_id, now)
        )

    @staticmethod
    def _check(s: Session, lead_id: str, now: datetime) -> int:
        lead = s.leads.get(lead_id)
        if lead is None:
            return 0
        after = lead
        alerts = due_alerts(after, now, s.settings)
        if alerts:
            manager = s.config.manager_of(after.owner_id)
            after = record_alerts(after, alerts, manager_id=manager, now=now)
        after = recycle_if_neglected(after, now, s.settings)
        s.save(lead, after)  # also moves next_check_at on, so the lead leaves the queue
        return 0 if after is lead else 1
