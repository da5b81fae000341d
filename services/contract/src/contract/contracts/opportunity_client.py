"""The opportunity service as drafting reads it (ARCHITECTURE.md: gRPC for questions):
GetOpportunity, GetQuote, GetAccount and GetContact, with the caller's principal as
metadata (so its data scope applies there too), the trace context and the runtime's
deadline. Made at start-up; only the api process has one (workers never call gRPC).
What the caller cannot see is a 422 naming the field that named it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import grpc
from crm.opportunity.v1 import opportunity_pb2 as opb
from crm.opportunity.v1 import opportunity_pb2_grpc
from crm_runtime.config import Settings
from crm_runtime.errors import FailedPrecondition, FieldViolation, ValidationFailed
from crm_runtime.principal import Principal
from crm_runtime.telemetry import current_trace_headers

from contract.contracts.domain.lines import Line
from contract.contracts.domain.sources import (
    AccountSnapshot,
    ContactSnapshot,
    DealSnapshot,
    QuoteSnapshot,
)
from contract.contracts.use_cases import OpportunityUnreachable
from contract.proto import amount_of, decimal_of

R = TypeVar("R")


def _name(enum: Any, number: int, prefix: str) -> str:
    return str(enum.Name(number)).removeprefix(prefix).lower()


def deal_of(o: opb.Opportunity) -> DealSnapshot:
    return DealSnapshot(
        id=o.id,
        name=o.name,
        status=_name(opb.OpportunityStatus, o.status, "OPPORTUNITY_STATUS_"),
        stage=o.stage,
        account_id=o.account_id,
        primary_contact_id=o.primary_contact_id,
        owner_id=o.owner_id,
        team_id=o.team_id,
        won_quote_id=o.won_quote_id,
    )


def quote_of(q: opb.Quote) -> QuoteSnapshot:
    lines = tuple(
        Line(
            line_no=x.line_no,
            product_code=x.product_code,
            description=x.description,
            quantity=decimal_of(x.quantity, "quote.lines.quantity"),
            unit=x.unit,
            unit_price=amount_of(x.unit_price, "quote.lines.unit_price"),
            discount_percent=decimal_of(x.discount_percent, "quote.lines.discount_percent"),
            tax_percent=decimal_of(x.tax_percent, "quote.lines.tax_percent"),
            net_amount=amount_of(x.net_amount, "quote.lines.net_amount"),
            tax_amount=amount_of(x.tax_amount, "quote.lines.tax_amount"),
            total=amount_of(x.total, "quote.lines.total"),
            list_amount=amount_of(x.list_amount, "quote.lines.list_amount"),
        )
        for x in q.lines
    )
    return QuoteSnapshot(
        id=q.id,
        version=q.version,
        number=q.number,
        status=_name(opb.QuoteStatus, q.status, "QUOTE_STATUS_"),
        opportunity_id=q.opportunity_id,
        currency=q.currency,
        lines=lines,
        net_total=amount_of(q.net_total, "quote.net_total"),
        tax_total=amount_of(q.tax_total, "quote.tax_total"),
        total=amount_of(q.total, "quote.total"),
    )


class OpportunityClient:
    def __init__(self, channel: grpc.Channel, deadline_seconds: float) -> None:
        self.stub = opportunity_pb2_grpc.OpportunityServiceStub(channel)
        self.deadline = deadline_seconds

    @classmethod
    def connect(cls, settings: Settings) -> OpportunityClient:
        channel = grpc.insecure_channel(settings.service_addresses["opportunity"])
        return cls(channel, settings.grpc_deadline_seconds)

    def _call(self, principal: Principal, field: str, call: Callable[..., R], request: Any) -> R:
        trace = list(current_trace_headers().items())
        try:
            return call(request, metadata=[*principal.to_metadata(), *trace], timeout=self.deadline)
        except grpc.RpcError as exc:
            code = exc.code()
            if code in (
                grpc.StatusCode.NOT_FOUND,
                grpc.StatusCode.PERMISSION_DENIED,
                grpc.StatusCode.INVALID_ARGUMENT,
            ):
                raise ValidationFailed(
                    [FieldViolation(field, "names nothing you can see")]
                ) from exc
            if code == grpc.StatusCode.FAILED_PRECONDITION:
                raise FailedPrecondition(str(exc.details())) from exc
            raise OpportunityUnreachable(
                f"the opportunity service did not answer: {exc.details()}"
            ) from exc

    def deal(self, principal: Principal, opportunity_id: str) -> DealSnapshot:
        reply = self._call(
            principal,
            "opportunity_id",
            self.stub.GetOpportunity,
            opb.GetOpportunityRequest(id=opportunity_id),
        )
        return deal_of(reply.opportunity)

    def quote(self, principal: Principal, quote_id: str, version: int) -> QuoteSnapshot:
        reply = self._call(
            principal,
            "quote_id",
            self.stub.GetQuote,
            opb.GetQuoteRequest(id=quote_id, version=version),
        )
        return quote_of(reply.quote)

    def account(self, principal: Principal, account_id: str) -> AccountSnapshot:
        reply = self._call(
            principal, "account_id", self.stub.GetAccount, opb.GetAccountRequest(id=account_id)
        )
        a = reply.account
        return AccountSnapshot(
            a.id, a.name, a.address, a.unified_social_credit_code, a.owner_id, a.team_id
        )

    def contact(self, principal: Principal, contact_id: str) -> ContactSnapshot | None:
        try:
            reply = self._call(
                principal,
                "primary_contact_id",
                self.stub.GetContact,
                opb.GetContactRequest(id=contact_id),
            )
        except ValidationFailed:
            return None  # a contact the caller cannot see is left off the party
        c = reply.contact
        return ContactSnapshot(c.id, c.name, c.phone)
