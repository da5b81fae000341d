"""GET /v1/accounts/{account_id}/360: the customer 360 view (客户360视图), composed here.

The opportunity service's parts (the account, contacts, open and closed deals, recent
follow-ups, open pipeline and won total) are the core: an account the caller cannot
see is 404, and the view fails with that service. The other parts are gathered at the
same time and each degrades on its own: the follow-ups of the leads converted into the
account (lead service), contracts (contract service) and receivables (payment
service). A part that fails or is not served yet is empty, and `parts` says why, e.g.
`{"contracts": {"status": "unavailable", "reason": "UNIMPLEMENTED: ..."}}`; never a 500.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import UTC
from typing import Annotated, TypeVar

import grpc
from crm.common.v1 import common_pb2
from crm.contract.v1 import contract_pb2
from crm.lead.v1 import lead_pb2
from crm.lead.v1.lead_pb2_grpc import LeadServiceStub
from crm.opportunity.v1 import opportunity_pb2 as pb
from crm.payment.v1 import payment_pb2
from fastapi import APIRouter, Depends

from gateway.access.guard import authorize
from gateway.clients import Options
from gateway.conventions.problems import PROBLEM_RESPONSES, ServiceUnavailable
from gateway.dependencies import (
    CallOptions,
    ContractClient,
    LeadClient,
    OpportunityClient,
    PaymentClient,
)
from gateway.identity.caller import Caller
from gateway.schemas.account_360 import (
    Account360,
    ConvertedLead,
    PartStatus,
    contract_summary,
    receivable_summary,
)
from gateway.schemas.accounts import AccountId, account_out
from gateway.schemas.contacts import contact_out
from gateway.schemas.lead_work import LeadFollowUpOut
from gateway.schemas.lead_work import follow_up_out as lead_follow_up_out
from gateway.schemas.opportunities import opportunity_out
from gateway.schemas.opportunity_stages import follow_up_out
from gateway.schemas.values import money_field

router = APIRouter(tags=["accounts"], responses=PROBLEM_RESPONSES)
LIMIT = 20  # deals of each kind, follow-ups, converted leads, contracts, receivables
LEAD_FOLLOW_UPS = 10  # per converted lead, before the newest LIMIT are kept
T = TypeVar("T")


def _failure(exc: BaseException) -> str:
    if isinstance(exc, grpc.aio.AioRpcError):
        return f"{exc.code().name}: {exc.details() or 'no details'}"
    if isinstance(exc, ServiceUnavailable):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


async def _part(call: Awaitable[T]) -> tuple[T | None, PartStatus]:
    try:
        return await call, PartStatus(status="ok", reason="")
    except (grpc.RpcError, ServiceUnavailable, TimeoutError) as exc:
        return None, PartStatus(status="unavailable", reason=_failure(exc))


async def _lead_part(
    lead_service: LeadServiceStub, options: Options, account_id: str
) -> tuple[list[ConvertedLead], list[LeadFollowUpOut]]:
    """The leads converted into the account and their newest follow-ups."""
    found = await lead_service.ListLeads(
        lead_pb2.ListLeadsRequest(
            filter=lead_pb2.LeadFilter(account_id=account_id),
            page=common_pb2.PageRequest(limit=LIMIT),
        ),
        **options,
    )
    replies = await asyncio.gather(
        *(
            lead_service.ListFollowUps(
                lead_pb2.ListFollowUpsRequest(
                    lead_id=lead.id, page=common_pb2.PageRequest(limit=LEAD_FOLLOW_UPS)
                ),
                **options,
            )
            for lead in found.leads
        )
    )
    follow_ups = sorted(
        (f for reply in replies for f in reply.follow_ups),
        key=lambda f: f.at.ToDatetime(tzinfo=UTC),
        reverse=True,
    )
    leads = [
        ConvertedLead(
            id=lead.id,
            name=lead.name,
            source=lead.source,
            converted_opportunity_id=lead.opportunity_id,
        )
        for lead in found.leads
    ]
    return leads, [lead_follow_up_out(f) for f in follow_ups[:LIMIT]]


@router.get(
    "/v1/accounts/{account_id}/360",
    response_model=Account360,
    summary="The customer 360 view of an account",
)
async def account_360(
    account_id: AccountId,
    caller: Annotated[Caller, Depends(authorize("account:read"))],
    opportunity_service: OpportunityClient,
    lead_service: LeadClient,
    contract_service: ContractClient,
    payment_service: PaymentClient,
    options: CallOptions,
) -> Account360:
    page = common_pb2.PageRequest(limit=LIMIT)
    core, leads, contracts, receivables = await asyncio.gather(
        opportunity_service.GetAccount360Parts(
            pb.GetAccount360PartsRequest(account_id=account_id, opportunity_limit=LIMIT), **options
        ),
        _part(_lead_part(lead_service, options, account_id)),
        _part(
            contract_service.ListContracts(
                contract_pb2.ListContractsRequest(
                    filter=contract_pb2.ContractFilter(account_ids=[account_id]), page=page
                ),
                **options,
            )
        ),
        _part(
            payment_service.ListReceivables(
                payment_pb2.ListReceivablesRequest(
                    filter=payment_pb2.ReceivableFilter(account_ids=[account_id]), page=page
                ),
                **options,
            )
        ),
        return_exceptions=True,
    )
    if isinstance(core, BaseException):  # the account itself: 404, or the service's failure
        raise core
    lead_values, lead_status = leads
    return Account360(
        account=account_out(core.account),
        contacts=[contact_out(c) for c in core.contacts],
        open_opportunities=[opportunity_out(o) for o in core.open_opportunities],
        closed_opportunities=[opportunity_out(o) for o in core.closed_opportunities],
        recent_follow_ups=[follow_up_out(f) for f in core.recent_follow_ups],
        open_pipeline=money_field(core, "open_pipeline"),
        won_total=money_field(core, "won_total"),
        converted_leads=lead_values[0] if lead_values else [],
        lead_follow_ups=lead_values[1] if lead_values else [],
        contracts=[contract_summary(c) for c in contracts[0].contracts] if contracts[0] else [],
        receivables=(
            [receivable_summary(r) for r in receivables[0].receivables] if receivables[0] else []
        ),
        parts={"leads": lead_status, "contracts": contracts[1], "receivables": receivables[1]},
    )
