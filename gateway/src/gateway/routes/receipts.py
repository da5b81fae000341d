"""/v1/receipts: money received (回款 / 到账), recorded once per external reference,
from a finance system, a bank statement or a finance user."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from crm.common.v1 import common_pb2
from crm.payment.v1 import payment_pb2 as pb
from crm_runtime.errors import AlreadyExists
from fastapi import APIRouter, Depends, Path, Query, Response
from google.protobuf.timestamp_pb2 import Timestamp

from gateway.access.guard import authorize
from gateway.conventions.created import created
from gateway.conventions.etag import IfMatch, if_match_version, set_etag
from gateway.conventions.instants import instant_query, parse_instant
from gateway.conventions.paging import DEFAULT, Cursor, Limit, Many
from gateway.conventions.problems import PROBLEM_RESPONSES
from gateway.dependencies import CallOptions, PaymentClient
from gateway.identity.caller import Caller
from gateway.schemas.payment_plans import PaymentAmount, amount_to_proto
from gateway.schemas.receipts import (
    ReceiptAllocationsIn,
    ReceiptAutoMatchOut,
    ReceiptIn,
    ReceiptMatchOut,
    ReceiptOut,
    ReceiptPage,
    allocations_request,
    auto_match_out,
    match_out,
    receipt_out,
    receipt_request,
)
from gateway.schemas.values import STALE, enum_number

router = APIRouter(tags=["payments"], responses=PROBLEM_RESPONSES)
ReceiptId = Annotated[str, Path(min_length=1, max_length=64, description="The receipt's id")]


@router.post("/v1/receipts", status_code=201, response_model=ReceiptOut, summary="Record a receipt")
async def record_receipt(
    body: ReceiptIn,
    caller: Annotated[Caller, Depends(authorize("receipt:record"))],
    payment_service: PaymentClient,
    options: CallOptions,
    response: Response,
) -> ReceiptOut:
    """Recorded once per `external_reference`, also when sent twice at once: the later
    report is 409 naming the receipt it was recorded as (with `Idempotency-Key`, a
    repeat replays the first 201 instead). Emits `ReceiptRecorded`."""
    reply = await payment_service.RecordReceipt(receipt_request(body), **options)
    if reply.duplicate:
        raise AlreadyExists(
            f"external reference {reply.receipt.external_reference} is recorded already "
            f"as receipt {reply.receipt.id}"
        )
    created(response, f"/v1/receipts/{reply.receipt.id}", reply.receipt.version)
    return receipt_out(reply.receipt)


Status = Literal["unmatched", "partially_matched", "matched"]
Source = Literal["finance_system", "bank_statement", "manual"]
Amount = Annotated[str, Query(pattern=r"^(\d{1,13}(\.\d{1,2})?)?$", max_length=16)]


def _stamp(moment: datetime | None) -> Timestamp | None:
    if moment is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def _bound(amount: str, currency: str) -> common_pb2.Money | None:
    return amount_to_proto(PaymentAmount(amount=amount, currency=currency)) if amount else None


@router.get("/v1/receipts", response_model=ReceiptPage, summary="List receipts")
async def list_receipts(
    caller: Annotated[Caller, Depends(authorize("receipt:read"))],
    payment_service: PaymentClient,
    options: CallOptions,
    status: Annotated[list[Status], Many],
    source: Annotated[list[Source], Many],
    received_at_from: Annotated[str | None, instant_query("inclusive (RFC 3339)")] = None,
    received_at_to: Annotated[str | None, instant_query("inclusive (RFC 3339)")] = None,
    amount_min: Amount = "",
    amount_max: Amount = "",
    currency: Annotated[str, Query(pattern=r"^[A-Z]{3}$")] = "CNY",
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> ReceiptPage:
    """Latest received first. `status=unmatched&status=partially_matched` is the queue
    of money waiting for finance."""
    filter_ = pb.ReceiptFilter(
        statuses=[enum_number(pb.ReceiptStatus, "RECEIPT_STATUS_", s) for s in status],
        sources=[enum_number(pb.ReceiptSource, "RECEIPT_SOURCE_", s) for s in source],
        received_from=_stamp(parse_instant("received_at_from", received_at_from)),
        received_to=_stamp(parse_instant("received_at_to", received_at_to)),
        amount_min=_bound(amount_min, currency),
        amount_max=_bound(amount_max, currency),
    )
    reply = await payment_service.ListReceipts(
        pb.ListReceiptsRequest(
            filter=filter_, page=common_pb2.PageRequest(limit=limit, cursor=cursor)
        ),
        **options,
    )
    return ReceiptPage(
        items=[receipt_out(r) for r in reply.receipts], next_cursor=reply.page.next_cursor
    )


@router.get("/v1/receipts/{receipt_id}", response_model=ReceiptOut, summary="Read a receipt")
async def get_receipt(
    receipt_id: ReceiptId,
    caller: Annotated[Caller, Depends(authorize("receipt:read"))],
    payment_service: PaymentClient,
    options: CallOptions,
    response: Response,
) -> ReceiptOut:
    reply = await payment_service.GetReceipt(pb.GetReceiptRequest(id=receipt_id), **options)
    set_etag(response, reply.receipt.version)
    return receipt_out(reply.receipt)


@router.post(
    "/v1/receipts/{receipt_id}/allocations",
    status_code=201,
    response_model=ReceiptMatchOut,
    responses=STALE,
    summary="Allocate a receipt to receivables by hand (split, over-payment kept)",
)
async def allocate_receipt(
    receipt_id: ReceiptId,
    body: ReceiptAllocationsIn,
    caller: Annotated[Caller, Depends(authorize("receipt:reconcile"))],
    payment_service: PaymentClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> ReceiptMatchOut:
    """One receipt split across receivables with the amounts given; what is left stays
    on the receipt, unallocated (the customer's credit). All or nothing: 422 naming the
    allocation that is more than its receivable's outstanding amount, or `allocations`
    when they add up to more than the receipt's unallocated amount; 412 on a stale
    `If-Match` (the receipt's version); 409 when another allocation of the same money
    won the race. The allocations have no read of their own: `Location` names the
    receipt that lists them. Emits `ReceiptMatched` (and `ReceivableSettled`)."""
    reply = await payment_service.MatchReceipt(
        allocations_request(receipt_id, body, if_match_version(if_match)), **options
    )
    created(response, f"/v1/receipts/{reply.receipt.id}", reply.receipt.version)
    return match_out(reply)


@router.post(
    "/v1/receipts/{receipt_id}/auto-match",
    response_model=ReceiptAutoMatchOut,
    responses=STALE,
    summary="Match a receipt by the ordered rules, explained",
)
async def auto_match_receipt(
    receipt_id: ReceiptId,
    caller: Annotated[Caller, Depends(authorize("receipt:reconcile"))],
    payment_service: PaymentClient,
    options: CallOptions,
    response: Response,
    dry_run: Annotated[bool, Query(description="say what would match; change nothing")] = False,
    if_match: IfMatch = None,
) -> ReceiptAutoMatchOut:
    """Rules in order: `reference` (the memo, hint or reference names receivables'
    references: paid in due-date order, each up to its outstanding amount), then
    `contract_number` (a named contract has exactly one receivable outstanding for exactly
    the unallocated amount). The first that finds something allocates, recording the rule
    and its evidence; otherwise `reason` says what was looked for and the receipt stays
    in the unmatched queue."""
    reply = await payment_service.AutoReconcile(
        pb.AutoReconcileRequest(
            receipt_ids=[receipt_id],
            dry_run=dry_run,
            expected_version=if_match_version(if_match),
        ),
        **options,
    )
    (result,) = reply.results
    set_etag(response, result.receipt.version)
    return auto_match_out(result)
