"""Changing a lead's own data after capture: which fields a caller may change, the same
validation and normal forms as at capture, and the LeadUpdated event naming what changed.

Ownership, status and merges have their own use cases (assignment, lifecycle, dedup);
an update never moves a lead between owners or states."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from datetime import datetime

from crm_runtime.errors import FailedPrecondition, FieldViolation, ValidationFailed, require

from lead.domain.custom_fields import CustomFieldSchema, edit_values
from lead.domain.lead import Lead, LeadDraft, LeadStatus, create_lead, revise

EDITABLE = (
    "name",
    "company",
    "phone",
    "email",
    "source",
    "region",
    "industry",
    "product_line",
    "tags",
    "notes",
    "channel_detail",
    "custom_fields",
)
# Fields of the input a caller might try to change here, and where to change them instead.
ELSEWHERE = {"owner_id": "assign the lead (POST /v1/leads/{id}/assign) to change its owner"}
IDENTIFIERS = ("phone", "email", "company_key")  # the normal forms duplicates match on


def _mask_violations(mask: Iterable[str]) -> list[FieldViolation]:
    names = list(mask)
    if not names:
        return [FieldViolation("update_mask", "name at least one field to change")]
    violations = []
    for name in names:
        if name in ELSEWHERE:
            violations.append(FieldViolation(name, ELSEWHERE[name]))
        elif name not in EDITABLE:
            violations.append(
                FieldViolation(
                    "update_mask", f"{name} is not a lead field; one of {', '.join(EDITABLE)}"
                )
            )
    return violations


def editable(lead: Lead) -> None:
    """A merged or converted lead is history: its data lives on in the survivor, or in
    the account and contact made from it."""
    if lead.merged_into:
        raise FailedPrecondition(
            f"lead {lead.id} was merged into {lead.merged_into}; edit that lead"
        )
    if lead.status is LeadStatus.CONVERTED:
        raise FailedPrecondition(
            f"lead {lead.id} was converted; edit account {lead.account_id} or its contact instead"
        )


def edit_lead(
    lead: Lead,
    draft: LeadDraft,
    mask: Iterable[str],
    *,
    now: datetime,
    schema: CustomFieldSchema | None = None,
) -> tuple[Lead, tuple[str, ...]]:
    """The lead with the masked fields of `draft` applied, and the names of the fields
    that really changed (LeadUpdated lists them; nothing changed records nothing).

    The new values pass the capture rules: the result is validated exactly as a new lead
    with these values would be, so an edit can never store what capture would refuse.
    Custom values sent replace the lead's by key (custom_fields.edit_values), checked
    against the tenant's `schema`.
    """
    names = tuple(dict.fromkeys(mask))
    require(_mask_violations(names))
    editable(lead)
    current = {f.name: getattr(lead, f.name) for f in fields(LeadDraft) if f.name != "owner_id"}
    changes = {n: getattr(draft, n) for n in names if n != "custom_fields"}
    custom, violations = lead.custom_fields, list[FieldViolation]()
    if "custom_fields" in names:
        known = schema or CustomFieldSchema(())
        custom, violations = edit_values(lead.custom_fields, draft.custom_fields, known)
    proposed = LeadDraft(**{**current, **changes, "custom_fields": custom})
    try:
        fresh = create_lead(
            proposed, lead_id=lead.id, tenant_id=lead.tenant_id, created_by=lead.created_by, now=now
        )
    except ValidationFailed as failed:
        require([*failed.violations, *violations])
        raise
    require(violations)
    compared = (*EDITABLE, "tags", "company_key")
    found = {
        n: getattr(fresh, n)
        for n in dict.fromkeys(compared)
        if getattr(fresh, n) != getattr(lead, n)
    }
    if not found:
        return lead, ()
    changed = tuple(found)
    payload = {"lead_id": lead.id, "changed_fields": [n for n in changed if n in EDITABLE]}
    return revise(lead, now, [("LeadUpdated", payload)], **found), changed


def identifiers_changed(changed: Iterable[str]) -> bool:
    return not set(IDENTIFIERS).isdisjoint(changed)


def without_duplicate_flag(lead: Lead, *, now: datetime) -> Lead:
    """A lead whose identifiers no longer match its flagged original loses the flag."""
    if not lead.duplicate_of:
        return lead
    payload = {"lead_id": lead.id, "changed_fields": ["duplicate_of"]}
    return revise(lead, now, [("LeadUpdated", payload)], duplicate_of="")
