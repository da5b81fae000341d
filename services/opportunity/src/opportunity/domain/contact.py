"""The contact (联系人) aggregate: a person at an account, with a role in the buying
decision and whom they report to, for the relationship map. A contact is seen by whoever
sees its account, so it carries the account's owner and team."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from crm_runtime.errors import FieldViolation, require
from crm_runtime.messaging.events import DomainEvent

from opportunity.domain import fields as rules
from opportunity.domain.aggregate import event, revise
from opportunity.domain.fields import CustomField

AGGREGATE = "contact"
LIMITS = {"name": 100, "title": 100, "department": 100, "wechat": 64, "notes": 4000}
EDITABLE = (
    "name",
    "title",
    "department",
    "phone",
    "email",
    "wechat",
    "role",
    "reports_to_contact_id",
    "primary",
    "notes",
    "custom_fields",
)


class ContactRole(StrEnum):
    DECISION_MAKER = "decision_maker"  # KDM
    INFLUENCER = "influencer"
    USER = "user"
    FINANCE = "finance"


@dataclass(frozen=True)
class ContactDraft:
    account_id: str = ""
    name: str = ""
    title: str = ""
    department: str = ""
    phone: str = ""
    email: str = ""
    wechat: str = ""
    role: str = ""
    reports_to_contact_id: str = ""
    primary: bool = False
    notes: str = ""
    custom_fields: tuple[CustomField, ...] = ()


@dataclass
class Contact:
    id: str
    tenant_id: str
    account_id: str
    name: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    title: str = ""
    department: str = ""
    phone: str = ""
    email: str = ""
    wechat: str = ""
    role: str = ""
    reports_to_contact_id: str = ""
    primary: bool = False
    owner_id: str = ""  # the account's owner and team: who sees the contact
    team_id: str = ""
    notes: str = ""
    custom_fields: tuple[CustomField, ...] = ()
    source_lead_id: str = ""
    version: int = 1
    events: list[DomainEvent] = field(default_factory=list, repr=False, compare=False)


def _clean(draft: ContactDraft, contact_id: str) -> dict[str, Any]:
    violations: list[FieldViolation] = []
    clean: dict[str, Any] = rules.texts({n: getattr(draft, n) for n in LIMITS}, LIMITS, violations)
    if not clean["name"]:
        violations.append(FieldViolation("name", "is required"))
    clean["phone"] = rules.phone(draft.phone, violations)
    clean["email"] = rules.email(draft.email, violations)
    if draft.role and draft.role not in [r.value for r in ContactRole]:
        violations.append(FieldViolation("role", f"must be one of {', '.join(ContactRole)}"))
    clean["role"] = draft.role
    rules.check_id("reports_to_contact_id", draft.reports_to_contact_id, violations)
    if draft.reports_to_contact_id and draft.reports_to_contact_id == contact_id:
        violations.append(
            FieldViolation("reports_to_contact_id", "a contact cannot report to themselves")
        )
    clean["reports_to_contact_id"] = draft.reports_to_contact_id
    clean["primary"] = draft.primary
    clean["custom_fields"] = rules.custom_fields(draft.custom_fields, violations)
    require(violations)
    return clean


def add_contact(
    draft: ContactDraft,
    *,
    contact_id: str,
    tenant_id: str,
    account_owner_id: str,
    account_team_id: str,
    added_by: str,
    now: datetime,
    source_lead_id: str = "",
) -> Contact:
    """A new contact of an account the caller sees (the app checked it), or
    ValidationFailed naming every bad field."""
    clean = _clean(draft, contact_id)
    contact = Contact(
        id=contact_id,
        tenant_id=tenant_id,
        account_id=draft.account_id,
        created_by=added_by,
        created_at=now,
        updated_at=now,
        owner_id=account_owner_id,
        team_id=account_team_id,
        source_lead_id=source_lead_id,
        **clean,
    )
    contact.events.append(
        event(
            contact,
            AGGREGATE,
            "ContactAdded",
            {
                "contact_id": contact.id,
                "account_id": contact.account_id,
                "name": contact.name,
                "title": contact.title,
                "role": contact.role,
                "reports_to_contact_id": contact.reports_to_contact_id,
                "owner_id": contact.owner_id,
                "added_by": added_by,
                "source_lead_id": source_lead_id,
            },
            now,
            new=True,
        )
    )
    return contact


def draft_of(contact: Contact) -> ContactDraft:
    return ContactDraft(**{f.name: getattr(contact, f.name) for f in fields(ContactDraft)})


def update_contact(
    contact: Contact, draft: ContactDraft, mask: tuple[str, ...], *, by: str, now: datetime
) -> Contact:
    """The fields named in `mask` take the draft's values (a contact stays with its
    account: `account_id` is not editable); unchanged values record no event."""
    violations: list[FieldViolation] = []
    names = rules.masked(mask, EDITABLE, "contact", violations)
    require(violations)
    clean = _clean(replace(draft_of(contact), **{n: getattr(draft, n) for n in names}), contact.id)
    changed = [n for n in EDITABLE if clean[n] != getattr(contact, n)]
    if not changed:
        return contact
    return revise(
        contact,
        AGGREGATE,
        now,
        [updated_event(contact, changed, clean, by)],
        **{n: clean[n] for n in changed},
    )


def updated_event(
    contact: Contact, changed: list[str], values: dict[str, Any], by: str
) -> tuple[str, dict[str, Any]]:
    return (
        "ContactUpdated",
        {
            "contact_id": contact.id,
            "account_id": contact.account_id,
            "changed_fields": changed,
            "role": values.get("role", contact.role),
            "reports_to_contact_id": values.get(
                "reports_to_contact_id", contact.reports_to_contact_id
            ),
            "updated_by": by,
        },
    )


def demote(contact: Contact, *, by: str, now: datetime) -> Contact:
    """No longer the primary contact: another one of the account became primary."""
    if not contact.primary:
        return contact
    event_ = updated_event(contact, ["primary"], {}, by)
    return revise(contact, AGGREGATE, now, [event_], primary=False)


def follow_owner(contact: Contact, owner_id: str, team_id: str, now: datetime) -> Contact:
    """The contact seen by its account's new owner and team (no event: the account's
    AccountUpdated is the fact)."""
    if (contact.owner_id, contact.team_id) == (owner_id, team_id):
        return contact
    return revise(contact, AGGREGATE, now, owner_id=owner_id, team_id=team_id)
