"""The service's use-case objects, built once per process around one unit of work.
Another area of the service adds its own member here (and its RPCs as a mixin of the
servicer in grpc_api.py); an area with its own kind of approval registers the handler
of its decisions in `build` (`approvals.register(ApprovalKind.X, handler)`, see
approval_app.py)."""

from __future__ import annotations

from dataclasses import dataclass

from crm_runtime.mongo import UnitOfWork

from opportunity.account360_app import Account360App
from opportunity.account_app import AccountApp, ContactApp
from opportunity.activity_app import ActivityApp
from opportunity.approval_app import ApprovalApp
from opportunity.conversion_app import ConversionApp, LeadDirectory, NoLeadService
from opportunity.deal_app import OpportunityApp
from opportunity.domain.approvals import ApprovalKind
from opportunity.quote_app import QuoteApp, decide_quote_discount
from opportunity.tenant_config import PipelineApp


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
