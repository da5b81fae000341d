"""ContractService RPCs of contracts: proto in -> use case -> proto out."""

from __future__ import annotations

from typing import Any, Protocol

import grpc
from crm.contract.v1 import contract_pb2 as pb
from crm_runtime.errors import FieldViolation, ValidationFailed
from crm_runtime.principal import current_principal

from contract.contracts.domain.contract import parse_date
from contract.contracts.proto import (
    change_of,
    contract_to_proto,
    draft_request,
    filter_of,
    policy_to_proto,
    rules_in,
    signatories_in,
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

    def SubmitContractForApproval(
        self, request: pb.SubmitContractForApprovalRequest, context: Any
    ) -> pb.SubmitContractForApprovalResponse:
        moved = self.apps.contracts.submit(
            current_principal(), request.id, request.expected_version
        )
        return pb.SubmitContractForApprovalResponse(contract=contract_to_proto(moved))

    def DecideContractApproval(
        self, request: pb.DecideContractApprovalRequest, context: Any
    ) -> pb.DecideContractApprovalResponse:
        if request.decision not in (pb.DECISION_APPROVE, pb.DECISION_REJECT):
            raise ValidationFailed([FieldViolation("decision", "must be approve or reject")])
        moved = self.apps.contracts.decide(
            current_principal(),
            request.contract_id,
            request.step_id,
            request.decision == pb.DECISION_APPROVE,
            request.comment,
        )
        return pb.DecideContractApprovalResponse(contract=contract_to_proto(moved))

    def SendContractForSignature(
        self, request: pb.SendContractForSignatureRequest, context: Any
    ) -> pb.SendContractForSignatureResponse:
        moved = self.apps.contracts.send_for_signature(
            current_principal(), request.id, request.expected_version
        )
        return pb.SendContractForSignatureResponse(contract=contract_to_proto(moved))

    def RecordSignature(
        self, request: pb.RecordSignatureRequest, context: Any
    ) -> pb.RecordSignatureResponse:
        if request.method != pb.SIGNATURE_METHOD_MANUAL:
            raise ValidationFailed(
                [FieldViolation("method", "only manual signing is recorded here")]
            )
        moved = self.apps.contracts.sign(
            current_principal(),
            request.contract_id,
            signatories_in(list(request.signatories)),
            parse_date(request.signed_date, "signed_date"),
            request.file_sha256,
            request.expected_version,
        )
        return pb.RecordSignatureResponse(contract=contract_to_proto(moved))

    def CompleteContract(
        self, request: pb.CompleteContractRequest, context: Any
    ) -> pb.CompleteContractResponse:
        moved = self.apps.contracts.complete(
            current_principal(), request.id, request.expected_version
        )
        return pb.CompleteContractResponse(contract=contract_to_proto(moved))

    def TerminateContract(
        self, request: pb.TerminateContractRequest, context: Any
    ) -> pb.TerminateContractResponse:
        moved = self.apps.contracts.terminate(
            current_principal(), request.id, request.reason, request.expected_version
        )
        return pb.TerminateContractResponse(contract=contract_to_proto(moved))

    def GetApprovalPolicy(
        self, request: pb.GetApprovalPolicyRequest, context: Any
    ) -> pb.GetApprovalPolicyResponse:
        rules, version = self.apps.contracts.policy(current_principal())
        return pb.GetApprovalPolicyResponse(policy=policy_to_proto(rules, version))

    def UpdateApprovalPolicy(
        self, request: pb.UpdateApprovalPolicyRequest, context: Any
    ) -> pb.UpdateApprovalPolicyResponse:
        if request.policy.use_oa:
            raise ValidationFailed(
                [FieldViolation("use_oa", "deciding in the tenant's OA is not built yet")]
            )
        rules, version = self.apps.contracts.replace_policy(
            current_principal(), rules_in(request.policy), request.expected_version
        )
        return pb.UpdateApprovalPolicyResponse(policy=policy_to_proto(rules, version))
