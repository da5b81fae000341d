"""How a route reaches the services: one typed dependency per service client, and the
options every call carries (the caller's principal as metadata, the deadline).

    async def get_lead(lead_id: LeadId, caller: ..., lead_service: LeadClient,
                       options: CallOptions) -> LeadOut:
        reply = await lead_service.GetLead(pb.GetLeadRequest(id=lead_id), **options)

The clients are the channels made at start-up (gateway.clients); nothing here connects.
"""

from __future__ import annotations

from typing import Annotated

from crm.analytics.v1.analytics_pb2_grpc import AnalyticsServiceStub
from crm.contract.v1.contract_pb2_grpc import ContractServiceStub
from crm.lead.v1.lead_pb2_grpc import LeadServiceStub
from crm.notification.v1.notification_pb2_grpc import NotificationServiceStub
from crm.opportunity.v1.opportunity_pb2_grpc import OpportunityServiceStub
from crm.payment.v1.payment_pb2_grpc import PaymentServiceStub
from fastapi import Depends, Request

from gateway.access.auth import current_caller
from gateway.clients import Options, Services
from gateway.context import context
from gateway.identity.caller import Caller


def _services(request: Request) -> Services:
    return context(request).services


def lead_client(request: Request) -> LeadServiceStub:
    return _services(request).lead


def opportunity_client(request: Request) -> OpportunityServiceStub:
    return _services(request).opportunity


def contract_client(request: Request) -> ContractServiceStub:
    return _services(request).contract


def payment_client(request: Request) -> PaymentServiceStub:
    return _services(request).payment


def notification_client(request: Request) -> NotificationServiceStub:
    return _services(request).notification


def analytics_client(request: Request) -> AnalyticsServiceStub:
    return _services(request).analytics


def call_options(request: Request, caller: Annotated[Caller, Depends(current_caller)]) -> Options:
    """The authenticated caller's options (the same caller `authorize` checked: FastAPI
    resolves `current_caller` once per request)."""
    return _services(request).call_options(caller.principal)


def deadline(request: Request) -> float:
    """The seconds a call may take; for routes whose caller is not a credential's."""
    return _services(request).deadline


LeadClient = Annotated[LeadServiceStub, Depends(lead_client)]
OpportunityClient = Annotated[OpportunityServiceStub, Depends(opportunity_client)]
ContractClient = Annotated[ContractServiceStub, Depends(contract_client)]
PaymentClient = Annotated[PaymentServiceStub, Depends(payment_client)]
NotificationClient = Annotated[NotificationServiceStub, Depends(notification_client)]
AnalyticsClient = Annotated[AnalyticsServiceStub, Depends(analytics_client)]
CallOptions = Annotated[Options, Depends(call_options)]
Deadline = Annotated[float, Depends(deadline)]
