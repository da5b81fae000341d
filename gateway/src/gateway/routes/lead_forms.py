"""/v1/lead-forms: a tenant's public web forms. Each has a public form key for its page's
HTML (`POST /v1/forms/{form_key}/leads`, routes/form_submissions.py), the origins that
may post to it, the channel and tags its leads get, the fields it takes, a honeypot
field and its rate limits. Forms live in the gateway's database (gateway/lead_forms.py)."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import urlsplit

from crm.lead.v1 import lead_pb2 as pb
from crm.lead.v1.lead_pb2_grpc import LeadServiceStub
from crm_runtime.errors import FieldViolation, ValidationFailed
from fastapi import APIRouter, Depends, Path, Request, Response

from gateway.access.guard import authorize
from gateway.clients import Options
from gateway.context import context
from gateway.conventions.etag import IfMatch, expected_version, set_etag
from gateway.conventions.paging import DEFAULT, Cursor, IncludeRevoked, Limit
from gateway.conventions.problems import PROBLEM_RESPONSES
from gateway.dependencies import CallOptions, LeadClient
from gateway.identity.caller import Caller
from gateway.lead_forms import LEAD_FIELDS
from gateway.schemas.lead_forms import (
    DEFAULT_PORTS,
    LeadFormIn,
    LeadFormOut,
    LeadFormPage,
    LeadFormPatch,
    form_out,
    normalise_origin,
)

router = APIRouter(prefix="/v1/lead-forms", tags=["lead forms"], responses=PROBLEM_RESPONSES)
FormId = Annotated[str, Path(min_length=1, max_length=64, description="The form's id")]
HONEYPOT = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,39}$")


async def _custom_fields(
    lead_service: LeadServiceStub, options: Options
) -> tuple[set[str], set[str]]:
    """The tenant's active custom field keys, and which of them are required."""
    reply = await lead_service.ListCustomFieldDefinitions(
        pb.ListCustomFieldDefinitionsRequest(), **options
    )
    active = [f for f in reply.fields if not f.retired]
    return {f.key for f in active}, {f.key for f in active if f.required}


async def _checked(
    lead_service: LeadServiceStub, options: Options, values: dict[str, Any]
) -> dict[str, Any]:
    """The form's settings as stored, or ValidationFailed naming every bad one."""
    violations: list[FieldViolation] = []
    if "allowed_origins" in values:
        origins = []
        for i, raw in enumerate(values["allowed_origins"]):
            origin = normalise_origin(raw)
            if not origin:
                violations.append(
                    FieldViolation(
                        f"allowed_origins[{i}]", "must be an origin such as https://www.example.cn"
                    )
                )
            origins.append(origin)
        values["allowed_origins"] = list(dict.fromkeys(origins))
    url = values.get("redirect_url") or ""
    if url and (urlsplit(url).scheme not in DEFAULT_PORTS or not urlsplit(url).netloc):
        violations.append(FieldViolation("redirect_url", "must be an http(s) URL"))
    fields = values.get("fields")
    if fields is not None:
        custom, required = await _custom_fields(lead_service, options)
        for i, name in enumerate(fields):
            if name not in LEAD_FIELDS and name not in custom:
                violations.append(
                    FieldViolation(
                        f"fields[{i}]", "is not a lead field or custom field of this tenant"
                    )
                )
            elif fields.index(name) != i:
                violations.append(FieldViolation(f"fields[{i}]", "is listed twice"))
        if "name" not in fields:
            violations.append(FieldViolation("fields", "must include name: a lead needs one"))
        for key in sorted(required - set(fields)):
            violations.append(
                FieldViolation("fields", f"must include the required custom field {key}")
            )
    honeypot = values.get("honeypot_field")
    if honeypot is not None:
        if not HONEYPOT.match(honeypot):
            violations.append(
                FieldViolation("honeypot_field", "must be a letter, then letters, digits, _ or -")
            )
        elif honeypot in LEAD_FIELDS or honeypot in (fields or ()):
            violations.append(
                FieldViolation("honeypot_field", "must not be a field people fill in")
            )
    if violations:
        raise ValidationFailed(violations)
    return values


@router.post("", status_code=201, response_model=LeadFormOut, summary="Create a public web form")
async def create_form(
    body: LeadFormIn,
    caller: Annotated[Caller, Depends(authorize("lead_form:manage"))],
    lead_service: LeadClient,
    options: CallOptions,
    request: Request,
    response: Response,
) -> LeadFormOut:
    values = body.model_dump()
    if values["channel_detail"] is None:
        values["channel_detail"] = body.name[:50]
    values = await _checked(lead_service, options, values)
    form = await context(request).forms.create(caller.tenant_id, caller.principal.user_id, values)
    set_etag(response, form.version)
    response.headers["Location"] = f"/v1/lead-forms/{form.id}"
    return form_out(form)


@router.get("", response_model=LeadFormPage, summary="List the tenant's web forms, oldest first")
async def list_forms(
    caller: Annotated[Caller, Depends(authorize("lead_form:read"))],
    request: Request,
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
    include_revoked: IncludeRevoked = False,
) -> LeadFormPage:
    forms, next_cursor = await context(request).forms.page(
        caller.tenant_id, limit, cursor, include_revoked
    )
    return LeadFormPage(items=[form_out(f) for f in forms], next_cursor=next_cursor)


@router.get("/{form_id}", response_model=LeadFormOut, summary="Read one web form (ETag)")
async def get_form(
    form_id: FormId,
    caller: Annotated[Caller, Depends(authorize("lead_form:read"))],
    request: Request,
    response: Response,
) -> LeadFormOut:
    form = await context(request).forms.get(caller.tenant_id, form_id)
    set_etag(response, form.version)
    return form_out(form)


@router.patch("/{form_id}", response_model=LeadFormOut, summary="Change or disable a web form")
async def update_form(
    form_id: FormId,
    body: LeadFormPatch,
    caller: Annotated[Caller, Depends(authorize("lead_form:manage"))],
    lead_service: LeadClient,
    options: CallOptions,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> LeadFormOut:
    forms = context(request).forms
    expected = expected_version(if_match)
    current = await forms.get(caller.tenant_id, form_id)  # 404 before any rule about the body
    changes = body.model_dump(exclude_none=True)
    if "honeypot_field" in changes or "fields" in changes:
        changes.setdefault("fields", list(current.fields))
        changes.setdefault("honeypot_field", current.honeypot_field)
    form = await forms.update(
        caller.tenant_id, form_id, await _checked(lead_service, options, changes), expected
    )
    set_etag(response, form.version)
    return form_out(form)


@router.delete(
    "/{form_id}", status_code=204, summary="Revoke a web form: its key stops working for good"
)
async def revoke_form(
    form_id: FormId,
    caller: Annotated[Caller, Depends(authorize("lead_form:manage"))],
    request: Request,
    if_match: IfMatch = None,
) -> Response:
    await context(request).forms.revoke(caller.tenant_id, form_id, expected_version(if_match))
    return Response(status_code=204)
