"""The OpportunityService servicer: one class composed of one mixin per area, each the
area's grpc_api.py (accounts, pipelines, deals, approvals, quotes, conversion), mapping
proto in -> use case -> proto out. RPCs no mixin implements answer UNIMPLEMENTED (the generated base class). Another
area adds its mixin to the bases below and its use cases to OpportunityApps."""

from __future__ import annotations

from typing import Any

from crm.opportunity.v1 import opportunity_pb2 as pb
from crm.opportunity.v1 import opportunity_pb2_grpc

from opportunity.accounts.grpc_api import Account360Rpcs, AccountRpcs
from opportunity.approvals.grpc_api import ApprovalRpcs
from opportunity.apps import OpportunityApps
from opportunity.conversion.grpc_api import ConversionRpcs
from opportunity.deals.grpc_api import DealRpcs
from opportunity.pipelines.grpc_api import PipelineRpcs
from opportunity.quotes.grpc_api import QuoteRpcs

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["OpportunityService"].full_name

__all__ = ["SERVICE_NAME", "OpportunityApps", "OpportunityServicer", "register"]


class OpportunityServicer(
    AccountRpcs,
    PipelineRpcs,
    DealRpcs,
    ApprovalRpcs,
    QuoteRpcs,
    ConversionRpcs,
    Account360Rpcs,
    opportunity_pb2_grpc.OpportunityServiceServicer,
):
    apps: OpportunityApps  # what every mixin asks of it (their *UseCases Protocols)

    def __init__(self, apps: OpportunityApps) -> None:
        self.apps = apps


def register(apps: OpportunityApps) -> Any:
    def add(server: Any) -> list[str]:
        opportunity_pb2_grpc.add_OpportunityServiceServicer_to_server(
            OpportunityServicer(apps), server
        )
        return [SERVICE_NAME]

    return add
