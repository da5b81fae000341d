"""A contract's life after drafting: submit into the approval chain the tenant's policy
chooses, each step decided by its role (legal, finance, the general manager), never by
the submitter, once; out for signature; manual signing by both parties with the scan's
SHA-256, which makes it active from its effective date; completed, or terminated with a
reason. Every other move is 409 naming the states it is allowed from (ContractService
over gRPC)."""

from __future__ import annotations

from typing import Annotated

from crm.contract.v1 import contract_pb2 as pb
from fastapi import APIRouter, Depends, Path, Response

from gateway.access.guard import authorize
from gateway.conventions.etag import IfMatch, if_match_version, set_etag
from gateway.conventions.problems import PROBLEM_RESPONSES
from gateway.dependencies import CallOptions, ContractClient
from gateway.identity.caller import Caller
from gateway.schemas.contracts import (
    ApprovalPolicyIn,
    ApprovalPolicyOut,
    ContractDecisionIn,
    ContractOut,
    ContractSignIn,
    ContractSubmitIn,
    ContractTerminateIn,
    contract_out,
    policy_in,
    policy_out,
)
from gateway.schemas.values import STALE

router = APIRouter(tags=["contracts"], responses=PROBLEM_RESPONSES)
ContractId = Annotated[str, Path(min_length=1, max_length=64, description="The contract's id")]
StepId = Annotated[str, Path(min_length=1, max_length=64, description="The approval step's id")]


def _answer(response: Response, contract: pb.Contract) -> ContractOut:
    set_etag(response, contract.version)
    return contract_out(contract)


@router.post(
    "/v1/contracts/{contract_id}/submit",
    response_model=ContractOut,
    responses=STALE,
    summary="Submit a draft (or a rejected contract) for approval",
)
async def submit_contract(
    contract_id: ContractId,
    body: ContractSubmitIn,
    caller: Annotated[Caller, Depends(authorize("contract:submit"))],
    contract_service: ContractClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> ContractOut:
    """The chain: legal always; finance when the value is at least 200,000, a line
    discount at least 15 % or an instalment due more than 90 days after signing; the
    general manager when the value is at least 1,000,000 or a standard clause was
    edited. Each step says why it is there (`rule`)."""
    reply = await contract_service.SubmitContractForApproval(
        pb.SubmitContractForApprovalRequest(
            id=contract_id, note=body.note, expected_version=if_match_version(if_match)
        ),
        **options,
    )
    return _answer(response, reply.contract)


@router.post(
    "/v1/contracts/{contract_id}/approval-steps/{step_id}/decision",
    response_model=ContractOut,
    summary="Decide the pending approval step",
)
async def decide_step(
    contract_id: ContractId,
    step_id: StepId,
    body: ContractDecisionIn,
    caller: Annotated[Caller, Depends(authorize("contract:approve"))],
    contract_service: ContractClient,
    options: CallOptions,
    response: Response,
) -> ContractOut:
    """By the step's role, never by the submitter (403); once: a step decided already,
    also by someone deciding at the same moment, is 409. A rejection needs a comment and
    returns the contract to its owner; the last approval makes it approved."""
    decision = pb.DECISION_APPROVE if body.decision == "approve" else pb.DECISION_REJECT
    reply = await contract_service.DecideContractApproval(
        pb.DecideContractApprovalRequest(
            contract_id=contract_id, step_id=step_id, decision=decision, comment=body.comment
        ),
        **options,
    )
    return _answer(response, reply.contract)


@router.post(
    "/v1/contracts/{contract_id}/send-for-signature",
    response_model=ContractOut,
    responses=STALE,
    summary="Send an approved contract out for signature",
)
async def send_for_signature(
    contract_id: ContractId,
    caller: Annotated[Caller, Depends(authorize("contract:sign"))],
    contract_service: ContractClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> ContractOut:
    reply = await contract_service.SendContractForSignature(
        pb.SendContractForSignatureRequest(
            id=contract_id, expected_version=if_match_version(if_match)
        ),
        **options,
    )
    return _answer(response, reply.contract)


@router.post(
    "/v1/contracts/{contract_id}/sign",
    response_model=ContractOut,
    responses=STALE,
    summary="Record the manual signature of both parties: the contract is active",
)
async def sign_contract(
    contract_id: ContractId,
    body: ContractSignIn,
    caller: Annotated[Caller, Depends(authorize("contract:sign"))],
    contract_service: ContractClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> ContractOut:
    """Active from its start date, else the signing date; ContractActivated carries the
    instalments with their amounts and due dates to the payment service."""
    reply = await contract_service.RecordSignature(
        pb.RecordSignatureRequest(
            contract_id=contract_id,
            method=pb.SIGNATURE_METHOD_MANUAL,
            signatories=[
                pb.Signatory(party=s.party, name=s.name, title=s.title) for s in body.signatories
            ],
            signed_date=body.signed_date,
            file_sha256=body.file_sha256,
            expected_version=if_match_version(if_match),
        ),
        **options,
    )
    return _answer(response, reply.contract)


@router.post(
    "/v1/contracts/{contract_id}/complete",
    response_model=ContractOut,
    responses=STALE,
    summary="Mark an active contract completed",
)
async def complete_contract(
    contract_id: ContractId,
    caller: Annotated[Caller, Depends(authorize("contract:close"))],
    contract_service: ContractClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> ContractOut:
    reply = await contract_service.CompleteContract(
        pb.CompleteContractRequest(id=contract_id, expected_version=if_match_version(if_match)),
        **options,
    )
    return _answer(response, reply.contract)


@router.post(
    "/v1/contracts/{contract_id}/terminate",
    response_model=ContractOut,
    responses=STALE,
    summary="Terminate a contract, with the reason",
)
async def terminate_contract(
    contract_id: ContractId,
    body: ContractTerminateIn,
    caller: Annotated[Caller, Depends(authorize("contract:close"))],
    contract_service: ContractClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> ContractOut:
    reply = await contract_service.TerminateContract(
        pb.TerminateContractRequest(
            id=contract_id, reason=body.reason, expected_version=if_match_version(if_match)
        ),
        **options,
    )
    return _answer(response, reply.contract)


@router.get(
    "/v1/contract-approval-policy",
    response_model=ApprovalPolicyOut,
    summary="The tenant's contract approval policy (ETag)",
)
async def get_policy(
    caller: Annotated[Caller, Depends(authorize("approval_policy:read"))],
    contract_service: ContractClient,
    options: CallOptions,
    response: Response,
) -> ApprovalPolicyOut:
    """The default (legal always; finance from 200,000, a 15 % line discount or terms
    over 90 days; the general manager from 1,000,000 or an edited standard clause) until
    the tenant replaces it."""
    reply = await contract_service.GetApprovalPolicy(pb.GetApprovalPolicyRequest(), **options)
    set_etag(response, reply.policy.version)
    return policy_out(reply.policy)


@router.put(
    "/v1/contract-approval-policy",
    response_model=ApprovalPolicyOut,
    responses=STALE,
    summary="Replace the contract approval policy",
)
async def replace_policy(
    body: ApprovalPolicyIn,
    caller: Annotated[Caller, Depends(authorize("approval_policy:manage"))],
    contract_service: ContractClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> ApprovalPolicyOut:
    """Each role once, each rule with a condition; contracts submitted already keep
    their chain."""
    reply = await contract_service.UpdateApprovalPolicy(
        pb.UpdateApprovalPolicyRequest(
            policy=policy_in(body), expected_version=if_match_version(if_match)
        ),
        **options,
    )
    set_etag(response, reply.policy.version)
    return policy_out(reply.policy)
