"""gRPC clients of the services, one channel each, made at start-up (never at import).

Every call carries the caller's principal as metadata and a deadline; traces cross into
the services through the OpenTelemetry client interceptors.
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from crm.analytics.v1 import analytics_pb2_grpc
from crm.lead.v1 import lead_pb2_grpc
from crm.notification.v1 import notification_pb2_grpc
from crm_runtime.config import Settings
from crm_runtime.principal import Principal
from opentelemetry.instrumentation.grpc import aio_client_interceptors


@dataclass
class Services:
    lead: lead_pb2_grpc.LeadServiceStub
    notification: notification_pb2_grpc.NotificationServiceStub
    analytics: analytics_pb2_grpc.AnalyticsServiceStub
    channels: list[grpc.aio.Channel]
    deadline: float

    def call_options(self, principal: Principal) -> dict[str, object]:
        return {"metadata": principal.to_metadata(), "timeout": self.deadline}

    async def close(self) -> None:
        for channel in self.channels:
            await channel.close()


def connect_services(settings: Settings) -> Services:
    def channel(name: str) -> grpc.aio.Channel:
        return grpc.aio.insecure_channel(
            settings.service_addresses[name], interceptors=aio_client_interceptors()
        )

    lead, notification, analytics = channel("lead"), channel("notification"), channel("analytics")
    return Services(
        lead=lead_pb2_grpc.LeadServiceStub(lead),
        notification=notification_pb2_grpc.NotificationServiceStub(notification),
        analytics=analytics_pb2_grpc.AnalyticsServiceStub(analytics),
        channels=[lead, notification, analytics],
        deadline=settings.grpc_deadline_seconds,
    )
