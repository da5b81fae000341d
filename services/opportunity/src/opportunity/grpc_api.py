"""The OpportunityService servicer: one class composed of one mixin per area (accounts
and contacts, pipelines, deals, approvals), each mapping proto in -> use case -> proto
out. RPCs no mixin implements answer UNIMPLEMENTED (the generated base class). Another
area adds its mixin to the bases below and its use cases to OpportunityApps."""

from __future__ import annotations

from typing import Any

from crm.opportunity.v1 import opportunity_pb2 as pb
from crm.opportunity.v1 import opportunity_pb2_grpc

from opportunity.apps import OpportunityApps
from opportunity.grpc_account360 import Account360Rpcs
from opportunity.grpc_accounts import AccountRpcs
from opportunity.grpc_conversion import ConversionRpcs
from opportunity.grpc_deals import ApprovalRpcs, DealRpcs, PipelineRpcs
from opportunity.grpc_quotes import QuoteRpcs

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
    def __init__(self, apps: OpportunityApps) -> None:
        self.apps = apps


def register(apps: OpportunityApps) -> Any:
    def add(server: Any) -> list[str]:
        opportunity_pb2_grpc.add_OpportunityServiceServicer_to_server(
            OpportunityServicer(apps), server
        )
        return [SERVICE_NAME]

    return add
