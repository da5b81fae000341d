"""/v1/lead-custom-fields: the tenant's custom lead fields (text, number, date, choice),
kept by the lead service, which checks every value written to a lead against them."""

from __future__ import annotations

from typing import Annotated

from crm.lead.v1 import lead_pb2 as pb
from fastapi import APIRouter, Depends, Response

from gateway.access.guard import authorize
from gateway.conventions.etag import IfMatch, if_match_version, set_etag
from gateway.conventions.problems import PROBLEM_RESPONSES
from gateway.dependencies import CallOptions, LeadClient
from gateway.identity.caller import Caller
from gateway.schemas.lead_custom_fields import (
    CustomFields,
    CustomFieldsOut,
    definition_to_proto,
    definitions_out,
)

router = APIRouter(tags=["lead configuration"], responses=PROBLEM_RESPONSES)


@router.get(
    "/v1/lead-custom-fields",
    response_model=CustomFieldsOut,
    summary="The tenant's custom lead fields, retired ones apart (ETag)",
)
async def get_custom_fields(
    caller: Annotated[Caller, Depends(authorize("lead:read"))],
    lead_service: LeadClient,
    options: CallOptions,
    response: Response,
) -> CustomFieldsOut:
    """The ETag is the version of the whole set, which each replacement moves on."""
    reply = await lead_service.ListCustomFieldDefinitions(
        pb.ListCustomFieldDefinitionsRequest(), **options
    )
    set_etag(response, reply.version)
    return definitions_out(reply)


@router.put(
    "/v1/lead-custom-fields",
    response_model=CustomFieldsOut,
    summary="Replace the active custom lead fields (left-out ones are retired, not deleted)",
)
async def put_custom_fields(
    body: CustomFields,
    caller: Annotated[Caller, Depends(authorize("lead:configure"))],
    lead_service: LeadClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> CustomFieldsOut:
    """Bad definitions are 422 naming `fields[i].<rule>`; changing a key's type is refused
    (leads store values of its first type under it)."""
    reply = await lead_service.ReplaceCustomFieldDefinitions(
        pb.ReplaceCustomFieldDefinitionsRequest(
            fields=[definition_to_proto(f) for f in body.fields],
            expected_version=if_match_version(if_match),
        ),
        **options,
    )
    set_etag(response, reply.version)
    return definitions_out(reply)
