"""The account (客户) aggregate: a company (or person) the tenant sells to, owned by a rep
and a team, tiered by value, with tags and custom fields. Pure Python: the store
persists it, the app commits it with its events."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from crm_runtime.errors import AlreadyExists, FieldViolation, require
from crm_runtime.messaging.events import DomainEvent

from opportunity.domain import fields as rules
from opportunity.domain.aggregate import event, revise
from opportunity.domain.credit_code import code_problem, normalise_code
from opportunity.domain.fields import CustomField
from opportunity.domain.text import name_key

AGGREGATE = "account"
LIMITS = {"name": 200, "industry": 100, "region": 100, "address": 500, "notes": 4000}
EDITABLE = (
    "name",
    "unified_social_credit_code",
    "industry",
    "region",
    "address",
    "phone",
    "website",
    "owner_id",
    "team_id",
    "tier",
    "tags",
    "notes",
    "custom_fields",
)


class Tier(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    DORMANT = "dormant"  # set by the dormancy check only
    STRATEGIC = "strategic"  # set by hand, never changed by a job


MANUAL_TIERS = ("", Tier.HIGH, Tier.MEDIUM, Tier.LOW, Tier.STRATEGIC)


@dataclass(frozen=True)
class AccountDraft:
    name: str = ""
    unified_social_credit_code: str = ""
    industry: str = ""
    region: str = ""
    address: str = ""
    phone: str = ""
    website: str = ""
    owner_id: str = ""
    team_id: str = ""
    tier: str = ""
    tags: tuple[str, ...] = ()
    notes: str = ""
    custom_fields: tuple[CustomField, ...] = ()


@dataclass
class Account:
    id: str
    tenant_id: str
    name: str
    name_key: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    unified_social_credit_code: str = ""
    industry: str = ""
    region: str = ""
    address: str = ""
    phone: str = ""
    website: str = ""
    owner_id: str = ""
    team_id: str = ""
    tier: str = ""
    tier_reason: str = ""
    dormant_from_tier: str = ""  # the tier to return to when activity resumes
    tags: tuple[str, ...] = ()
    notes: str = ""
    custom_fields: tuple[CustomField, ...] = ()
    source_lead_id: str = ""
    source: str = ""
    last_activity_at: datetime | None = None
    version: int = 1
    events: list[DomainEvent] = field(default_factory=list, repr=False, compare=False)


def _clean(draft: AccountDraft) -> dict[str, Any]:
    violations: list[FieldViolation] = []
    clean: dict[str, Any] = rules.texts({n: getattr(draft, n) for n in LIMITS}, LIMITS, violations)
    if not clean["name"]:
        violations.append(FieldViolation("name", "is required"))
    elif not name_key(clean["name"]):
        violations.append(FieldViolation("name", "must contain letters or digits"))
    code = normalise_code(draft.unified_social_credit_code)
    if code and (problem := code_problem(code)):
        violations.append(FieldViolation("unified_social_credit_code", problem))
    clean["unified_social_credit_code"] = code
    clean["phone"] = rules.phone(draft.phone, violations)
    clean["website"] = rules.website(draft.website, violations)
    rules.check_id("owner_id", draft.owner_id, violations)
    rules.check_id("team_id", draft.team_id, violations)
    clean["owner_id"], clean["team_id"] = draft.owner_id, draft.team_id
    if draft.tier not in MANUAL_TIERS:
        hand = ", ".join(t for t in MANUAL_TIERS if t)
        violations.append(
            FieldViolation("tier", f"by hand one of {hand}; dormant is set by the dormancy check")
        )
    clean["tier"] = draft.tier
    clean["tags"] = rules.tags(draft.tags, violations)
    clean["custom_fields"] = rules.custom_fields(draft.custom_fields, violations)
    require(violations)
    clean["name_key"] = name_key(clean["name"])
    return clean


def create_account(
    draft: AccountDraft,
    *,
    account_id: str,
    tenant_id: str,
    created_by: str,
    now: datetime,
    source_lead_id: str = "",
    source: str = "",
) -> Account:
    """A new account, or ValidationFailed naming every bad field. Activity starts now,
    so a new account is dormant only after a whole period without any."""
    clean = _clean(draft)
    account = Account(
        id=account_id,
        tenant_id=tenant_id,
        created_by=created_by,
        created_at=now,
        updated_at=now,
        source_lead_id=source_lead_id,
        source=source,
        last_activity_at=now,
        tier_reason="manual" if clean["tier"] else "",
        **clean,
    )
    account.events.append(
        event(
            account,
            AGGREGATE,
            "AccountCreated",
            {
                "account_id": account.id,
                "name": account.name,
                "unified_social_credit_code": account.unified_social_credit_code,
                "industry": account.industry,
                "region": account.region,
                "owner_id": account.owner_id,
                "team_id": account.team_id,
                "tier": account.tier,
                "source_lead_id": source_lead_id,
                "source": source,
                "created_by": created_by,
            },
            now,
            new=True,
        )
    )
    return account


def draft_of(account: Account) -> AccountDraft:
    """The account's current values as a draft, for updates by mask."""
    return AccountDraft(**{f.name: getattr(account, f.name) for f in fields(AccountDraft)})


def update_account(
    account: Account, draft: AccountDraft, mask: tuple[str, ...], *, by: str, now: datetime
) -> Account:
    """The fields named in `mask` take the draft's values; every rule is checked on the
    result. Unchanged values change nothing and record no event."""
    violations: list[FieldViolation] = []
    names = rules.masked(mask, EDITABLE, "account", violations)
    require(violations)
    wanted = replace(draft_of(account), **{n: getattr(draft, n) for n in names})
    if account.tier == Tier.DORMANT and "tier" not in names:
        wanted = replace(wanted, tier="")  # the dormancy check's tier is not the user's
    clean = _clean(wanted)
    if "tier" not in names:
        clean["tier"] = account.tier
    changed = [n for n in (*EDITABLE, "name_key") if n in clean and clean[n] != getattr(account, n)]
    if not changed:
        return account
    events: list[tuple[str, dict[str, Any]]] = [
        (
            "AccountUpdated",
            {
                "account_id": account.id,
                "changed_fields": [c for c in changed if c != "name_key"],
                "owner_id": clean["owner_id"],
                "previous_owner_id": account.owner_id if "owner_id" in changed else "",
                "updated_by": by,
            },
        )
    ]
    extra: dict[str, Any] = {}
    if "tier" in changed:
        events.append(tier_changed(account, clean["tier"], "manual", by))
        extra = {"tier_reason": "manual" if clean["tier"] else "", "dormant_from_tier": ""}
    return revise(account, AGGREGATE, now, events, **{n: clean[n] for n in changed}, **extra)


def tier_changed(
    account: Account, to_tier: str, reason: str, by: str
) -> tuple[str, dict[str, Any]]:
    return (
        "AccountTierChanged",
        {
            "account_id": account.id,
            "name": account.name,
            "owner_id": account.owner_id,
            "from_tier": account.tier,
            "to_tier": to_tier,
            "reason": reason,
            "changed_by": by,
        },
    )


def dedup_keys(account: Account) -> dict[str, str]:
    """What two accounts of one tenant may not share: matched-on -> key."""
    keys = {"name": account.name_key}
    if account.unified_social_credit_code:
        keys["credit_code"] = account.unified_social_credit_code
    return keys


@dataclass(frozen=True)
class DuplicateMatch:
    account_id: str
    name: str
    owner_id: str
    matched_on: str  # name or credit_code


def duplicates_of(
    keys: dict[str, str], candidates: list[Account], exclude: str = ""
) -> list[DuplicateMatch]:
    """The candidates sharing a key, each once per key it shares."""
    found = []
    for candidate in candidates:
        if candidate.id == exclude:
            continue
        theirs = dedup_keys(candidate)
        found += [
            DuplicateMatch(candidate.id, candidate.name, candidate.owner_id, on)
            for on, key in keys.items()
            if key and theirs.get(on) == key
        ]
    return found


def check_keys(name: str, code: str) -> dict[str, str]:
    """Keys to look up for a duplicate check of a name and a code (not yet an account);
    a malformed code is a 422 rather than a silent "no duplicates"."""
    keys = {}
    if name.strip():
        keys["name"] = name_key(name)
    normal = normalise_code(code)
    if normal:
        problem = code_problem(normal)
        require([FieldViolation("unified_social_credit_code", problem)] if problem else [])
        keys["credit_code"] = normal
    return {k: v for k, v in keys.items() if v}


def key_moves(
    keys: dict[str, str], released: dict[str, str]
) -> tuple[list[str], list[tuple[str, str]]]:
    """The dedup keys ("name:<key>") an account lets go of and the ones it takes, each
    with what it matches on, when its keys move from `released` to `keys`."""
    dropped = [f"{on}:{key}" for on, key in released.items() if keys.get(on) != key]
    taken = [(on, f"{on}:{key}") for on, key in keys.items() if released.get(on) != key]
    return dropped, taken


def key_taken(matched_on: str) -> AlreadyExists:
    """Another account holds this dedup key."""
    return AlreadyExists(f"an account with this {matched_on.replace('_', ' ')} already exists")
