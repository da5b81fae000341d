"""The service's use-case objects, built once per process around one unit of work: one
member per area's use_cases.py. Another area of the service adds its own member here
(and its RPCs, from its grpc_api.py, as a mixin of the servicer in the root
grpc_api.py); an area with its own kind of approval registers the handler of its
decisions in `build` (`approvals.register(ApprovalKind.X, handler)`, see
approvals/use_cases.py)."""

from __future__ import annotations

from dataclasses import dataclass

from crm_runtime.mongo import UnitOfWork

from opportunity.accounts.use_cases import Account360App, AccountApp, ActivityApp, ContactApp
from opportunity.approvals.domain import ApprovalKind
from opportunity.approvals.use_cases import ApprovalApp
from opportunity.conversion.use_cases import ConversionApp, LeadDirectory, NoLeadService
from opportunity.deals.use_cases import OpportunityApp
from opportunity.pipelines.use_cases import PipelineApp
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
        approvals = ApprovalApp(uow)
        approvals.register(ApprovalKind.QUOTE_DISCOUNT, decide_quote_discount)
        return cls(
            accounts=AccountApp(uow),
            contacts=ContactApp(uow),
            pipelines=PipelineApp(uow),
            deals=OpportunityApp(uow),
            approvals=approvals,
            activity=ActivityApp(uow),
            quotes=QuoteApp(uow),
            conversions=ConversionApp(uow, leads or NoLeadService()),
            account360=Account360App(uow),
        )
