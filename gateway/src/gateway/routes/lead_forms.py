"""/v1/lead-forms: a tenant's public web forms. Each has a public form key for its page's
HTML (`POST /v1/forms/{form_key}/leads`, routes/form_submissions.py), the origins that
may post to it, the channel and tags its leads get, the fields it takes, a honeypot
field and its rate limits. Forms live in the gateway's database (gateway/lead_forms.py)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from crm.lead.v1 import lead_pb2 as pb
from crm.lead.v1.lead_pb2_grpc import LeadServiceStub
from crm_runtime.errors import FieldViolation, ValidationFailed
from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from gateway.clients import Options
from gateway.context import context
from gateway.dependencies import CallOptions, LeadClient
from gateway.etag import IfMatch, expected_version, set_etag
from gateway.guard import authorize
from gateway.identity.caller import Caller
from gateway.lead_forms import LEAD_FIELDS, LeadForm
from gateway.paging import DEFAULT, Cursor, IncludeRevoked, Limit
from gateway.problems import PROBLEM_RESPONSES
from gateway.routes.leads import Source

router = APIRouter(prefix="/v1/lead-forms", tags=["lead forms"], responses=PROBLEM_RESPONSES)
FormId = Annotated[str, Path(min_length=1, max_length=64, description="The form's id")]
FieldName = Annotated[str, Field(min_length=1, max_length=40)]
Origin = Annotated[str, Field(min_length=1, max_length=200)]
Tag = Annotated[str, Field(min_length=1, max_length=50)]
HONEYPOT = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,39}$")
DEFAULT_PORTS = {"http": 80, "https": 443}

EXAMPLE: dict[str, Any] = {
    "name": "官网-产品试用申请",
    "fields": ["name", "company", "phone", "email", "budget"],
    "allowed_origins": ["https://www.example.cn"],
    "source": "web",
    "channel_detail": "产品试用申请",
    "tags": ["试用"],
    "honeypot_field": "website",
    "limit_per_minute": 60,
    "limit_per_address_per_hour": 20,
    "redirect_url": "https://www.example.cn/thanks",
}


class LeadFormIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"examples": [EXAMPLE]}
    )

    name: str = Field(min_length=1, max_length=100, description="What the form is, for people")
    fields: list[FieldName] = Field(
        min_length=1,
        max_length=50,
        description=f"What the form takes: `name` (required) and any of {', '.join(LEAD_FIELDS[1:])}"
        ", and custom field keys",
    )
    allowed_origins: list[Origin] = Field(
        default_factory=list,
        max_length=20,
        description="Pages that may post (`https://www.example.cn`); empty: any origin",
    )
    source: Source = Field("web", description="The channel of the form's leads")
    channel_detail: str | None = Field(None, max_length=50, description="Default: the name")
    tags: list[Tag] = Field(default_factory=list, max_length=20, description="Put on every lead")
    honeypot_field: str = Field(
        "website", max_length=40, description="A field people never see: filled means a bot"
    )
    limit_per_minute: int = Field(60, ge=1, le=10_000, description="Submissions, all clients")
    limit_per_address_per_hour: int = Field(20, ge=1, le=10_000, description="Per client address")
    redirect_url: str = Field(
        "", max_length=500, description="After an HTML form's post, send the browser here (303)"
    )


class LeadFormPatch(BaseModel):
    """The settings to change; the key stays, so pages need no change."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"enabled": False}, {"allowed_origins": ["https://a.cn"]}]},
    )

    name: str | None = Field(None, min_length=1, max_length=100)
    fields: list[FieldName] | None = Field(None, min_length=1, max_length=50)
    allowed_origins: list[Origin] | None = Field(None, max_length=20)
    source: Source | None = None
    channel_detail: str | None = Field(None, max_length=50)
    tags: list[Tag] | None = Field(None, max_length=20)
    honeypot_field: str | None = Field(None, max_length=40)
    limit_per_minute: int | None = Field(None, ge=1, le=10_000)
    limit_per_address_per_hour: int | None = Field(None, ge=1, le=10_000)
    redirect_url: str | None = Field(None, max_length=500)
    enabled: bool | None = Field(None, description="false: the key answers 404 until re-enabled")


class LeadFormOut(BaseModel):
    id: str
    key: str = Field(description="Public: goes into the page's HTML; identifies, does not prove")
    submit_path: str = Field(description="Where the page posts: /v1/forms/{key}/leads")
    name: str
    fields: list[str]
    allowed_origins: list[str]
    source: str
    channel_detail: str
    tags: list[str]
    honeypot_field: str
    limit_per_minute: int
    limit_per_address_per_hour: int
    redirect_url: str
    enabled: bool
    revoked: bool
    created_at: datetime
    created_by: str
    version: int = Field(description="Also the ETag; send it back in If-Match")


class LeadFormPage(BaseModel):
    items: list[LeadFormOut]
    next_cursor: str


def form_out(form: LeadForm) -> LeadFormOut:
    return LeadFormOut(
        id=form.id,
        key=form.key,
        submit_path=f"/v1/forms/{form.key}/leads",
        name=form.name,
        fields=list(form.fields),
        allowed_origins=list(form.allowed_origins),
        source=form.source,
        channel_detail=form.channel_detail,
        tags=list(form.tags),
        honeypot_field=form.honeypot_field,
        limit_per_minute=form.limit_per_minute,
        limit_per_address_per_hour=form.limit_per_address_per_hour,
        redirect_url=form.redirect_url,
        enabled=form.enabled,
        revoked=form.revoked,
        created_at=form.created_at,
        created_by=form.created_by,
        version=form.version,
    )


def normalise_origin(raw: str) -> str:
    """`https://WWW.Example.cn:443` -> `https://www.example.cn`, as browsers send Origin;
    "" when `raw` is not an http(s) origin (a path, a query, credentials)."""
    try:
        parts = urlsplit(raw.strip())
        port = parts.port
    except ValueError:
        return ""
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or parts.username is not None:
        return ""
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return ""
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    shown_port = "" if port in (None, DEFAULT_PORTS[parts.scheme]) else f":{port}"
    return f"{parts.scheme}://{host}{shown_port}"


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
) -> Response:
    await context(request).forms.revoke(caller.tenant_id, form_id)
    return Response(status_code=204)
