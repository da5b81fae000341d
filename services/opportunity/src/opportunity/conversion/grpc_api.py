"""OpportunityService's ConvertLead (ADR 17): proto in -> ConversionApp -> proto out.
Domain errors are mapped by the runtime's interceptor; a lead service that did not
answer is UNAVAILABLE (the attempt stays pending: retry with the same key)."""

from __future__ import annotations

from typing import Any, Protocol

import grpc
from crm.opportunity.v1 import opportunity_pb2 as pb
from crm_runtime.principal import current_principal

from opportunity.accounts.proto import (
    account_draft,
    account_to_proto,
    contact_draft,
    contact_to_proto,
)
from opportunity.conversion.domain.plan import OpportunityFields, Overrides
from opportunity.conversion.use_cases import ConversionApp, ConversionRequest, Unavailable
from opportunity.deals.proto import opportunity_to_proto
from opportunity.proto import customs_from_proto, money_from_proto


def opportunity_fields(msg: pb.OpportunityInput) -> OpportunityFields:
    amount = money_from_proto(msg.amount, msg.HasField("amount"), "opportunity.amount")
    return OpportunityFields(
        name=msg.name,
        account_id=msg.account_id,
        primary_contact_id=msg.primary_contact_id,
        owner_id=msg.owner_id,
        pipeline_id=msg.pipeline_id,
        amount=amount,
        expected_close_date=msg.expected_close_date,
        description=msg.description,
        tags=tuple(msg.tags),
        custom_fields=customs_from_proto(msg.custom_fields),
        source=msg.source,
    )


def conversion_request(msg: pb.ConvertLeadRequest) -> ConversionRequest:
    overrides = Overrides(
        account=account_draft(msg.account),
        contact=contact_draft(msg.contact),
        opportunity=opportunity_fields(msg.opportunity),
    )
    return ConversionRequest(msg.lead_id, msg.idempotency_key, msg.account_id, overrides)


class ConversionUseCases(Protocol):
    """What ConversionRpcs needs of the service's use cases (opportunity.apps.OpportunityApps)."""

    @property
    def conversions(self) -> ConversionApp: ...


class ConversionRpcs:
    apps: ConversionUseCases

    def ConvertLead(self, request: pb.ConvertLeadRequest, context: Any) -> pb.ConvertLeadResponse:
        try:
            done = self.apps.conversions.convert(current_principal(), conversion_request(request))
        except Unavailable as exc:
            context.abort(grpc.StatusCode.UNAVAILABLE, str(exc))
            raise  # abort raised already; for the type checker
        return pb.ConvertLeadResponse(
            account=account_to_proto(done.account),
            contact=contact_to_proto(done.contact),
            opportunity=opportunity_to_proto(done.opportunity),
            account_created=done.account_created,
        )
