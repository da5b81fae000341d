"""Changing a lead's data (PATCH /v1/leads/{id}, If-Match) and asking whether a lead
would be a duplicate before capturing it (LeadService over gRPC).

The check lives at /v1/lead-duplicate-checks, not under /v1/leads/, where every
one-segment path is a lead id."""

from __future__ import annotations

from typing import Annotated

from crm.lead.v1 import lead_pb2 as pb
from fastapi import APIRouter, Depends, Response

from gateway.access.guard import authorize
from gateway.conventions.etag import IfMatch, if_match_version, set_etag
from gateway.conventions.problems import PROBLEM_RESPONSES
from gateway.dependencies import CallOptions, LeadClient
from gateway.identity.caller import Caller
from gateway.schemas.lead_edits import (
    DuplicateCheckOut,
    DuplicateProbe,
    LeadDuplicateOut,
    LeadPatch,
)
from gateway.schemas.leads import (
    LeadId,
    LeadOut,
    lead_out,
)
from gateway.schemas.values import custom_fields_in

router = APIRouter(tags=["leads"], responses=PROBLEM_RESPONSES)


@router.patch(
    "/v1/leads/{lead_id}", response_model=LeadOut, summary="Change a lead's data (If-Match)"
)
async def update_lead(
    lead_id: LeadId,
    body: LeadPatch,
    caller: Annotated[Caller, Depends(authorize("lead:update"))],
    lead_service: LeadClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> LeadOut:
    """Validated as at capture (422 naming each field); a new phone, email or company
    is checked for duplicates (policy reject: 409); rescored when it counts."""
    changes = body.model_dump(exclude_unset=True)
    custom = changes.pop("custom_fields", None)
    fields = {k: v for k, v in changes.items() if v is not None}
    if "custom_fields" in body.model_fields_set:
        cleared = {key: "" if value is None else value for key, value in (custom or {}).items()}
        fields["custom_fields"] = custom_fields_in(cleared)
        changes["custom_fields"] = custom
    reply = await lead_service.UpdateLead(
        pb.UpdateLeadRequest(
            id=lead_id,
            lead=pb.LeadInput(**fields),
            update_mask=list(changes),
            expected_version=if_match_version(if_match),
        ),
        **options,
    )
    set_etag(response, reply.lead.version)
    return lead_out(reply.lead)


@router.post(
    "/v1/lead-duplicate-checks",
    response_model=DuplicateCheckOut,
    summary="Which leads would this capture duplicate?",
)
async def check_duplicates(
    body: DuplicateProbe,
    caller: Annotated[Caller, Depends(authorize("lead:check_duplicates"))],
    lead_service: LeadClient,
    options: CallOptions,
) -> DuplicateCheckOut:
    """Matches on normalised phone, lower-cased email and company (with the same name),
    across the tenant, whoever owns the lead; never another tenant's."""
    reply = await lead_service.CheckDuplicates(
        pb.CheckDuplicatesRequest(lead=pb.LeadInput(**body.model_dump())),
        **options,
    )
    return DuplicateCheckOut(
        matches=[
            LeadDuplicateOut(lead_id=m.lead_id, matched_on=m.matched_on.split(","))
            for m in reply.matches
        ]
    )
