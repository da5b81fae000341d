"""Contracts (合同): drafted from a won deal (or one in the contract-signing stage) and
its issued quote, whose lines are copied exactly, or from scratch; instalments that must
add up (percentages to 100, amounts to the value); numbered HT-<year>-<n> per tenant;
every saved change of a draft is a version, each readable. Money is {"amount": "...",
"currency": "CNY"} (ContractService over gRPC, which reads the deal, quote and account
from the opportunity service)."""

from __future__ import annotations

from typing import Annotated

from crm.common.v1 import common_pb2
from crm.contract.v1 import contract_pb2 as pb
from fastapi import APIRouter, Depends, Path, Query, Response

from gateway.access.guard import authorize
from gateway.conventions.created import created
from gateway.conventions.etag import IfMatch, if_match_version, set_etag
from gateway.conventions.paging import DEFAULT, Cursor, Limit
from gateway.conventions.problems import PROBLEM_RESPONSES
from gateway.dependencies import CallOptions, ContractClient
from gateway.identity.caller import Caller
from gateway.schemas.contracts import (
    STATUS,
    ContractDraftIn,
    ContractOut,
    ContractPage,
    ContractPatch,
    ContractStatus,
    ContractVersionOut,
    ContractVersionPage,
    contract_out,
    contract_patch,
    draft_request,
    version_out,
)
from gateway.schemas.values import AMOUNT, DATE_OR_EMPTY, STALE, enum_number

router = APIRouter(tags=["contracts"], responses=PROBLEM_RESPONSES)
ContractId = Annotated[str, Path(min_length=1, max_length=64, description="The contract's id")]
IdFilter = Annotated[list[str], Query(default_factory=list, max_length=20)]
DateQuery = Annotated[str, Query(pattern=DATE_OR_EMPTY, description="YYYY-MM-DD, inclusive")]
AmountQuery = Annotated[str, Query(pattern=AMOUNT, max_length=25, description="decimal string")]


@router.post(
    "/v1/contracts",
    status_code=201,
    response_model=ContractOut,
    summary="Draft a contract from a deal's issued quote, or from scratch",
)
async def draft_contract(
    body: ContractDraftIn,
    caller: Annotated[Caller, Depends(authorize("contract:draft"))],
    contract_service: ContractClient,
    options: CallOptions,
    response: Response,
) -> ContractOut:
    """A deal that is neither won nor in contract_signing, or a quote not issued, is 409;
    instalments that do not add up are 422 naming the rule."""
    reply = await contract_service.DraftContract(draft_request(body), **options)
    created(response, f"/v1/contracts/{reply.contract.id}", reply.contract.version)
    return contract_out(reply.contract)


@router.get("/v1/contracts", response_model=ContractPage, summary="Contracts, newest first")
async def list_contracts(
    caller: Annotated[Caller, Depends(authorize("contract:read"))],
    contract_service: ContractClient,
    options: CallOptions,
    status: Annotated[list[ContractStatus], Query(default_factory=list, max_length=7)],
    owner_id: IdFilter,
    team_id: IdFilter,
    account_id: IdFilter,
    opportunity_id: Annotated[str, Query(max_length=64)] = "",
    template_id: Annotated[str, Query(max_length=64)] = "",
    value_from: AmountQuery | None = None,
    value_to: AmountQuery | None = None,
    start_date_from: DateQuery = "",
    start_date_to: DateQuery = "",
    signed_date_from: DateQuery = "",
    signed_date_to: DateQuery = "",
    awaiting_my_decision: Annotated[
        bool, Query(description="its pending approval step is one of your roles'")
    ] = False,
    q: Annotated[
        str, Query(max_length=100, description="text in the number, title or a party's name")
    ] = "",
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> ContractPage:
    """Within the caller's data scope (own, team, all); ranges are inclusive."""
    filter_ = pb.ContractFilter(
        statuses=[enum_number(pb.ContractStatus, STATUS, s) for s in status],
        owner_ids=owner_id,
        team_ids=team_id,
        account_ids=account_id,
        opportunity_id=opportunity_id,
        template_id=template_id,
        effective_from=start_date_from,
        effective_to=start_date_to,
        signed_from=signed_date_from,
        signed_to=signed_date_to,
        awaiting_caller=awaiting_my_decision,
        text=q,
    )
    for field, value in (("value_min", value_from), ("value_max", value_to)):
        if value is not None:
            units, _, fraction = value.partition(".")
            getattr(filter_, field).CopyFrom(
                common_pb2.Money(
                    currency="CNY", units=int(units), nanos=int((fraction + "000000000")[:9])
                )
            )
    reply = await contract_service.ListContracts(
        pb.ListContractsRequest(
            filter=filter_, page=common_pb2.PageRequest(limit=limit, cursor=cursor)
        ),
        **options,
    )
    return ContractPage(
        items=[contract_out(c) for c in reply.contracts], next_cursor=reply.page.next_cursor
    )


@router.get("/v1/contracts/{contract_id}", response_model=ContractOut, summary="A contract (ETag)")
async def get_contract(
    contract_id: ContractId,
    caller: Annotated[Caller, Depends(authorize("contract:read"))],
    contract_service: ContractClient,
    options: CallOptions,
    response: Response,
) -> ContractOut:
    reply = await contract_service.GetContract(pb.GetContractRequest(id=contract_id), **options)
    set_etag(response, reply.contract.version)
    return contract_out(reply.contract)


@router.patch(
    "/v1/contracts/{contract_id}",
    response_model=ContractOut,
    responses=STALE,
    summary="Save a change of a draft: its next version",
)
async def update_contract(
    contract_id: ContractId,
    body: ContractPatch,
    caller: Annotated[Caller, Depends(authorize("contract:update"))],
    contract_service: ContractClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> ContractOut:
    """Lines are recomputed from quantity, unit price, discount and tax; clauses are
    changed by key and marked edited when they differ from the template's text. Only a
    draft (or a rejected contract) is changed (409 otherwise)."""
    contract, mask = contract_patch(body)
    reply = await contract_service.UpdateContract(
        pb.UpdateContractRequest(
            id=contract_id,
            contract=contract,
            update_mask=mask,
            expected_version=if_match_version(if_match),
        ),
        **options,
    )
    set_etag(response, reply.contract.version)
    return contract_out(reply.contract)


@router.get(
    "/v1/contracts/{contract_id}/versions",
    response_model=ContractVersionPage,
    summary="Every saved version of a contract, newest first",
)
async def list_versions(
    contract_id: ContractId,
    caller: Annotated[Caller, Depends(authorize("contract:read"))],
    contract_service: ContractClient,
    options: CallOptions,
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> ContractVersionPage:
    reply = await contract_service.ListContractVersions(
        pb.ListContractVersionsRequest(
            contract_id=contract_id, page=common_pb2.PageRequest(limit=limit, cursor=cursor)
        ),
        **options,
    )
    return ContractVersionPage(
        items=[version_out(v) for v in reply.versions], next_cursor=reply.page.next_cursor
    )


@router.get(
    "/v1/contracts/{contract_id}/versions/{version}",
    response_model=ContractVersionOut,
    summary="One saved version of a contract",
)
async def get_version(
    contract_id: ContractId,
    version: Annotated[int, Path(ge=1, le=1_000_000)],
    caller: Annotated[Caller, Depends(authorize("contract:read"))],
    contract_service: ContractClient,
    options: CallOptions,
) -> ContractVersionOut:
    reply = await contract_service.ListContractVersions(
        pb.ListContractVersionsRequest(contract_id=contract_id, version=version), **options
    )
    return version_out(reply.versions[0])
