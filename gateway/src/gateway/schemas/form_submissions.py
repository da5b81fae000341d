"""A public web form's submission: the receipt, and the submitted fields as a
crm.lead.v1 LeadInput (every field that breaks a rule named)."""

from __future__ import annotations

from typing import Any

from crm.lead.v1 import lead_pb2 as pb
from crm_runtime.errors import FieldViolation, ValidationFailed
from pydantic import BaseModel

from gateway.lead_forms import LEAD_FIELDS, LeadForm
from gateway.schemas.values import custom_fields_in

MAX_VALUE_LENGTH = 2000


class Receipt(BaseModel):
    status: str = "received"


def form_lead_input(form: LeadForm, data: dict[str, Any]) -> pb.LeadInput:
    violations: list[FieldViolation] = []
    lead: dict[str, str] = {}
    custom: dict[str, Any] = {}
    for name, value in data.items():
        shown = name[:64]
        if name == form.honeypot_field or value is None:
            continue
        if name not in form.fields:
            violations.append(FieldViolation(shown, "is not a field of this form"))
        elif isinstance(value, bool) or not isinstance(value, str | int | float):
            violations.append(FieldViolation(shown, "must be text or a number"))
        elif isinstance(value, str) and len(value) > MAX_VALUE_LENGTH:
            violations.append(
                FieldViolation(shown, f"must be at most {MAX_VALUE_LENGTH} characters")
            )
        elif name in LEAD_FIELDS:
            if isinstance(value, str):
                lead[name] = value
            else:
                violations.append(FieldViolation(shown, "must be text"))
        else:
            custom[name] = value
    if violations:
        raise ValidationFailed(violations)
    return pb.LeadInput(
        **lead,
        source=form.source,
        channel_detail=form.channel_detail,
        tags=list(form.tags),
        custom_fields=custom_fields_in(custom),
    )
