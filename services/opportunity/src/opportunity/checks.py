"""The worker's timed checks: cadence reminders of open deals, dormancy of accounts and
expiry of issued or waiting quote versions,
safe with several worker replicas. Each record that is due is loaded and saved with a
version check inside its own transaction, so when two replicas look at one record only
one acts (the other's write conflicts and is skipped); a record with nothing to do
has its next check moved on without a new version (ADR 0016)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial

from crm_runtime.clock import utcnow
from crm_runtime.errors import Conflict

from opportunity.domain.cadence import (
    cadence_check_at,
    dormant_due,
    mark_dormant_if_idle,
    remind_if_overdue,
)
from opportunity.ports import OpportunityStorage, Stores
from opportunity.quotes.use_cases import expire_due_quote
from opportunity.session import Session

log = logging.getLogger(__name__)


class OpportunityChecks:
    def __init__(self, storage: OpportunityStorage, clock: Callable[[], datetime] = utcnow) -> None:
        self.storage = storage
        self.clock = clock

    def run(self, batch: int = 200) -> int:
        """Check every deal and account that is due; returns how many changed."""
        now = self.clock()
        changed = 0
        for tenant_id, opp_id in self.storage.due_deals(now, batch):
            deal = partial(self._deal, tenant_id=tenant_id, opp_id=opp_id, now=now)
            changed += self._once("opportunity", opp_id, deal)
        for tenant_id, account_id in self.storage.due_accounts(now, batch):
            check = partial(self._account, tenant_id=tenant_id, account_id=account_id, now=now)
            changed += self._once("account", account_id, check)
        for tenant_id, quote_id, version in self.storage.due_quotes(now, batch):
            expire = partial(
                expire_due_quote, tenant_id=tenant_id, quote_id=quote_id, version=version, now=now
            )
            changed += self._once("quote", f"{quote_id} v{version}", expire)
        return changed

    def _once(self, kind: str, item_id: str, check: Callable[[Stores], int]) -> int:
        try:
            return self.storage.run(check)
        except Conflict:
            log.info("%s %s changed while checked; another replica or a user acted", kind, item_id)
            return 0

    @staticmethod
    def _deal(stores: Stores, tenant_id: str, opp_id: str, now: datetime) -> int:
        s = Session(stores, tenant_id, lambda: now)
        opp = s.deals.get(opp_id)
        if opp is None:
            return 0
        cadence = s.pipeline_of(opp).cadence(s.settings)
        after = remind_if_overdue(opp, cadence, now)
        if after is opp:
            s.deals.reschedule(opp.id, opp.version, cadence_check_at(opp, cadence))
            return 0
        s.save_deal(opp, after)
        return 1

    @staticmethod
    def _account(stores: Stores, tenant_id: str, account_id: str, now: datetime) -> int:
        s = Session(stores, tenant_id, lambda: now)
        account = s.accounts.get(account_id)
        if account is None:
            return 0
        days = s.settings.dormant_after_days
        after = mark_dormant_if_idle(account, days, now)
        if after is account:
            s.accounts.reschedule(account.id, account.version, dormant_due(account, days))
            return 0
        s.save_account(account, after)
        return 1
