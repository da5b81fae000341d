"""The service's use-case objects, built once per process around one storage (the Mongo
one, or the in-memory one of the unit tests): one member per area's use_cases.py. Another area of the service adds its own member here
(and its RPCs, from its grpc_api.py, as a mixin of the servicer in the root
grpc_api.py); an area with its own kind of approval registers the handler of its
decisions in `build` (`approvals.register(ApprovalKind.X, handler)`, see
approvals/use_cases.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from crm_runtime.clock import utcnow
from crm_runtime.storage.mongo import UnitOfWork

from opportunity.accounts.use_cases import Account360App, AccountApp, ActivityApp, ContactApp
from opportunity.approvals.domain import ApprovalKind
from opportunity.approvals.use_cases import ApprovalApp
from opportunity.conversion.use_cases import ConversionApp, LeadDirectory, NoLeadService
from opportunity.deals.use_cases import OpportunityApp
from opportunity.mongo_storage import MongoOpportunityStorage
from opportunity.pipelines.use_cases import PipelineApp
from opportunity.ports import OpportunityStorage
from opportunity.quotes.use_cases import QuoteApp, decide_quote_discount


@dataclass(frozen=True)
class OpportunityApps:
    accounts: AccountApp
    contacts: ContactApp
    pipelines: PipelineApp
    deals: OpportunityApp
    approvals: ApprovalApp
    activity: ActivityApp
    quotes: QuoteApp
    conversions: ConversionApp
    account360: Account360App

    @classmethod
    def build(cls, uow: UnitOfWork, leads: LeadDirectory | None = None) -> OpportunityApps:
        """`leads`: the lead service's client (the api process's); without one, a
        conversion answers UNAVAILABLE."""
        return cls.on(MongoOpportunityStorage(uow), leads)

    @classmethod
    def on(
        cls,
        storage: OpportunityStorage,
        leads: LeadDirectory | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> OpportunityApps:
        approvals = ApprovalApp(storage, clock)
        approvals.register(ApprovalKind.QUOTE_DISCOUNT, decide_quote_discount)
        return cls(
            accounts=AccountApp(storage, clock),
            contacts=ContactApp(storage, clock),
            pipelines=PipelineApp(storage, clock),
            deals=OpportunityApp(storage, clock),
            approvals=approvals,
            activity=ActivityApp(storage, clock),
            quotes=QuoteApp(storage, clock),
            conversions=ConversionApp(storage, leads or NoLeadService(), clock),
            account360=Account360App(storage, clock),
        )
