"""/v1/payment-plans and /v1/receivables: a contract's payment plan (回款计划) and its
receivables (应收款). Plans of contracts signed here come from the contract service's
ContractSigned; POST sets one by hand for a contract signed elsewhere."""

from __future__ import annotations

from typing import Annotated, Literal

from crm.common.v1 import common_pb2
from crm.payment.v1 import payment_pb2 as pb
from fastapi import APIRouter, Depends, Path, Query, Response

from gateway.access.guard import authorize
from gateway.conventions.created import created
from gateway.conventions.etag import IfMatch, if_match_version, set_etag
from gateway.conventions.paging import DEFAULT, Cursor, Limit, Many, Value
from gateway.conventions.problems import PROBLEM_RESPONSES
from gateway.dependencies import CallOptions, PaymentClient
from gateway.identity.caller import Caller
from gateway.schemas.payment_plans import (
    Day,
    PaymentPlanIn,
    PaymentPlanOut,
    ReceivableDisputeIn,
    ReceivableMilestoneReachedIn,
    ReceivableOut,
    ReceivablePage,
    ReceivableWriteOffIn,
    plan_out,
    plan_request,
    receivable_out,
)
from gateway.schemas.values import STALE, enum_number

router = APIRouter(tags=["payments"], responses=PROBLEM_RESPONSES)
PlanId = Annotated[str, Path(min_length=1, max_length=64, description="The plan's id")]
ContractId = Annotated[str, Path(min_length=1, max_length=64, description="The contract's id")]
ReceivableId = Annotated[str, Path(min_length=1, max_length=64, description="The receivable's id")]


@router.post(
    "/v1/payment-plans",
    status_code=201,
    response_model=PaymentPlanOut,
    responses=STALE,
    summary="Set a contract's payment plan by hand",
)
async def create_payment_plan(
    body: PaymentPlanIn,
    caller: Annotated[Caller, Depends(authorize("payment_plan:create"))],
    payment_service: PaymentClient,
    options: CallOptions,
    response: Response,
) -> PaymentPlanOut:
    """Instalments by amount or percentage, due on signing, N days after, at the end of
    the signing month + N days, on a fixed date, or N days after a milestone. They must
    add up exactly to the contract value (422 naming `instalments` otherwise); the last
    takes the rounding to the fen. A contract version has one plan: 409 for a second."""
    reply = await payment_service.CreatePaymentPlan(plan_request(body), **options)
    created(response, f"/v1/payment-plans/{reply.plan.id}", reply.plan.version)
    return plan_out(reply.plan)


@router.get(
    "/v1/payment-plans/{plan_id}", response_model=PaymentPlanOut, summary="Read a payment plan"
)
async def get_payment_plan(
    plan_id: PlanId,
    caller: Annotated[Caller, Depends(authorize("payment_plan:read"))],
    payment_service: PaymentClient,
    options: CallOptions,
    response: Response,
) -> PaymentPlanOut:
    """With its receivables by instalment; a rep sees the plans of own customers only."""
    reply = await payment_service.GetPaymentPlan(pb.GetPaymentPlanRequest(id=plan_id), **options)
    set_etag(response, reply.plan.version)
    return plan_out(reply.plan)


@router.get(
    "/v1/contracts/{contract_id}/payment-plan",
    response_model=PaymentPlanOut,
    summary="A contract's active payment plan",
)
async def get_contract_payment_plan(
    contract_id: ContractId,
    caller: Annotated[Caller, Depends(authorize("payment_plan:read"))],
    payment_service: PaymentClient,
    options: CallOptions,
    response: Response,
) -> PaymentPlanOut:
    """The plan of the contract's latest signed version; 404 until it has one."""
    reply = await payment_service.GetPaymentPlan(
        pb.GetPaymentPlanRequest(contract_id=contract_id), **options
    )
    set_etag(response, reply.plan.version)
    return plan_out(reply.plan)


Status = Literal[
    "upcoming", "due", "overdue", "partially_paid", "paid", "written_off", "disputed", "cancelled"
]


@router.get("/v1/receivables", response_model=ReceivablePage, summary="List receivables")
async def list_receivables(
    caller: Annotated[Caller, Depends(authorize("receivable:read"))],
    payment_service: PaymentClient,
    options: CallOptions,
    status: Annotated[list[Status], Many],
    owner_id: Annotated[list[Value], Many],
    team_id: Annotated[list[Value], Many],
    account_id: Annotated[list[Value], Many],
    contract_id: Annotated[str, Query(max_length=64)] = "",
    due_date_from: Annotated[Day | None, Query(description="inclusive")] = None,
    due_date_to: Annotated[Day | None, Query(description="inclusive")] = None,
    min_days_overdue: Annotated[
        int, Query(ge=0, le=36500, description="overdue by at least this many days")
    ] = 0,
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> ReceivablePage:
    """Newest first. A rep sees their own customers' receivables, a manager the team's,
    finance all; filters on another rep's are simply empty for a rep."""
    filter_ = pb.ReceivableFilter(
        statuses=[enum_number(pb.ReceivableStatus, "RECEIVABLE_STATUS_", s) for s in status],
        owner_ids=owner_id,
        team_ids=team_id,
        account_ids=account_id,
        contract_id=contract_id,
        due_from=due_date_from.isoformat() if due_date_from else "",
        due_to=due_date_to.isoformat() if due_date_to else "",
        min_days_overdue=min_days_overdue,
    )
    reply = await payment_service.ListReceivables(
        pb.ListReceivablesRequest(
            filter=filter_, page=common_pb2.PageRequest(limit=limit, cursor=cursor)
        ),
        **options,
    )
    return ReceivablePage(
        items=[receivable_out(r) for r in reply.receivables], next_cursor=reply.page.next_cursor
    )


@router.get(
    "/v1/receivables/{receivable_id}", response_model=ReceivableOut, summary="Read a receivable"
)
async def get_receivable(
    receivable_id: ReceivableId,
    caller: Annotated[Caller, Depends(authorize("receivable:read"))],
    payment_service: PaymentClient,
    options: CallOptions,
    response: Response,
) -> ReceivableOut:
    reply = await payment_service.GetReceivable(
        pb.GetReceivableRequest(id=receivable_id), **options
    )
    set_etag(response, reply.receivable.version)
    return receivable_out(reply.receivable)


@router.post(
    "/v1/receivables/{receivable_id}/reach-milestone",
    response_model=ReceivableOut,
    responses=STALE,
    summary="Record that a milestone instalment's milestone was reached",
)
async def reach_milestone(
    receivable_id: ReceivableId,
    body: ReceivableMilestoneReachedIn,
    caller: Annotated[Caller, Depends(authorize("receivable:milestone"))],
    payment_service: PaymentClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> ReceivableOut:
    """Sets the due date (the day reached + the instalment's days). Once: 409 when it
    was reached already or the instalment is not due on a milestone; 412 on a stale
    `If-Match`."""
    reply = await payment_service.ReachMilestone(
        pb.ReachMilestoneRequest(
            receivable_id=receivable_id,
            reached_date=body.reached_date.isoformat(),
            expected_version=if_match_version(if_match),
        ),
        **options,
    )
    set_etag(response, reply.receivable.version)
    return receivable_out(reply.receivable)


@router.post(
    "/v1/receivables/{receivable_id}/write-off",
    response_model=ReceivableOut,
    responses=STALE,
    summary="Write off what is left of a receivable (finance)",
)
async def write_off_receivable(
    receivable_id: ReceivableId,
    body: ReceivableWriteOffIn,
    caller: Annotated[Caller, Depends(authorize("receivable:write_off"))],
    payment_service: PaymentClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> ReceivableOut:
    """An open or disputed receivable becomes `written_off` with the reason and who
    did it; 409 when it is paid or written off already; 412 on a stale `If-Match`."""
    reply = await payment_service.WriteOffReceivable(
        pb.WriteOffReceivableRequest(
            receivable_id=receivable_id,
            reason=body.reason,
            expected_version=if_match_version(if_match),
        ),
        **options,
    )
    set_etag(response, reply.receivable.version)
    return receivable_out(reply.receivable)


@router.post(
    "/v1/receivables/{receivable_id}/dispute",
    response_model=ReceivableOut,
    responses=STALE,
    summary="The customer contests a receivable",
)
async def dispute_receivable(
    receivable_id: ReceivableId,
    body: ReceivableDisputeIn,
    caller: Annotated[Caller, Depends(authorize("receivable:dispute"))],
    payment_service: PaymentClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> ReceivableOut:
    """An open receivable becomes `disputed`: the calendar leaves it alone until the
    dispute is resolved; 409 when it is not open."""
    reply = await payment_service.DisputeReceivable(
        pb.DisputeReceivableRequest(
            receivable_id=receivable_id,
            reason=body.reason,
            expected_version=if_match_version(if_match),
        ),
        **options,
    )
    set_etag(response, reply.receivable.version)
    return receivable_out(reply.receivable)


@router.post(
    "/v1/receivables/{receivable_id}/resolve-dispute",
    response_model=ReceivableOut,
    responses=STALE,
    summary="End a receivable's dispute",
)
async def resolve_receivable_dispute(
    receivable_id: ReceivableId,
    caller: Annotated[Caller, Depends(authorize("receivable:dispute"))],
    payment_service: PaymentClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> ReceivableOut:
    """Its status is the calendar's again (upcoming, due or overdue); 409 when it is not
    disputed."""
    reply = await payment_service.ResolveReceivableDispute(
        pb.ResolveReceivableDisputeRequest(
            receivable_id=receivable_id, expected_version=if_match_version(if_match)
        ),
        **options,
    )
    set_etag(response, reply.receivable.version)
    return receivable_out(reply.receivable)
