"""Contract templates (合同模板) of the tenant: 销售合同, 框架协议, 补充协议, with typed merge
fields and clause text. Every change is a new version and every version stays readable;
a contract keeps the clause text of the version it was drafted from (ContractService
over gRPC). Legal manages them; sales, legal and finance read them."""

from __future__ import annotations

from typing import Annotated

from crm.common.v1 import common_pb2
from crm.contract.v1 import contract_pb2 as pb
from fastapi import APIRouter, Depends, Path, Query, Response

from gateway.access.guard import authorize
from gateway.conventions.created import created
from gateway.conventions.etag import IfMatch, if_match_version, set_etag
from gateway.conventions.paging import DEFAULT, Cursor, Limit
from gateway.conventions.problems import PROBLEM_RESPONSES
from gateway.dependencies import CallOptions, ContractClient
from gateway.identity.caller import Caller
from gateway.schemas.contract_templates import (
    TemplateIn,
    TemplateOut,
    TemplatePage,
    TemplatePatch,
    template_input,
    template_out,
    template_patch,
)
from gateway.schemas.values import STALE

router = APIRouter(tags=["contract templates"], responses=PROBLEM_RESPONSES)
TemplateId = Annotated[str, Path(min_length=1, max_length=64, description="The template's id")]


@router.post(
    "/v1/contract-templates",
    status_code=201,
    response_model=TemplateOut,
    summary="Create a contract template (version 1)",
)
async def create_template(
    body: TemplateIn,
    caller: Annotated[Caller, Depends(authorize("contract_template:manage"))],
    contract_service: ContractClient,
    options: CallOptions,
    response: Response,
) -> TemplateOut:
    """The code is unique per tenant (409 when taken); clause text may name only
    declared merge fields (422 naming the clause)."""
    reply = await contract_service.CreateContractTemplate(
        pb.CreateContractTemplateRequest(template=template_input(body)), **options
    )
    created(response, f"/v1/contract-templates/{reply.template.id}", reply.template.version)
    return template_out(reply.template)


@router.get(
    "/v1/contract-templates", response_model=TemplatePage, summary="Templates, newest first"
)
async def list_templates(
    caller: Annotated[Caller, Depends(authorize("contract_template:read"))],
    contract_service: ContractClient,
    options: CallOptions,
    include_inactive: bool = False,
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> TemplatePage:
    reply = await contract_service.ListContractTemplates(
        pb.ListContractTemplatesRequest(
            include_inactive=include_inactive,
            page=common_pb2.PageRequest(limit=limit, cursor=cursor),
        ),
        **options,
    )
    return TemplatePage(
        items=[template_out(t) for t in reply.templates], next_cursor=reply.page.next_cursor
    )


@router.get(
    "/v1/contract-templates/{template_id}", response_model=TemplateOut, summary="A template (ETag)"
)
async def get_template(
    template_id: TemplateId,
    caller: Annotated[Caller, Depends(authorize("contract_template:read"))],
    contract_service: ContractClient,
    options: CallOptions,
    response: Response,
    version: Annotated[int, Query(ge=0, le=1_000_000, description="0: the current version")] = 0,
) -> TemplateOut:
    reply = await contract_service.GetContractTemplate(
        pb.GetContractTemplateRequest(id=template_id, version=version), **options
    )
    set_etag(response, reply.template.version)
    return template_out(reply.template)


@router.patch(
    "/v1/contract-templates/{template_id}",
    response_model=TemplateOut,
    responses=STALE,
    summary="Change a template: its next version",
)
async def update_template(
    template_id: TemplateId,
    body: TemplatePatch,
    caller: Annotated[Caller, Depends(authorize("contract_template:manage"))],
    contract_service: ContractClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> TemplateOut:
    """Contracts already drafted keep the clause text of the version they came from."""
    template, mask = template_patch(body)
    reply = await contract_service.UpdateContractTemplate(
        pb.UpdateContractTemplateRequest(
            id=template_id,
            template=template,
            update_mask=mask,
            expected_version=if_match_version(if_match),
        ),
        **options,
    )
    set_etag(response, reply.template.version)
    return template_out(reply.template)
