"""gRPC clients of the services, one channel each, made at start-up (never at import).

Every call carries the caller's principal as metadata and a deadline; reads are retried
by the channel's service config and each channel has a circuit breaker (resilience.py);
traces cross into the services through the OpenTelemetry client interceptors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict

import grpc
from crm.analytics.v1 import analytics_pb2, analytics_pb2_grpc
from crm.contract.v1 import contract_pb2, contract_pb2_grpc
from crm.lead.v1 import lead_pb2, lead_pb2_grpc
from crm.notification.v1 import notification_pb2, notification_pb2_grpc
from crm.opportunity.v1 import opportunity_pb2, opportunity_pb2_grpc
from crm.payment.v1 import payment_pb2, payment_pb2_grpc
from crm_runtime.config import Settings
from crm_runtime.principal import Principal
from opentelemetry.instrumentation.grpc import aio_client_interceptors

from gateway.traffic.resilience import CircuitBreaker, retry_service_config

DESCRIPTORS = {
    "lead": lead_pb2.DESCRIPTOR.services_by_name["LeadService"],
    "opportunity": opportunity_pb2.DESCRIPTOR.services_by_name["OpportunityService"],
    "contract": contract_pb2.DESCRIPTOR.services_by_name["ContractService"],
    "payment": payment_pb2.DESCRIPTOR.services_by_name["PaymentService"],
    "notification": notification_pb2.DESCRIPTOR.services_by_name["NotificationService"],
    "analytics": analytics_pb2.DESCRIPTOR.services_by_name["AnalyticsService"],
}


class Options(TypedDict):
    """What every call to a service carries: `await stub.GetLead(request, **options)`."""

    metadata: list[tuple[str, str]]
    timeout: float


def options_for(principal: Principal, deadline: float) -> Options:
    return {"metadata": principal.to_metadata(), "timeout": deadline}


@dataclass
class Services:
    lead: lead_pb2_grpc.LeadServiceStub
    opportunity: opportunity_pb2_grpc.OpportunityServiceStub
    contract: contract_pb2_grpc.ContractServiceStub
    payment: payment_pb2_grpc.PaymentServiceStub
    notification: notification_pb2_grpc.NotificationServiceStub
    analytics: analytics_pb2_grpc.AnalyticsServiceStub
    channels: list[grpc.aio.Channel]
    deadline: float
    breakers: dict[str, CircuitBreaker] = field(default_factory=dict)

    def call_options(self, principal: Principal) -> Options:
        return options_for(principal, self.deadline)

    async def close(self, grace: float | None = None) -> None:
        for channel in self.channels:
            await channel.close(grace)


def connect_services(
    settings: Settings, breaker_failures: int = 5, breaker_cooldown: float = 5.0
) -> Services:
    breakers: dict[str, CircuitBreaker] = {}
    channels: dict[str, grpc.aio.Channel] = {}
    for name, descriptor in DESCRIPTORS.items():
        breakers[name] = CircuitBreaker(name, breaker_failures, breaker_cooldown)
        channels[name] = grpc.aio.insecure_channel(
            settings.service_addresses[name],
            options=[
                ("grpc.service_config", retry_service_config(descriptor)),
                ("grpc.enable_retries", 1),
            ],
            interceptors=[breakers[name], *aio_client_interceptors()],
        )
    return Services(
        lead=lead_pb2_grpc.LeadServiceStub(channels["lead"]),
        opportunity=opportunity_pb2_grpc.OpportunityServiceStub(channels["opportunity"]),
        contract=contract_pb2_grpc.ContractServiceStub(channels["contract"]),
        payment=payment_pb2_grpc.PaymentServiceStub(channels["payment"]),
        notification=notification_pb2_grpc.NotificationServiceStub(channels["notification"]),
        analytics=analytics_pb2_grpc.AnalyticsServiceStub(channels["analytics"]),
        channels=list(channels.values()),
        deadline=settings.grpc_deadline_seconds,
        breakers=breakers,
    )
