"""LeadService on an in-process gRPC server over the embedded MongoDB, with helpers to
call it as different people of different tenants (lead_calls.py)."""

from __future__ import annotations

import pytest
from crm_runtime.testing.fixtures import settings_for
from crm_runtime.wiring import build
from lead.grpc_api import LeadApps
from lead.indexes import ensure_indexes
from lead_calls import ADMIN, configure, create, md, owned, serve, update_lead

__all__ = ["ADMIN", "configure", "create", "md", "owned", "update_lead"]


@pytest.fixture
def lead_stub(mongo_client, mongo_uri, database_name):
    settings = settings_for("lead", "api", mongo_uri, database_name, CRM_GRPC_HOST="127.0.0.1")
    apps = build(settings, mongo_client, ensure_indexes, LeadApps.build)
    with serve(settings, apps) as stub:
        yield stub
