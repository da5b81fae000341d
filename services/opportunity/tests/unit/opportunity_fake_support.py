"""OpportunityService on an in-process gRPC server over the in-memory storage
(opportunity.memory): the use cases as the integration suite drives them, in
milliseconds and without a database. Test modules load it with
`pytest_plugins = ["opportunity_fake_support"]`, override `opportunity_stub` with
`fake_opportunity_stub` (the integration suite's plugin, loaded in the same pytest run,
defines `opportunity_stub` on the embedded MongoDB for every module that does not), and
call the service through the helpers of opportunity_calls.py, which this module passes
on."""

from __future__ import annotations

import pytest
from crm.opportunity.v1 import opportunity_pb2_grpc
from crm_runtime.testing.clock import ticking_clock
from crm_runtime.testing.fixtures import settings_for
from crm_runtime.testing.inprocess import grpc_channel
from opportunity.grpc_api import OpportunityApps, register
from opportunity.memory import MemoryOpportunityStorage
from opportunity_calls import ADMIN, DIRECTOR, account, cny, contact, deal, md, move

pytest_plugins = ["opportunity_calls"]  # fixtures: stub
__all__ = ["ADMIN", "DIRECTOR", "account", "cny", "contact", "deal", "md", "move"]


@pytest.fixture
def opportunity_storage():
    return MemoryOpportunityStorage()


@pytest.fixture
def fake_opportunity_stub(opportunity_storage):
    settings = settings_for(
        "opportunity", "api", "mongodb://unused", "unused", CRM_GRPC_HOST="127.0.0.1"
    )
    apps = OpportunityApps.on(opportunity_storage, clock=ticking_clock())
    with grpc_channel(settings, register(apps)) as channel:
        yield opportunity_pb2_grpc.OpportunityServiceStub(channel)
