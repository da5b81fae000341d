"""A tenant's public web forms (settings, page) and the origin a browser sends."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from gateway.conventions.bodies import RequestBody
from gateway.lead_forms import LEAD_FIELDS, LeadForm
from gateway.schemas.leads import Source
from gateway.schemas.mapping import from_record

FieldName = Annotated[str, Field(min_length=1, max_length=40)]

Origin = Annotated[str, Field(min_length=1, max_length=200)]


Tag = Annotated[str, Field(min_length=1, max_length=50)]


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


class LeadFormIn(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})

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


class LeadFormPatch(RequestBody):
    """The settings to change; the key stays, so pages need no change."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"enabled": False}, {"allowed_origins": ["https://a.cn"]}]}
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
    return from_record(LeadFormOut, form, submit_path=f"/v1/forms/{form.key}/leads")


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
