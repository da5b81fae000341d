"""Quotes between proto and domain: QuoteInput -> QuoteDraft (money as units + nanos,
decimals as the wire's strings, checked by the domain), Quote -> proto with every
amount of every line and the totals."""

from __future__ import annotations

from decimal import Decimal

from crm.common.v1 import common_pb2
from crm.opportunity.v1 import opportunity_pb2 as pb
from crm_runtime.rpc.protojson import timestamp

from opportunity.domain.money import Money
from opportunity.proto import enum_name, enum_value, money_from_proto
from opportunity.quotes.domain.content import QuoteDraft, QuoteLine, QuoteLineDraft
from opportunity.quotes.domain.numbers import percent_text
from opportunity.quotes.domain.quote import Quote
from opportunity.quotes.use_cases import QuoteQuery

QUOTE_STATUS = "QUOTE_STATUS_"


def line_draft(msg: pb.QuoteLineInput, i: int) -> QuoteLineDraft:
    present = msg.HasField("unit_price")
    price = money_from_proto(msg.unit_price, present, f"lines[{i}].unit_price")
    return QuoteLineDraft(
        product_code=msg.product_code,
        description=msg.description,
        quantity=msg.quantity,
        unit=msg.unit,
        unit_price=price.amount if price is not None else None,
        unit_price_currency=msg.unit_price.currency,
        discount_percent=msg.discount_percent,
        tax_percent=msg.tax_percent,
    )


def quote_draft(msg: pb.QuoteInput) -> QuoteDraft:
    return QuoteDraft(
        currency=msg.currency,
        lines=tuple(line_draft(line, i) for i, line in enumerate(msg.lines)),
        valid_until=msg.valid_until,
        terms=msg.terms,
        notes=msg.notes,
    )


def _money(amount: Decimal, currency: str) -> common_pb2.Money:
    units, nanos = Money(amount, currency).units_nanos()
    return common_pb2.Money(currency=currency, units=units, nanos=nanos)


def line_to_proto(line: QuoteLine, currency: str) -> pb.QuoteLine:
    amounts = line.amounts
    return pb.QuoteLine(
        line_no=line.line_no,
        product_code=line.product_code,
        description=line.description,
        quantity=percent_text(line.quantity),
        unit=line.unit,
        unit_price=_money(line.unit_price, currency),
        discount_percent=percent_text(line.discount_percent),
        tax_percent=percent_text(line.tax_percent),
        list_amount=_money(amounts.list_amount, currency),
        discount_amount=_money(amounts.discount_amount, currency),
        net_amount=_money(amounts.net_amount, currency),
        tax_amount=_money(amounts.tax_amount, currency),
        total=_money(amounts.total, currency),
    )


def quote_to_proto(q: Quote) -> pb.Quote:
    c, totals = q.content.currency, q.totals
    return pb.Quote(
        id=q.id,
        tenant_id=q.tenant_id,
        number=q.number,
        version=q.version,
        status=enum_value(pb.QuoteStatus, QUOTE_STATUS, q.status.value),
        opportunity_id=q.parties.opportunity_id,
        account_id=q.parties.account_id,
        owner_id=q.parties.owner_id,
        currency=c,
        lines=[line_to_proto(line, c) for line in q.content.lines],
        list_total=_money(totals.list_total, c),
        discount_total=_money(totals.discount_total, c),
        net_total=_money(totals.net_total, c),
        tax_total=_money(totals.tax_total, c),
        total=_money(totals.total, c),
        discount_percent=percent_text(totals.discount_percent),
        valid_until=q.content.valid_until.isoformat(),
        terms=q.content.terms,
        notes=q.content.notes,
        approval_id=q.approval_id,
        created_by=q.created_by,
        created_at=timestamp(q.created_at),
        issued_at=timestamp(q.issued_at),
        rejection_reason=q.rejection_reason,
        issued_by=q.issued_by,
        updated_at=timestamp(q.updated_at),
    )


def query_from_proto(request: pb.ListQuotesRequest) -> QuoteQuery:
    statuses = tuple(
        enum_name(pb.QuoteStatus, s, QUOTE_STATUS) or "unspecified" for s in request.statuses
    )
    return QuoteQuery(
        opportunity_id=request.opportunity_id,
        statuses=statuses,
        all_versions=request.all_versions,
        limit=request.page.limit,
        cursor=request.page.cursor,
    )
