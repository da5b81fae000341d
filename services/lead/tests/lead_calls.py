"""Calls to LeadService as different people of different tenants, shared by the unit
suite (on the in-memory storage) and the integration suite (on the embedded MongoDB)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from crm.lead.v1 import lead_pb2 as pb
from crm.lead.v1 import lead_pb2_grpc
from crm_runtime.config import Settings
from crm_runtime.principal import Principal
from crm_runtime.testing.inprocess import grpc_channel
from google.protobuf import struct_pb2
from lead.grpc_api import LeadApps, register


def md(user: str, tenant: str = "t1", scope: str = "all", team: str = "") -> list[tuple[str, str]]:
    return Principal(tenant, user, ("sales_rep",), scope, team).to_metadata()


ADMIN = md("admin")


@contextmanager
def serve(settings: Settings, apps: LeadApps) -> Iterator[lead_pb2_grpc.LeadServiceStub]:
    """LeadService on an in-process gRPC server over `apps`."""
    with grpc_channel(settings, register(apps)) as channel:
        yield lead_pb2_grpc.LeadServiceStub(channel)


def create(stub: Any, metadata: Any = ADMIN, **fields: Any) -> Any:
    fields = {"name": "李雷", "source": "web", **fields}
    return stub.CreateLead(pb.CreateLeadRequest(lead=pb.LeadInput(**fields)), metadata=metadata)


def configure(
    stub: Any, metadata: Any = ADMIN, reps: Any = (), rules: Any = (), **settings: Any
) -> None:
    for rep in reps:
        stub.UpsertRep(pb.UpsertRepRequest(rep=pb.Rep(active=True, **rep)), metadata=metadata)
    if rules:
        stub.ReplaceAssignmentRules(
            pb.ReplaceAssignmentRulesRequest(rules=[pb.AssignmentRule(**r) for r in rules]),
            metadata=metadata,
        )
    if settings:
        overrides = struct_pb2.Struct()
        overrides.update(settings)
        stub.UpdateLeadSettings(
            pb.UpdateLeadSettingsRequest(overrides=overrides), metadata=metadata
        )


def owned(stub: Any, **fields: Any) -> Any:
    """A new lead assigned to rep-a."""
    configure(stub, reps=[{"id": "rep-a"}])
    lead = create(stub, **fields).lead
    return stub.AssignLead(pb.AssignLeadRequest(id=lead.id, owner_id="rep-a"), metadata=ADMIN).lead


def update_lead(
    stub: Any,
    lead_id: str,
    mask: Any,
    metadata: Any = ADMIN,
    expected_version: int = 0,
    **fields: Any,
) -> Any:
    return stub.UpdateLead(
        pb.UpdateLeadRequest(
            id=lead_id,
            lead=pb.LeadInput(**fields),
            update_mask=mask,
            expected_version=expected_version,
        ),
        metadata=metadata,
    ).lead
