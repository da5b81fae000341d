"""OpportunityService on an in-process gRPC server over the embedded MongoDB, with
helpers to call it as different people of different tenants. Test modules load it with
`pytest_plugins = ["opportunity_grpc_support"]` and import the helpers (a conftest.py of
our own would shadow the `conftest` the lead suite imports from)."""

from __future__ import annotations

import pytest
from crm.common.v1 import common_pb2
from crm.opportunity.v1 import opportunity_pb2 as pb
from crm.opportunity.v1 import opportunity_pb2_grpc
from crm_runtime.principal import Principal
from crm_runtime.testing.fixtures import settings_for
from crm_runtime.testing.inprocess import grpc_channel
from crm_runtime.wiring import build
from opportunity.grpc_api import OpportunityApps, register
from opportunity.indexes import ensure_indexes


def md(
    user: str,
    tenant: str = "t1",
    scope: str = "all",
    team: str = "",
    roles: tuple[str, ...] = ("sales_rep",),
) -> list[tuple[str, str]]:
    return Principal(tenant, user, roles, scope, team).to_metadata()


ADMIN = md("admin", roles=("admin",))
DIRECTOR = md("director", roles=("sales_director",))


@pytest.fixture
def opportunity_stub(mongo_client, mongo_uri, database_name):
    settings = settings_for(
        "opportunity", "api", mongo_uri, database_name, CRM_GRPC_HOST="127.0.0.1"
    )
    apps = build(settings, mongo_client, ensure_indexes, OpportunityApps.build)
    with grpc_channel(settings, register(apps)) as channel:
        yield opportunity_pb2_grpc.OpportunityServiceStub(channel)


def cny(amount: int, nanos: int = 0) -> common_pb2.Money:
    return common_pb2.Money(currency="CNY", units=amount, nanos=nanos)


def account(stub, metadata=ADMIN, **fields) -> pb.Account:
    fields = {"name": "上海云图科技有限公司", **fields}
    return stub.CreateAccount(
        pb.CreateAccountRequest(account=pb.AccountInput(**fields)), metadata=metadata
    ).account


def contact(stub, account_id, metadata=ADMIN, **fields) -> pb.Contact:
    fields = {"name": "王经理", "account_id": account_id, **fields}
    return stub.AddContact(
        pb.AddContactRequest(contact=pb.ContactInput(**fields)), metadata=metadata
    ).contact


def deal(stub, account_id, metadata=ADMIN, **fields) -> pb.Opportunity:
    fields = {"name": "云平台采购", "account_id": account_id, "amount": cny(120_000), **fields}
    return stub.CreateOpportunity(
        pb.CreateOpportunityRequest(opportunity=pb.OpportunityInput(**fields)), metadata=metadata
    ).opportunity


def move(stub, opp_id, to_stage, metadata=ADMIN, **fields) -> pb.ChangeStageResponse:
    return stub.ChangeStage(
        pb.ChangeStageRequest(id=opp_id, to_stage=to_stage, **fields), metadata=metadata
    )
