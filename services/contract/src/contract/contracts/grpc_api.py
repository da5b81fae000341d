"""ContractService RPCs of contracts: proto in -> use case -> proto out."""

from __future__ import annotations

from typing import Any, Protocol

import grpc
from crm.contract.v1 import contract_pb2 as pb
from crm_runtime.principal import current_principal

from contract.contracts.proto import (
    change_of,
    contract_to_proto,
    draft_request,
    filter_of,
    version_to_proto,
)
from contract.contracts.use_cases import ContractApp, OpportunityUnreachable
from contract.proto import page_of


class ContractUseCases(Protocol):
    @property
    def contracts(self) -> ContractApp: ...


class ContractRpcs:
    apps: ContractUseCases

    def DraftContract(
        self, request: pb.DraftContractRequest, context: Any
    ) -> pb.DraftContractResponse:
        try:
            made = self.apps.contracts.draft(current_principal(), draft_request(request))
        except OpportunityUnreachable as exc:
            context.abort(grpc.StatusCode.UNAVAILABLE, str(exc))
            raise  # abort raised already; for the type checker
        return pb.DraftContractResponse(contract=contract_to_proto(made))

    def GetContract(self, request: pb.GetContractRequest, context: Any) -> pb.GetContractResponse:
        found = self.apps.contracts.get(current_principal(), request.id, request.number)
        return pb.GetContractResponse(contract=contract_to_proto(found))

    def ListContracts(
        self, request: pb.ListContractsRequest, context: Any
    ) -> pb.ListContractsResponse:
        items, cursor = self.apps.contracts.page(
            current_principal(), filter_of(request.filter), request.page.limit, request.page.cursor
        )
        return pb.ListContractsResponse(
            contracts=[contract_to_proto(c) for c in items], page=page_of(cursor)
        )

    def UpdateContract(
        self, request: pb.UpdateContractRequest, context: Any
    ) -> pb.UpdateContractResponse:
        saved = self.apps.contracts.update(
            current_principal(),
            request.id,
            change_of(request.contract, list(request.update_mask)),
            request.expected_version,
        )
        return pb.UpdateContractResponse(contract=contract_to_proto(saved))

    def ListContractVersions(
        self, request: pb.ListContractVersionsRequest, context: Any
    ) -> pb.ListContractVersionsResponse:
        principal = current_principal()
        if request.version:
            one = self.apps.contracts.version(principal, request.contract_id, int(request.version))
            return pb.ListContractVersionsResponse(
                versions=[version_to_proto(one)], page=page_of("")
            )
        items, cursor = self.apps.contracts.versions(
            principal, request.contract_id, request.page.limit, request.page.cursor
        )
        return pb.ListContractVersionsResponse(
            versions=[version_to_proto(c) for c in items], page=page_of(cursor)
        )
