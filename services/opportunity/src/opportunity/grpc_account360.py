"""OpportunityService's GetAccount360Parts: proto in -> Account360App -> proto out."""

from __future__ import annotations

from typing import Any

from crm.opportunity.v1 import opportunity_pb2 as pb
from crm_runtime.principal import current_principal

from opportunity import grpc_convert as convert
from opportunity.apps import OpportunityApps
from opportunity.deal_convert import opportunity_to_proto


class Account360Rpcs:
    apps: OpportunityApps

    def GetAccount360Parts(
        self, request: pb.GetAccount360PartsRequest, context: Any
    ) -> pb.GetAccount360PartsResponse:
        parts = self.apps.account360.parts(
            current_principal(), request.account_id, request.opportunity_limit
        )
        return pb.GetAccount360PartsResponse(
            account=convert.account_to_proto(parts.account),
            contacts=[convert.contact_to_proto(c) for c in parts.contacts],
            open_opportunities=[opportunity_to_proto(o) for o in parts.open_opportunities],
            closed_opportunities=[opportunity_to_proto(o) for o in parts.closed_opportunities],
            recent_follow_ups=[convert.follow_up_to_proto(f) for f in parts.recent_follow_ups],
            open_pipeline=convert.money_to_proto(parts.sums.open_pipeline),
            won_total=convert.money_to_proto(parts.sums.won_total),
        )
