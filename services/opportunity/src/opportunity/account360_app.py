"""Customer 360, the opportunity service's parts (GetAccount360Parts): the account, its
contacts, its open and closed deals, the recent follow-ups on it and its deals, and
the sums of its open pipeline and won deals, read in one snapshot transaction within
the caller's scope. The gateway adds the other services' parts."""

from __future__ import annotations

from dataclasses import dataclass

from crm_runtime.principal import Principal

from opportunity.app import ServiceApp, Session
from opportunity.domain import account360
from opportunity.domain.account import Account
from opportunity.domain.account360 import DealSums
from opportunity.domain.contact import Contact
from opportunity.domain.followups import FollowUp
from opportunity.domain.opportunity import Opportunity
from opportunity.domain.visibility import can_see


@dataclass(frozen=True)
class Account360Parts:
    account: Account
    contacts: list[Contact]
    open_opportunities: list[Opportunity]
    closed_opportunities: list[Opportunity]
    recent_follow_ups: list[FollowUp]
    sums: DealSums


class Account360App(ServiceApp):
    def parts(self, principal: Principal, account_id: str, limit: int = 0) -> Account360Parts:
        size = account360.view_limit(limit)

        def work(s: Session) -> Account360Parts:
            account = s.visible_account(principal, account_id)
            deals = [
                d for d in s.deals.of_account(account_id) if can_see(principal, d, d.created_by)
            ]
            opened, closed = account360.split(deals, size)
            return Account360Parts(
                account=account,
                contacts=s.contacts.of_account(account_id),
                open_opportunities=opened,
                closed_opportunities=closed,
                recent_follow_ups=s.follow_ups.page("account_id", account_id, size, None),
                sums=account360.sums(deals),
            )

        return self._run(principal, work)
