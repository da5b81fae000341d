"""ContractService RPCs of templates: proto in -> use case -> proto out."""

from __future__ import annotations

from typing import Any, Protocol

from crm.contract.v1 import contract_pb2 as pb
from crm_runtime.principal import current_principal

from contract.proto import page_of
from contract.templates.proto import changed_by_mask, content_from_proto, template_to_proto
from contract.templates.use_cases import TemplateApp


class TemplateUseCases(Protocol):
    @property
    def templates(self) -> TemplateApp: ...


class TemplateRpcs:
    apps: TemplateUseCases

    def CreateContractTemplate(
        self, request: pb.CreateContractTemplateRequest, context: Any
    ) -> pb.CreateContractTemplateResponse:
        made = self.apps.templates.create(current_principal(), content_from_proto(request.template))
        return pb.CreateContractTemplateResponse(template=template_to_proto(made))

    def GetContractTemplate(
        self, request: pb.GetContractTemplateRequest, context: Any
    ) -> pb.GetContractTemplateResponse:
        found = self.apps.templates.get(current_principal(), request.id, request.version)
        return pb.GetContractTemplateResponse(template=template_to_proto(found))

    def ListContractTemplates(
        self, request: pb.ListContractTemplatesRequest, context: Any
    ) -> pb.ListContractTemplatesResponse:
        items, cursor = self.apps.templates.page(
            current_principal(), request.include_inactive, request.page.limit, request.page.cursor
        )
        return pb.ListContractTemplatesResponse(
            templates=[template_to_proto(t) for t in items], page=page_of(cursor)
        )

    def UpdateContractTemplate(
        self, request: pb.UpdateContractTemplateRequest, context: Any
    ) -> pb.UpdateContractTemplateResponse:
        saved = self.apps.templates.update(
            current_principal(),
            request.id,
            changed_by_mask(request.template, list(request.update_mask)),
            request.expected_version,
        )
        return pb.UpdateContractTemplateResponse(template=template_to_proto(saved))
