"""The life of a deal through its pipeline: stage changes through the gates (or into an
approval for big deals), won, lost, reopen, the stage history, and follow-ups on deals
and accounts (OpportunityService over gRPC)."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated

from crm.common.v1 import common_pb2
from crm.opportunity.v1 import opportunity_pb2 as pb
from crm.opportunity.v1.opportunity_pb2_grpc import OpportunityServiceStub
from crm_runtime.rpc.protojson import timestamp
from fastapi import APIRouter, Depends, Response

from gateway.access.guard import authorize
from gateway.clients import Options
from gateway.conventions.created import created
from gateway.conventions.etag import IfMatch, if_match_version, set_etag
from gateway.conventions.paging import DEFAULT, Cursor, Limit
from gateway.conventions.problems import PROBLEM_RESPONSES
from gateway.dependencies import CallOptions, OpportunityClient
from gateway.identity.caller import Caller
from gateway.schemas.accounts import AccountId
from gateway.schemas.opportunities import OpportunityId, OpportunityOut, opportunity_out
from gateway.schemas.opportunity_stages import (
    KIND,
    AccountFollowUpIn,
    AccountFollowUpOut,
    AccountFollowUpPage,
    LostIn,
    ReopenIn,
    StageChangeIn,
    StageChangeOut,
    StageChangeRecord,
    StageHistoryPage,
    WonIn,
    follow_up_out,
)
from gateway.schemas.values import (
    enum_number,
    money_field,
    money_to_proto,
)

router = APIRouter(tags=["opportunities"], responses=PROBLEM_RESPONSES)


@router.post(
    "/v1/opportunities/{opportunity_id}/stage",
    response_model=StageChangeOut,
    summary="Move a deal to another stage",
)
async def change_stage(
    opportunity_id: OpportunityId,
    body: StageChangeIn,
    response: Response,
    caller: Annotated[Caller, Depends(authorize("opportunity:change_stage"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    if_match: IfMatch = None,
) -> StageChangeOut:
    """A gate that is not met answers 422 naming each missing field (`amount`) or
    artefact (`artefacts.signed_requirements_doc`); a stage that may not be skipped
    names `to_stage`. A big deal entering a stage that requires approval answers
    `approval_pending`: it moves when the approver decides."""
    reply = await opportunity_service.ChangeStage(
        pb.ChangeStageRequest(
            id=opportunity_id,
            to_stage=body.to_stage,
            note=body.note,
            expected_version=if_match_version(if_match),
            artefacts=[
                pb.ArtefactInput(kind=a.kind, name=a.name, file_uri=a.file_uri)
                for a in body.artefacts
            ],
        ),
        **options,
    )
    set_etag(response, reply.opportunity.version)
    pending = reply.outcome == pb.CHANGE_STAGE_OUTCOME_APPROVAL_PENDING
    return StageChangeOut(
        outcome="approval_pending" if pending else "applied",
        opportunity=opportunity_out(reply.opportunity),
        approval_id=reply.approval_id,
    )


@router.post(
    "/v1/opportunities/{opportunity_id}/won",
    response_model=OpportunityOut,
    summary="Mark a deal won",
)
async def mark_won(
    opportunity_id: OpportunityId,
    body: WonIn,
    response: Response,
    caller: Annotated[Caller, Depends(authorize("opportunity:close"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    if_match: IfMatch = None,
) -> OpportunityOut:
    """Needs the closed date and the final amount; a pending approval is cancelled."""
    reply = await opportunity_service.MarkWon(
        pb.MarkWonRequest(
            id=opportunity_id,
            closed_date=body.closed_date,
            amount=money_to_proto(body.amount),
            quote_id=body.quote_id,
            note=body.note,
            expected_version=if_match_version(if_match),
        ),
        **options,
    )
    set_etag(response, reply.opportunity.version)
    return opportunity_out(reply.opportunity)


@router.post(
    "/v1/opportunities/{opportunity_id}/lost",
    response_model=OpportunityOut,
    summary="Mark a deal lost",
)
async def mark_lost(
    opportunity_id: OpportunityId,
    body: LostIn,
    response: Response,
    caller: Annotated[Caller, Depends(authorize("opportunity:close"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    if_match: IfMatch = None,
) -> OpportunityOut:
    """Needs a loss reason; the competitor who won is optional."""
    reply = await opportunity_service.MarkLost(
        pb.MarkLostRequest(
            id=opportunity_id,
            loss_reason=body.loss_reason,
            competitor=body.competitor,
            closed_date=body.closed_date,
            note=body.note,
            expected_version=if_match_version(if_match),
        ),
        **options,
    )
    set_etag(response, reply.opportunity.version)
    return opportunity_out(reply.opportunity)


@router.post(
    "/v1/opportunities/{opportunity_id}/reopen",
    response_model=OpportunityOut,
    summary="Reopen a closed deal",
)
async def reopen(
    opportunity_id: OpportunityId,
    body: ReopenIn,
    response: Response,
    caller: Annotated[Caller, Depends(authorize("opportunity:close"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    if_match: IfMatch = None,
) -> OpportunityOut:
    reply = await opportunity_service.ReopenOpportunity(
        pb.ReopenOpportunityRequest(
            id=opportunity_id,
            to_stage=body.to_stage,
            reason=body.reason,
            expected_version=if_match_version(if_match),
        ),
        **options,
    )
    set_etag(response, reply.opportunity.version)
    return opportunity_out(reply.opportunity)


@router.get(
    "/v1/opportunities/{opportunity_id}/stage-history",
    response_model=StageHistoryPage,
    summary="Every stage change of a deal, oldest first",
)
async def stage_history(
    opportunity_id: OpportunityId,
    caller: Annotated[Caller, Depends(authorize("opportunity:read"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> StageHistoryPage:
    reply = await opportunity_service.GetStageHistory(
        pb.GetStageHistoryRequest(
            opportunity_id=opportunity_id, page=common_pb2.PageRequest(limit=limit, cursor=cursor)
        ),
        **options,
    )
    return StageHistoryPage(
        items=[
            StageChangeRecord(
                id=c.id,
                from_stage=c.from_stage,
                to_stage=c.to_stage,
                probability=c.probability,
                amount=money_field(c, "amount"),
                actor_id=c.actor_id,
                at=c.at.ToDatetime(tzinfo=UTC),
                dwell_seconds=c.dwell_seconds,
                approval_id=c.approval_id,
                note=c.note,
            )
            for c in reply.changes
        ],
        next_cursor=reply.page.next_cursor,
    )


async def _log(
    opportunity_service: OpportunityServiceStub,
    options: Options,
    body: AccountFollowUpIn,
    **target: str,
) -> AccountFollowUpOut:
    reply = await opportunity_service.LogFollowUp(
        pb.LogFollowUpRequest(
            **target,
            contact_id=body.contact_id,
            kind=enum_number(pb.FollowUpKind, KIND, body.kind),
            notes=body.notes,
            next_step=body.next_step,
            next_step_at=timestamp(body.next_step_at),
        ),
        **options,
    )
    return follow_up_out(reply.follow_up)


async def _follow_ups(
    opportunity_service: OpportunityServiceStub,
    options: Options,
    limit: int,
    cursor: str,
    **target: str,
) -> AccountFollowUpPage:
    reply = await opportunity_service.ListFollowUps(
        pb.ListFollowUpsRequest(**target, page=common_pb2.PageRequest(limit=limit, cursor=cursor)),
        **options,
    )
    return AccountFollowUpPage(
        items=[follow_up_out(f) for f in reply.follow_ups], next_cursor=reply.page.next_cursor
    )


@router.post(
    "/v1/opportunities/{opportunity_id}/follow-ups",
    status_code=201,
    response_model=AccountFollowUpOut,
    summary="Log a follow-up on a deal (restarts its cadence)",
)
async def log_deal_follow_up(
    opportunity_id: OpportunityId,
    body: AccountFollowUpIn,
    caller: Annotated[Caller, Depends(authorize("opportunity:follow_up"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    response: Response,
) -> AccountFollowUpOut:
    """A follow-up has no read of its own: `Location` names the list it appears in."""
    created(response, f"/v1/opportunities/{opportunity_id}/follow-ups")
    return await _log(opportunity_service, options, body, opportunity_id=opportunity_id)


@router.get(
    "/v1/opportunities/{opportunity_id}/follow-ups",
    response_model=AccountFollowUpPage,
    summary="A deal's follow-ups, newest first",
)
async def deal_follow_ups(
    opportunity_id: OpportunityId,
    caller: Annotated[Caller, Depends(authorize("opportunity:read"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> AccountFollowUpPage:
    return await _follow_ups(
        opportunity_service, options, limit, cursor, opportunity_id=opportunity_id
    )


@router.post(
    "/v1/accounts/{account_id}/follow-ups",
    status_code=201,
    response_model=AccountFollowUpOut,
    summary="Log a follow-up on an account (keeps it from going dormant)",
)
async def log_account_follow_up(
    account_id: AccountId,
    body: AccountFollowUpIn,
    caller: Annotated[Caller, Depends(authorize("opportunity:follow_up"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    response: Response,
) -> AccountFollowUpOut:
    """A follow-up has no read of its own: `Location` names the list it appears in."""
    created(response, f"/v1/accounts/{account_id}/follow-ups")
    return await _log(opportunity_service, options, body, account_id=account_id)


@router.get(
    "/v1/accounts/{account_id}/follow-ups",
    response_model=AccountFollowUpPage,
    summary="An account's follow-ups (its deals' included), newest first",
)
async def account_follow_ups(
    account_id: AccountId,
    caller: Annotated[Caller, Depends(authorize("account:read"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> AccountFollowUpPage:
    return await _follow_ups(opportunity_service, options, limit, cursor, account_id=account_id)
