"""LeadService on an in-process gRPC server over the in-memory storage (lead.memory):
the use cases as the integration suite drives them, in milliseconds and without a
database. Helpers to call it as different people of different tenants: lead_calls.py."""

from __future__ import annotations

import pytest
from crm_runtime.testing.clock import ticking_clock
from crm_runtime.testing.fixtures import settings_for
from lead.grpc_api import LeadApps
from lead.memory import MemoryLeadStorage
from lead_calls import ADMIN, configure, create, md, owned, serve, update_lead

__all__ = ["ADMIN", "configure", "create", "md", "owned", "update_lead"]


@pytest.fixture
def lead_storage():
    return MemoryLeadStorage()


@pytest.fixture
def lead_stub(lead_storage):
    settings = settings_for("lead", "api", "mongodb://unused", "unused", CRM_GRPC_HOST="127.0.0.1")
    with serve(settings, LeadApps.on(lead_storage, ticking_clock())) as stub:
        yield stub
