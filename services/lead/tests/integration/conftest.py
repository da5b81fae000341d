"""LeadService on an in-process gRPC server over the embedded MongoDB, with helpers to
call it as different people of different tenants."""

from __future__ import annotations

import pytest
from crm.lead.v1 import lead_pb2 as pb
from crm.lead.v1 import lead_pb2_grpc
from crm_runtime.principal import Principal
from crm_runtime.testing.fixtures import settings_for
from crm_runtime.testing.inprocess import grpc_channel
from crm_runtime.wiring import build
from google.protobuf import struct_pb2
from lead.grpc_api import LeadApps, register
from lead.store import ensure_indexes


def md(user: str, tenant: str = "t1", scope: str = "all", team: str = "") -> list[tuple[str, str]]:
    return Principal(tenant, user, ("sales_rep",), scope, team).to_metadata()


ADMIN = md("admin")


@pytest.fixture
def lead_stub(mongo_client, mongo_uri, database_name):
    settings = settings_for("lead", "api", mongo_uri, database_name, CRM_GRPC_HOST="127.0.0.1")
    apps = build(settings, mongo_client, ensure_indexes, LeadApps.build)
    with grpc_channel(settings, register(apps)) as channel:
        yield lead_pb2_grpc.LeadServiceStub(channel)


def create(stub, metadata=ADMIN, **fields):
    fields = {"name": "李雷", "source": "web", **fields}
    return stub.CreateLead(pb.CreateLeadRequest(lead=pb.LeadInput(**fields)), metadata=metadata)


def configure(stub, metadata=ADMIN, reps=(), rules=(), **settings):
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
