"""Calls of OpportunityService, and the `stub` fixture,  as different people of different tenants, shared by the
unit suite (on the in-memory storage: unit/opportunity_fake_support.py) and the
integration suite (on the embedded MongoDB: integration/opportunity_grpc_support.py)."""

from __future__ import annotations

import pytest
from crm.common.v1 import common_pb2
from crm.opportunity.v1 import opportunity_pb2 as pb
from crm_runtime.principal import Principal


@pytest.fixture
def stub(opportunity_stub):
    """The service as the suite runs it: on the embedded MongoDB in the integration
    suite, on the in-memory storage in the unit suite, whose modules override
    `opportunity_stub` with `fake_opportunity_stub`."""
    return opportunity_stub


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
