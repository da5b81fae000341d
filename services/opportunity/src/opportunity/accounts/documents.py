"""Accounts, contacts and follow-ups as MongoDB documents and back. Plain mapping, no
I/O: store modules use it; nothing else needs to know the document shape."""

from __future__ import annotations

from crm_runtime.storage.mongo import Doc

from opportunity.documents import customs_from_doc, customs_to_doc
from opportunity.domain.account import Account
from opportunity.domain.contact import Contact
from opportunity.domain.followups import FollowUp, FollowUpKind
from opportunity.domain.text import search_tokens

_ACCOUNT_PLAIN = (
    "name",
    "name_key",
    "unified_social_credit_code",
    "industry",
    "region",
    "address",
    "phone",
    "website",
    "owner_id",
    "team_id",
    "tier",
    "tier_reason",
    "dormant_from_tier",
    "notes",
    "source_lead_id",
    "source",
    "last_activity_at",
    "created_by",
    "created_at",
    "updated_at",
)


def account_to_doc(account: Account) -> Doc:
    doc: Doc = {"_id": account.id, "version": account.version}
    doc.update({name: getattr(account, name) for name in _ACCOUNT_PLAIN})
    doc["tags"] = list(account.tags)
    doc["custom_fields"] = customs_to_doc(account.custom_fields)
    doc["search_tokens"] = search_tokens(account.name, code=account.unified_social_credit_code)
    return doc


def account_from_doc(doc: Doc) -> Account:
    plain = {name: doc[name] for name in _ACCOUNT_PLAIN if name in doc}
    return Account(
        id=doc["_id"],
        tenant_id=doc["tenant_id"],
        version=doc["version"],
        tags=tuple(doc.get("tags", ())),
        custom_fields=customs_from_doc(doc.get("custom_fields", [])),
        **plain,
    )


_CONTACT_PLAIN = (
    "account_id",
    "name",
    "title",
    "department",
    "phone",
    "email",
    "wechat",
    "role",
    "reports_to_contact_id",
    "primary",
    "owner_id",
    "team_id",
    "notes",
    "source_lead_id",
    "created_by",
    "created_at",
    "updated_at",
)


def contact_to_doc(contact: Contact) -> Doc:
    doc: Doc = {"_id": contact.id, "version": contact.version}
    doc.update({name: getattr(contact, name) for name in _CONTACT_PLAIN})
    doc["custom_fields"] = customs_to_doc(contact.custom_fields)
    doc["search_tokens"] = search_tokens(contact.name, phone=contact.phone, email=contact.email)
    return doc


def contact_from_doc(doc: Doc) -> Contact:
    plain = {name: doc[name] for name in _CONTACT_PLAIN if name in doc}
    return Contact(
        id=doc["_id"],
        tenant_id=doc["tenant_id"],
        version=doc["version"],
        custom_fields=customs_from_doc(doc.get("custom_fields", [])),
        **plain,
    )


def follow_up_to_doc(follow_up: FollowUp) -> Doc:
    return {
        "_id": follow_up.id,
        "account_id": follow_up.account_id,
        "opportunity_id": follow_up.opportunity_id,
        "contact_id": follow_up.contact_id,
        "kind": follow_up.kind.value,
        "notes": follow_up.notes,
        "next_step": follow_up.next_step,
        "next_step_at": follow_up.next_step_at,
        "by_user_id": follow_up.by_user_id,
        "at": follow_up.at,
    }


def follow_up_from_doc(doc: Doc) -> FollowUp:
    return FollowUp(
        id=doc["_id"],
        account_id=doc["account_id"],
        opportunity_id=doc["opportunity_id"],
        contact_id=doc["contact_id"],
        kind=FollowUpKind(doc["kind"]),
        notes=doc["notes"],
        next_step=doc["next_step"],
        next_step_at=doc.get("next_step_at"),
        by_user_id=doc["by_user_id"],
        at=doc["at"],
    )
