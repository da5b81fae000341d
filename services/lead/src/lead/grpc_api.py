"""LeadService servicer: proto in -> use case -> proto out. Errors are mapped by the
shared runtime's interceptor; nothing here catches them."""

from __future__ import annotations

from typing import Any

from crm.lead.v1 import lead_pb2, lead_pb2_grpc
from crm_runtime.principal import current_principal
from google.protobuf.timestamp_pb2 import Timestamp

from lead.app import LeadApp
from lead.domain.lead import Lead, LeadDraft

SERVICE_NAME = lead_pb2.DESCRIPTOR.services_by_name["LeadService"].full_name


def _ts(value: Any) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def draft_from_proto(msg: lead_pb2.LeadInput) -> LeadDraft:
    return LeadDraft(
        name=msg.name,
        company=msg.company,
        phone=msg.phone,
        email=msg.email,
        source=msg.source,
        owner_id=msg.owner_id,
        region=msg.region,
        industry=msg.industry,
        product_line=msg.product_line,
        tags=tuple(msg.tags),
        notes=msg.notes,
    )


def lead_to_proto(lead: Lead) -> lead_pb2.Lead:
    return lead_pb2.Lead(
        id=lead.id,
        tenant_id=lead.tenant_id,
        name=lead.name,
        company=lead.company,
        phone=lead.phone,
        email=lead.email,
        source=lead.source,
        owner_id=lead.owner_id,
        status=lead_pb2.LeadStatus.Value(f"LEAD_STATUS_{lead.status.name}"),
        region=lead.region,
        industry=lead.industry,
        product_line=lead.product_line,
        tags=list(lead.tags),
        notes=lead.notes,
        score=lead.score,
        created_at=_ts(lead.created_at),
        updated_at=_ts(lead.updated_at),
        version=lead.version,
    )


class LeadServicer(lead_pb2_grpc.LeadServiceServicer):
    def __init__(self, app: LeadApp) -> None:
        self.app = app

    def CreateLead(
        self, request: lead_pb2.CreateLeadRequest, context: Any
    ) -> lead_pb2.CreateLeadResponse:
        lead = self.app.create(current_principal(), draft_from_proto(request.lead))
        return lead_pb2.CreateLeadResponse(lead=lead_to_proto(lead))

    def GetLead(self, request: lead_pb2.GetLeadRequest, context: Any) -> lead_pb2.GetLeadResponse:
        lead = self.app.get(current_principal(), request.id)
        return lead_pb2.GetLeadResponse(lead=lead_to_proto(lead))


def register(app: LeadApp) -> Any:
    def add(server: Any) -> list[str]:
        lead_pb2_grpc.add_LeadServiceServicer_to_server(LeadServicer(app), server)
        return [SERVICE_NAME]

    return add
