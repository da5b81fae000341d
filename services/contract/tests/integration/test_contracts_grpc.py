"""ContractService over gRPC against the embedded MongoDB, with the real opportunity
service in process (the accounts a draft names are read from it): numbers stay unique
under parallel drafting, errors map to status codes, another tenant sees nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from contract.contracts.opportunity_client import OpportunityClient
from contract.grpc_api import ContractApps, register
from contract.indexes import ensure_indexes
from crm.common.v1 import common_pb2
from crm.contract.v1 import contract_pb2 as pb
from crm.contract.v1 import contract_pb2_grpc
from crm.opportunity.v1 import opportunity_pb2 as opb
from crm.opportunity.v1 import opportunity_pb2_grpc
from crm_runtime.principal import Principal
from crm_runtime.testing.fixtures import settings_for
from crm_runtime.testing.inprocess import grpc_channel
from crm_runtime.wiring import build
from opportunity.grpc_api import OpportunityApps
from opportunity.grpc_api import register as register_opportunity
from opportunity.indexes import ensure_indexes as opportunity_indexes

REP = Principal("t1", "rep-1", ("sales_rep",), "own", "team-1").to_metadata()
LEGAL = Principal("t1", "legal-1", ("legal",), "all").to_metadata()
STRANGER = Principal("t2", "rep-9", ("sales_rep",), "all").to_metadata()
PARALLEL = 8


@pytest.fixture
def stubs(mongo_client, mongo_uri, database_name):
    opp_settings = settings_for(
        "opportunity", "api", mongo_uri, f"{database_name}_o", CRM_GRPC_HOST="127.0.0.1"
    )
    opp_apps = build(opp_settings, mongo_client, opportunity_indexes, OpportunityApps.build)
    with grpc_channel(opp_settings, register_opportunity(opp_apps)) as opp_channel:
        settings = settings_for(
            "contract", "api", mongo_uri, database_name, CRM_GRPC_HOST="127.0.0.1"
        )
        client = OpportunityClient(opp_channel, 10.0)
        apps = build(
            settings, mongo_client, ensure_indexes, lambda uow: ContractApps.build(uow, client)
        )
        with grpc_channel(settings, register(apps)) as channel:
            yield (
                contract_pb2_grpc.ContractServiceStub(channel),
                opportunity_pb2_grpc.OpportunityServiceStub(opp_channel),
            )
    mongo_client.drop_database(f"{database_name}_o")


def template(stub) -> pb.ContractTemplate:
    body = pb.ContractTemplateInput(
        name="销售合同",
        code="SALES-STD",
        kind="sales",
        active=True,
        placeholders=[
            pb.Placeholder(key="customer.name", label="客户", type="party", source="account")
        ],
        clauses=[
            pb.Clause(
                key="subject", title="标的", text="向{{customer.name}}提供软件", standard=True
            )
        ],
    )
    return stub.CreateContractTemplate(
        pb.CreateContractTemplateRequest(template=body), metadata=LEGAL
    ).template


def scratch(template_id: str, account_id: str) -> pb.DraftContractRequest:
    line = pb.ContractLine(
        description="实施服务",
        quantity="2",
        unit="人天",
        unit_price=common_pb2.Money(currency="CNY", units=1500),
        tax_percent="6",
    )
    terms = [
        pb.InstalmentTerm(label="预付", percent="30", due_kind="on_signing"),
        pb.InstalmentTerm(label="验收", percent="70", due_kind="milestone", milestone="验收合格"),
    ]
    return pb.DraftContractRequest(
        template_id=template_id,
        account_id=account_id,
        contract=pb.ContractInput(title="实施合同", lines=[line], payment_terms=terms),
    )


def test_parallel_drafts_take_distinct_numbers(stubs):
    stub, opp = stubs
    account = opp.CreateAccount(
        opb.CreateAccountRequest(account=opb.AccountInput(name="上海云图科技有限公司")),
        metadata=REP,
    ).account
    t = template(stub)

    def draft(_: int) -> pb.Contract:
        return stub.DraftContract(scratch(t.id, account.id), metadata=REP).contract

    with ThreadPoolExecutor(PARALLEL) as pool:
        drafted = list(pool.map(draft, range(PARALLEL)))
    numbers = sorted(c.number for c in drafted)
    assert numbers == [f"HT-{numbers[0][3:7]}-{i:06d}" for i in range(1, PARALLEL + 1)]
    one = drafted[0]
    assert (one.value.units, one.parties[0].name) == (3180, "上海云图科技有限公司")
    assert [t.amount.units for t in one.payment_terms] == [954, 2226]


def test_errors_map_to_codes_and_tenants_are_apart(stubs):
    stub, opp = stubs
    account = opp.CreateAccount(
        opb.CreateAccountRequest(account=opb.AccountInput(name="北京星河")), metadata=REP
    ).account
    t = template(stub)
    bad = scratch(t.id, account.id)
    bad.contract.payment_terms[1].percent = "65"
    with pytest.raises(grpc.RpcError) as refused:
        stub.DraftContract(bad, metadata=REP)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "percentages add up to 95, not 100" in refused.value.details()
    with pytest.raises(grpc.RpcError) as unseen:
        stub.DraftContract(scratch(t.id, "no-such-account"), metadata=REP)
    assert (
        unseen.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        and "account_id" in unseen.value.details()
    )
    made = stub.DraftContract(scratch(t.id, account.id), metadata=REP).contract
    with pytest.raises(grpc.RpcError) as hidden:
        stub.GetContract(pb.GetContractRequest(id=made.id), metadata=STRANGER)
    assert hidden.value.code() == grpc.StatusCode.NOT_FOUND
    assert not stub.ListContracts(pb.ListContractsRequest(), metadata=STRANGER).contracts
    submitted = stub.SubmitContractForApproval(
        pb.SubmitContractForApprovalRequest(id=made.id), metadata=REP
    ).contract
    outsider = Principal("t2", "legal-9", ("legal",), "all").to_metadata()
    for call, request in (
        (stub.GetContract, pb.GetContractRequest(number=made.number)),
        (stub.ListContractVersions, pb.ListContractVersionsRequest(contract_id=made.id)),
        (
            stub.DecideContractApproval,
            pb.DecideContractApprovalRequest(
                contract_id=made.id,
                step_id=submitted.approval_steps[0].id,
                decision=pb.DECISION_APPROVE,
            ),
        ),
        (
            stub.RecordSignature,
            pb.RecordSignatureRequest(
                contract_id=made.id,
                method=pb.SIGNATURE_METHOD_MANUAL,
                signed_date="2026-12-01",
                file_sha256="0" * 64,
            ),
        ),
        (stub.TerminateContract, pb.TerminateContractRequest(id=made.id, reason="x")),
    ):
        with pytest.raises(grpc.RpcError) as other_tenant:
            call(request, metadata=outsider)
        assert other_tenant.value.code() in (
            grpc.StatusCode.NOT_FOUND,
            grpc.StatusCode.INVALID_ARGUMENT,
        ), call
    assert (
        stub.GetContract(pb.GetContractRequest(id=made.id), metadata=LEGAL).contract.version
        == submitted.version
    )
    with pytest.raises(grpc.RpcError) as stale:
        stub.UpdateContract(
            pb.UpdateContractRequest(
                id=made.id,
                contract=pb.ContractInput(title="新"),
                update_mask=["title"],
                expected_version=7,
            ),
            metadata=REP,
        )
    assert stale.value.code() == grpc.StatusCode.ABORTED


def test_two_deciders_at_once_one_wins_the_other_409(stubs):
    stub, opp = stubs
    account = opp.CreateAccount(
        opb.CreateAccountRequest(account=opb.AccountInput(name="广州天河")), metadata=REP
    ).account
    t = template(stub)
    made = stub.DraftContract(scratch(t.id, account.id), metadata=REP).contract
    submitted = stub.SubmitContractForApproval(
        pb.SubmitContractForApprovalRequest(id=made.id, expected_version=made.version), metadata=REP
    ).contract
    [step] = submitted.approval_steps
    assert (step.role, step.rule, step.status) == (
        pb.APPROVAL_ROLE_LEGAL,
        "legal: always",
        pb.STEP_STATUS_PENDING,
    )
    deciders = [Principal("t1", f"legal-{i}", ("legal",), "all").to_metadata() for i in range(2)]

    def decide(metadata):
        request = pb.DecideContractApprovalRequest(
            contract_id=made.id, step_id=step.id, decision=pb.DECISION_APPROVE
        )
        try:
            return stub.DecideContractApproval(request, metadata=metadata).contract.status
        except grpc.RpcError as exc:
            return exc.code()

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(decide, deciders))
    assert sorted(map(str, outcomes)) == sorted(
        map(str, [pb.CONTRACT_STATUS_APPROVED, grpc.StatusCode.ABORTED])
    )
    final = stub.GetContract(pb.GetContractRequest(id=made.id), metadata=LEGAL).contract
    assert final.status == pb.CONTRACT_STATUS_APPROVED and final.approval_steps[0].approver_id in (
        "legal-0",
        "legal-1",
    )
