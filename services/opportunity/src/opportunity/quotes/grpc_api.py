"""OpportunityService RPCs of quotes: proto in -> use case -> proto out."""

from __future__ import annotations

from typing import Any, Protocol

from crm.opportunity.v1 import opportunity_pb2 as pb
from crm_runtime.principal import current_principal

from opportunity.proto import page_of
from opportunity.quotes.proto import query_from_proto, quote_draft, quote_to_proto
from opportunity.quotes.use_cases import QuoteApp


class QuoteUseCases(Protocol):
    """What QuoteRpcs needs of the service's use cases (opportunity.apps.OpportunityApps)."""

    @property
    def quotes(self) -> QuoteApp: ...


class QuoteRpcs:
    apps: QuoteUseCases

    def CreateQuote(self, request: pb.CreateQuoteRequest, context: Any) -> pb.CreateQuoteResponse:
        quote = self.apps.quotes.create(
            current_principal(),
            request.opportunity_id,
            quote_draft(request.quote),
            idempotency_key=request.idempotency_key,
        )
        return pb.CreateQuoteResponse(quote=quote_to_proto(quote))

    def ReviseQuote(self, request: pb.ReviseQuoteRequest, context: Any) -> pb.ReviseQuoteResponse:
        quote = self.apps.quotes.revise(
            current_principal(),
            request.id,
            quote_draft(request.quote),
            request.expected_version,
        )
        return pb.ReviseQuoteResponse(quote=quote_to_proto(quote))

    def GetQuote(self, request: pb.GetQuoteRequest, context: Any) -> pb.GetQuoteResponse:
        quote = self.apps.quotes.get(current_principal(), request.id, request.version)
        return pb.GetQuoteResponse(quote=quote_to_proto(quote))

    def ListQuotes(self, request: pb.ListQuotesRequest, context: Any) -> pb.ListQuotesResponse:
        items, cursor = self.apps.quotes.page(current_principal(), query_from_proto(request))
        return pb.ListQuotesResponse(
            quotes=[quote_to_proto(q) for q in items], page=page_of(cursor)
        )

    def IssueQuote(self, request: pb.IssueQuoteRequest, context: Any) -> pb.IssueQuoteResponse:
        issued = self.apps.quotes.issue(
            current_principal(), request.id, request.version, request.note
        )
        outcome = (
            pb.ISSUE_QUOTE_OUTCOME_APPROVAL_PENDING
            if issued.pending
            else pb.ISSUE_QUOTE_OUTCOME_ISSUED
        )
        return pb.IssueQuoteResponse(
            outcome=outcome,
            quote=quote_to_proto(issued.quote),
            approval_id=issued.approval_id,
        )
