"""Accounts and contacts through OpportunityService on the embedded MongoDB: duplicate
checks (tenant scoped), edits with version checks, scopes, the relationship map."""

import threading

import grpc
import pytest
from accounts_calls import CODE, code
from crm.opportunity.v1 import opportunity_pb2 as pb
from crm_runtime.rpc.errors import field_violations
from opportunity_grpc_support import ADMIN, account

pytest_plugins = ["opportunity_grpc_support"]


def test_an_account_is_stored_with_its_event(stub, mongo_client, database_name):
    made = account(
        stub, unified_social_credit_code=CODE.lower(), phone="021-6888 8888", tags=["VIP"]
    )
    assert made.unified_social_credit_code == CODE and made.phone == "+862168888888"
    assert made.normalized_name == "上海云图科技" and made.version == 1
    assert stub.GetAccount(pb.GetAccountRequest(id=made.id), metadata=ADMIN).account == made
    db = mongo_client[database_name]
    [event] = db.outbox.find({"event_type": "AccountCreated"})
    assert event["envelope"]["payload"]["unified_social_credit_code"] == CODE
    assert event["tenant_id"] == "t1"


def test_bad_fields_are_named_and_nothing_is_written(stub, mongo_client, database_name):
    with pytest.raises(grpc.RpcError) as err:
        account(
            stub,
            name="",
            unified_social_credit_code="91350100M000100Y44",
            phone="12",
            tier=pb.ACCOUNT_TIER_DORMANT,
        )
    assert code(err) is grpc.StatusCode.INVALID_ARGUMENT
    fields = {v.field for v in field_violations(err.value)}
    assert fields == {"name", "unified_social_credit_code", "phone", "tier"}
    assert mongo_client[database_name].accounts.count_documents({}) == 0
    assert mongo_client[database_name].outbox.count_documents({}) == 0


def test_parallel_creations_of_one_company_leave_one_account(stub, mongo_client, database_name):
    barrier, codes = threading.Barrier(4), []

    def create():
        barrier.wait()
        try:
            account(stub, name="并发科技有限公司")
            codes.append("ok")
        except grpc.RpcError as exc:
            codes.append(exc.code().name)

    threads = [threading.Thread(target=create) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == ["ALREADY_EXISTS"] * 3 + ["ok"]
    assert mongo_client[database_name].accounts.count_documents({"name_key": "并发科技"}) == 1


def test_a_repeated_create_with_an_idempotency_key_returns_the_first_account(
    stub, mongo_client, database_name
):
    request = pb.CreateAccountRequest(
        account=pb.AccountInput(name="幂等科技"), idempotency_key="erp-42"
    )
    first = stub.CreateAccount(request, metadata=ADMIN).account
    assert stub.CreateAccount(request, metadata=ADMIN).account == first
    assert mongo_client[database_name].accounts.count_documents({}) == 1
    assert mongo_client[database_name].outbox.count_documents({"event_type": "AccountCreated"}) == 1
