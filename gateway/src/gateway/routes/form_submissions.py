"""POST /v1/forms/{form_key}/leads: a public web form's submission, with no credential.

The form key names the form and so its tenant (ADR 15). In order: an unknown, disabled
or revoked key is 404; a page of an origin the form does not allow is 403; the client
address's and the form's and the tenant's buckets are spent (429); the body is read
(JSON or `application/x-www-form-urlencoded`, as HTML forms post); a filled honeypot is
answered exactly as a success and nothing else happens; fields the form does not take
are 422; the lead is captured through the lead service's CreateLead (dedup, scoring,
assignment) as the principal `form:<form id>` of the form's tenant, whose rules name
any bad value (422). CORS headers for the allowed origin go on every answer after the
origin check, preflights included. An `Idempotency-Key` (a page's script or an
integration may send one) is kept per form, as an API key's are per credential; the
answer carries no Location, since it never names the lead (ADR 15).
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlsplit

import grpc
from crm.lead.v1 import lead_pb2 as pb
from crm_runtime import metrics
from crm_runtime.errors import DomainError, FieldViolation, ValidationFailed
from crm_runtime.principal import Principal
from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from gateway.access.audit import CALLER
from gateway.access.guard import public
from gateway.clients import options_for
from gateway.context import Context, context
from gateway.conventions import problems
from gateway.dependencies import Deadline, LeadClient
from gateway.identity.caller import Caller
from gateway.lead_forms import LeadForm
from gateway.schemas.form_submissions import MAX_VALUE_LENGTH, Receipt, form_lead_input
from gateway.schemas.lead_forms import normalise_origin
from gateway.traffic.idempotency import IdempotentReplay, claim_for
from gateway.traffic.middleware import RATE_HEADERS
from gateway.traffic.ratelimit import Bucket

PATH = "/v1/forms/{form_key}/leads"
FormKey = Annotated[str, Path(min_length=1, max_length=64, description="The form's public key")]
MAX_BODY_BYTES = 64 * 1024  # a person's answers, not a file
MAX_FIELDS = 100
JSON, URLENCODED = "application/json", "application/x-www-form-urlencoded"
EXPOSED = (
    "Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, X-Request-Id, "
    "Idempotent-Replayed"
)
EXAMPLE = {"name": "王芳", "phone": "13800138000", "company": "杭州某某制造", "budget": "50000"}
_VALUE = {"type": "string", "maxLength": MAX_VALUE_LENGTH}
SCHEMA = {
    "type": "object",
    "description": "The form's fields by name: lead fields, custom field keys, and the "
    "honeypot (left empty by people). Custom numbers may be JSON numbers.",
    "additionalProperties": {"anyOf": [_VALUE, {"type": "number"}, {"type": "null"}]},
    "maxProperties": MAX_FIELDS,
    "examples": [EXAMPLE],
}
REQUEST_BODY = {
    "required": True,
    "content": {
        JSON: {"schema": SCHEMA, "example": EXAMPLE},
        URLENCODED: {
            "schema": {**SCHEMA, "additionalProperties": _VALUE},
            "example": EXAMPLE,
        },
    },
}
router = APIRouter(tags=["lead forms"])


def _documented(description: str) -> dict[str, Any]:
    return {"model": problems.Problem, "description": description}


RESPONSES: dict[int | str, dict[str, Any]] = {
    303: {"description": "Received; an HTML form's browser goes to the form's redirect_url"},
    **{
        status: _documented(text)
        for status, text in (
            (403, "The page's origin may not post to this form"),
            (404, "No usable form has this key"),
            (413, "The body is over 64 KiB"),
            (415, "Neither JSON nor application/x-www-form-urlencoded"),
            (422, "A field the form does not take, or a value the lead rules refuse"),
            (500, problems.TITLES[500]),
            (503, problems.TITLES[503]),
        )
    },
}


def _origin(request: Request) -> str:
    """The page's origin: the Origin header, else the Referer's (older browsers and
    WeChat's webview send only that)."""
    origin = request.headers.get("origin", "")
    if origin:
        return normalise_origin(origin) or origin  # "null" (a sandboxed page) stays itself
    referer = request.headers.get("referer", "")
    parts = urlsplit(referer)
    return normalise_origin(f"{parts.scheme}://{parts.netloc}") if parts.netloc else ""


def _cors(form: LeadForm, origin: str) -> dict[str, str]:
    allowed = "*" if not form.allowed_origins else origin
    return {
        "Access-Control-Allow-Origin": allowed,
        "Access-Control-Expose-Headers": EXPOSED,
        "Vary": "Origin",
    }


async def _usable(ctx: Context, form_key: str, origin: str) -> LeadForm:
    form = await ctx.forms.by_key(form_key)
    if form is None:
        raise HTTPException(404, "no form has this key, or it was disabled")
    if not form.allows(origin):
        metrics.GATEWAY_FORM_SUBMISSIONS.labels("gateway", "refused_origin").inc()
        raise HTTPException(403, "this form takes submissions from its own pages only")
    return form


async def _spend(ctx: Context, request: Request, form: LeadForm) -> None:
    address = request.client.host if request.client else "unknown"
    tenant = form.tenant_id
    limits = await ctx.tenants.limits(tenant)
    per_address, per_form = form.limit_per_address_per_hour, form.limit_per_minute
    decision = await ctx.limiter.hit(
        [
            Bucket(
                "form_address",
                ctx.limiter.key(tenant, "form", form.id, "address", address),
                per_address / 3600,
                per_address,
            ),
            Bucket("form", ctx.limiter.key(tenant, "form", form.id), per_form / 60, per_form),
            Bucket(
                "tenant", ctx.limiter.key(tenant, "tenant"), limits.tenant_rate, limits.tenant_burst
            ),
        ]
    )
    if decision is None:
        return
    setattr(request.state, RATE_HEADERS, decision.headers())
    if not decision.allowed:
        raise HTTPException(
            429, f"too many submissions; retry in {decision.retry_after} s", decision.headers()
        )


async def _read(request: Request) -> tuple[dict[str, Any], str]:
    """The submitted fields by name, and the media type they came as."""
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise HTTPException(413, f"the body must be at most {MAX_BODY_BYTES} bytes")
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if media == JSON:
            data = json.loads(body)
            if not isinstance(data, dict):
                raise ValidationFailed([FieldViolation("body", "must be a JSON object")])
        elif media == URLENCODED:
            pairs = parse_qsl(
                body.decode(), keep_blank_values=True, max_num_fields=MAX_FIELDS, errors="strict"
            )
            data = dict(pairs)
            if len(data) != len(pairs):
                names = [n for n, _ in pairs]
                raise ValidationFailed(
                    [
                        FieldViolation(n[:64], "is given more than once")
                        for n in sorted({n for n in names if names.count(n) > 1})
                    ]
                )
        else:
            raise HTTPException(415, f"send {JSON} or {URLENCODED}")
    except UnicodeDecodeError as exc:
        raise HTTPException(400, "the body is not UTF-8 text") from exc
    except ValueError as exc:  # not JSON, or more fields than MAX_FIELDS
        raise HTTPException(400, f"the body could not be read as {media}") from exc
    if len(data) > MAX_FIELDS:
        raise ValidationFailed([FieldViolation("body", f"at most {MAX_FIELDS} fields")])
    return data, media


def _is_bot(form: LeadForm, data: dict[str, Any]) -> bool:
    value = data.get(form.honeypot_field)
    return value is not None and str(value).strip() != ""


def _caller(form: LeadForm) -> Caller:
    actor = f"form:{form.id}"
    return Caller(Principal(form.tenant_id, actor, (), "own", "", actor), "form")


def _received(form: LeadForm, media: str, headers: dict[str, str]) -> Response:
    """The one answer of a success, a honeypot hit and a known duplicate alike."""
    if form.redirect_url and media == URLENCODED:
        return RedirectResponse(form.redirect_url, status_code=303, headers=headers)
    return JSONResponse(Receipt().model_dump(), status_code=201, headers=headers)


async def _problem(request: Request, exc: Exception) -> Response:
    if isinstance(exc, grpc.aio.AioRpcError):
        return await problems.on_grpc_error(request, exc)
    if isinstance(exc, problems.ServiceUnavailable):
        return await problems.on_service_unavailable(request, exc)
    if isinstance(exc, DomainError):
        return await problems.on_domain_error(request, exc)
    return await problems.on_http_error(request, exc)


@router.post(
    PATH,
    status_code=201,
    response_model=Receipt,
    summary="Submit a public web form (no credential: the form key names the tenant)",
    responses=RESPONSES,
    openapi_extra={"requestBody": REQUEST_BODY},
    dependencies=[Depends(public("lead_form:submit"))],
)
async def submit(
    form_key: FormKey, request: Request, lead_service: LeadClient, deadline: Deadline
) -> Response:
    ctx, origin = context(request), _origin(request)
    form = await _usable(ctx, form_key, origin)
    headers = _cors(form, origin)
    outcome = "failed"  # until known: an unexpected error ends as a 500
    try:
        await _spend(ctx, request, form)
        data, media = await _read(request)
        await claim_for(request, form.tenant_id, f"form:{form.id}")  # keyed per form
        if _is_bot(form, data):
            outcome = "honeypot"  # answered as a success: a bot learns nothing
            return _received(form, media, headers)
        lead = form_lead_input(form, data)
        caller = _caller(form)
        setattr(request.state, CALLER, caller)  # the audit log records the capture
        try:
            await lead_service.CreateLead(
                pb.CreateLeadRequest(lead=lead), **options_for(caller.principal, deadline)
            )
        except grpc.aio.AioRpcError as exc:
            # The duplicate policy refused it: the person is known already. Saying so
            # would tell anyone whether a phone number is among the tenant's leads.
            if exc.code() is not grpc.StatusCode.ALREADY_EXISTS:
                raise
            outcome = "duplicate"
            return _received(form, media, headers)
        outcome = "accepted"
        return _received(form, media, headers)
    except IdempotentReplay as replay:  # counted among the idempotency keys' outcomes
        outcome = "replayed"
        return replay.stored.response()
    except (HTTPException, grpc.aio.AioRpcError, DomainError, problems.ServiceUnavailable) as exc:
        answer = await _problem(request, exc)
        answer.headers.update(headers)
        status = answer.status_code
        outcome = "rate_limited" if status == 429 else "invalid" if status < 500 else "failed"
        return answer
    finally:
        if outcome not in ("rate_limited", "replayed"):  # counted by the limiter, per bucket
            metrics.GATEWAY_FORM_SUBMISSIONS.labels("gateway", outcome).inc()


@router.options(PATH, include_in_schema=False, dependencies=[Depends(public("lead_form:submit"))])
async def preflight(form_key: FormKey, request: Request) -> Response:
    """CORS preflight of a page's fetch(): allowed origins only, POST with Content-Type
    and, if the page sends one, an Idempotency-Key."""
    origin = request.headers.get("origin", "")
    form = await _usable(context(request), form_key, _origin(request))
    if not origin:
        raise HTTPException(400, "a preflight names its Origin")
    return Response(
        status_code=204,
        headers={
            **_cors(form, _origin(request)),
            "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": "Content-Type, Idempotency-Key",
            "Access-Control-Max-Age": "600",
        },
    )
