"""OpportunityService on an in-process gRPC server over the embedded MongoDB. Test
modules load it with `pytest_plugins = ["opportunity_grpc_support"]` (a conftest.py of
our own would shadow the `conftest` the lead suite imports from) and call the service
through the helpers of opportunity_calls.py, which this module passes on."""

from __future__ import annotations

import pytest
from crm.opportunity.v1 import opportunity_pb2_grpc
from crm_runtime.testing.fixtures import settings_for
from crm_runtime.testing.inprocess import grpc_channel
from crm_runtime.wiring import build
from opportunity.grpc_api import OpportunityApps, register
from opportunity.indexes import ensure_indexes
from opportunity_calls import ADMIN, DIRECTOR, account, cny, contact, deal, md, move

pytest_plugins = ["opportunity_calls"]  # fixtures: stub
__all__ = ["ADMIN", "DIRECTOR", "account", "cny", "contact", "deal", "md", "move"]


@pytest.fixture
def opportunity_stub(mongo_client, mongo_uri, database_name):
    settings = settings_for(
        "opportunity", "api", mongo_uri, database_name, CRM_GRPC_HOST="127.0.0.1"
    )
    apps = build(settings, mongo_client, ensure_indexes, OpportunityApps.build)
    with grpc_channel(settings, register(apps)) as channel:
        yield opportunity_pb2_grpc.OpportunityServiceStub(channel)
