"""The lead service as the conversion sees it (ADR 17): GetLead as a LeadSnapshot and
MarkLeadConverted, over gRPC, with the caller's principal as metadata and the
runtime's deadline, and the W3C trace context as metadata. Made at start-up (never at import); only the api process has one:
workers run under eventlet and do not call gRPC."""

from __future__ import annotations

from typing import Any

import grpc
from crm.lead.v1 import lead_pb2, lead_pb2_grpc
from crm_runtime.config import Settings
from crm_runtime.errors import NotFound
from crm_runtime.principal import Principal
from crm_runtime.telemetry import current_trace_headers

from opportunity.conversion.domain.plan import LeadSnapshot
from opportunity.conversion.use_cases import LeadUnreachable, MarkRefused
from opportunity.proto import customs_from_proto

STATUS = "LEAD_STATUS_"
REFUSALS = (
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.INVALID_ARGUMENT,
)


def snapshot_of(lead: lead_pb2.Lead) -> LeadSnapshot:
    name = lead_pb2.LeadStatus.Name(lead.status).removeprefix(STATUS).lower()
    return LeadSnapshot(
        id=lead.id,
        status="" if name == "unspecified" else name,
        name=lead.name,
        source=lead.source,
        owner_id=lead.owner_id,
        company=lead.company,
        phone=lead.phone,
        email=lead.email,
        region=lead.region,
        industry=lead.industry,
        product_line=lead.product_line,
        tags=tuple(lead.tags),
        notes=lead.notes,
        custom_fields=customs_from_proto(lead.custom_fields),
        merged_into=lead.merged_into,
        account_id=lead.account_id,
        contact_id=lead.contact_id,
        opportunity_id=lead.opportunity_id,
    )


class LeadClient:
    def __init__(self, channel: grpc.Channel, deadline_seconds: float) -> None:
        self.stub = lead_pb2_grpc.LeadServiceStub(channel)
        self.deadline = deadline_seconds

    @classmethod
    def connect(cls, settings: Settings) -> LeadClient:
        channel = grpc.insecure_channel(settings.service_addresses["lead"])
        return cls(channel, settings.grpc_deadline_seconds)

    def _options(self, principal: Principal) -> dict[str, Any]:
        """The caller's principal, the current trace context (so the lead service's span
        joins this request's trace) and the deadline."""
        trace = list(current_trace_headers().items())
        return {"metadata": [*principal.to_metadata(), *trace], "timeout": self.deadline}

    def get(self, principal: Principal, lead_id: str) -> LeadSnapshot:
        """The lead as the caller sees it; NotFound for another tenant's or scope's."""
        try:
            found = self.stub.GetLead(
                lead_pb2.GetLeadRequest(id=lead_id), **self._options(principal)
            )
        except grpc.RpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                raise NotFound(f"lead {lead_id} not found") from exc
            if exc.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                raise LeadUnreachable(str(exc.details())) from exc
            raise
        return snapshot_of(found.lead)

    def mark(
        self,
        principal: Principal,
        lead_id: str,
        *,
        account_id: str,
        contact_id: str,
        opportunity_id: str,
        idempotency_key: str,
    ) -> LeadSnapshot:
        request = lead_pb2.MarkLeadConvertedRequest(
            id=lead_id,
            account_id=account_id,
            contact_id=contact_id,
            opportunity_id=opportunity_id,
            idempotency_key=idempotency_key,
        )
        try:
            marked = self.stub.MarkLeadConverted(request, **self._options(principal))
        except grpc.RpcError as exc:
            if exc.code() in REFUSALS:
                raise MarkRefused(str(exc.details())) from exc
            raise LeadUnreachable(f"the lead service did not answer: {exc.details()}") from exc
        return snapshot_of(marked.lead)
