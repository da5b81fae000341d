"""The ContractService servicer: one mixin per area (templates, contracts), mapping
proto in -> use case -> proto out. RPCs no mixin implements yet (approvals, signature,
orders) answer UNIMPLEMENTED (the generated base class)."""

from __future__ import annotations

from typing import Any

from crm.contract.v1 import contract_pb2 as pb
from crm.contract.v1 import contract_pb2_grpc

from contract.apps import ContractApps
from contract.contracts.grpc_api import ContractRpcs
from contract.templates.grpc_api import TemplateRpcs

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["ContractService"].full_name

__all__ = ["SERVICE_NAME", "ContractApps", "ContractServicer", "register"]


class ContractServicer(TemplateRpcs, ContractRpcs, contract_pb2_grpc.ContractServiceServicer):
    apps: ContractApps

    def __init__(self, apps: ContractApps) -> None:
        self.apps = apps


def register(apps: ContractApps) -> Any:
    def add(server: Any) -> list[str]:
        contract_pb2_grpc.add_ContractServiceServicer_to_server(ContractServicer(apps), server)
        return [SERVICE_NAME]

    return add
