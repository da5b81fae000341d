"""Lead conversion (线索转化): what a qualified lead becomes (an account, or an existing
one it attaches to, a contact and an opportunity, all linked to the lead) and what a
repeated or concurrent request meets. Pure Python; ADR 17 says how the app carries a
plan out. Violations name the request's fields: `account.name`, `opportunity.amount`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import TypeVar

from crm_runtime.errors import FailedPrecondition, FieldViolation, ValidationFailed

from opportunity.domain.account import AccountDraft, DuplicateMatch
from opportunity.domain.contact import ContactDraft, ContactRole
from opportunity.domain.fields import CustomField
from opportunity.domain.money import Money, money_problems

QUALIFIED, CONVERTED = "qualified", "converted"
MAX_OPPORTUNITY_NAME = 200
NAME_SEPARATOR = " – "
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class LeadSnapshot:
    """What conversion uses of crm.lead.v1.Lead; `status` is its code ("qualified")."""

    id: str
    status: str
    name: str
    source: str
    owner_id: str = ""
    company: str = ""
    phone: str = ""  # E.164, as the lead service stores it
    email: str = ""
    region: str = ""
    industry: str = ""
    product_line: str = ""
    tags: tuple[str, ...] = ()
    notes: str = ""
    custom_fields: tuple[CustomField, ...] = ()
    merged_into: str = ""
    account_id: str = ""  # the links a converted lead carries
    contact_id: str = ""
    opportunity_id: str = ""


@dataclass(frozen=True)
class OpportunityFields:
    """crm.opportunity.v1.OpportunityInput: as overrides, empty means "from the lead"; in
    a plan, an empty pipeline_id means the tenant's default pipeline, whose first open
    stage the deal starts in."""

    name: str = ""
    account_id: str = ""  # made by the conversion: an override may repeat it, not change it
    primary_contact_id: str = ""  # likewise
    owner_id: str = ""
    pipeline_id: str = ""
    amount: Money | None = None
    expected_close_date: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    custom_fields: tuple[CustomField, ...] = ()
    source: str = ""  # the lead's channel, for conversion by source; never another


D = TypeVar("D", AccountDraft, ContactDraft, OpportunityFields)


@dataclass(frozen=True)
class Overrides:
    account: AccountDraft = field(default_factory=AccountDraft)
    contact: ContactDraft = field(default_factory=ContactDraft)
    opportunity: OpportunityFields = field(default_factory=OpportunityFields)


@dataclass(frozen=True)
class NewIds:
    """Ids the app makes before planning, so that the plan and its pending record name
    exactly the records a retry or the recovery will write."""

    account_id: str  # unused when the lead attaches to an existing account
    contact_id: str
    opportunity_id: str


@dataclass(frozen=True)
class ExistingAccount:
    id: str
    name: str
    owner_id: str
    why: str = "requested"  # or "duplicate credit_code", "duplicate name"


@dataclass(frozen=True)
class ConversionPlan:
    lead_id: str
    source: str  # the lead's channel: AccountCreated/ContactAdded/OpportunityCreated carry it
    account_id: str  # the new account's id, or the existing one's
    account: AccountDraft | None  # None: attach to `attached_to`
    attached_to: ExistingAccount | None
    contact_id: str
    contact: ContactDraft
    opportunity_id: str
    opportunity: OpportunityFields

    @property
    def account_created(self) -> bool:
        return self.account is not None


@dataclass(frozen=True)
class AlreadyConverted:
    """The lead is converted already; the app answers from the stored conversion record
    (same idempotency key) or with 409 naming the account (another key)."""

    lead_id: str
    account_id: str
    contact_id: str
    opportunity_id: str

    def conflict(self) -> FailedPrecondition:
        return FailedPrecondition(
            f"lead {self.lead_id} was already converted into account {self.account_id} "
            f"and opportunity {self.opportunity_id}"
        )


def plan_conversion(
    lead: LeadSnapshot,
    *,
    ids: NewIds,
    converted_by: str,
    overrides: Overrides | None = None,
    requested_account: ExistingAccount | None = None,
    duplicates: Sequence[DuplicateMatch] = (),
) -> ConversionPlan | AlreadyConverted:
    """What converting `lead` makes, or AlreadyConverted.

    `requested_account` is the account the request's account_id names (the app loaded it
    and checked the caller sees it); otherwise `duplicates` are the accounts found for
    `duplicate_check(lead, overrides)`: one match on the credit code, or else one on the
    name, is attached to; several are ambiguous and the caller must choose. FailedPrecondition (409) unless the lead is
    qualified; ValidationFailed naming every bad override.
    """
    if lead.status == CONVERTED:
        return AlreadyConverted(lead.id, lead.account_id, lead.contact_id, lead.opportunity_id)
    if lead.merged_into:
        raise FailedPrecondition(
            f"cannot convert lead {lead.id}: it was merged into {lead.merged_into}"
        )
    if lead.status != QUALIFIED:
        raise FailedPrecondition(
            f"cannot convert lead {lead.id}: it is {lead.status or 'of no status'}; "
            "only a qualified lead converts"
        )
    overrides = overrides or Overrides()
    violations: list[FieldViolation] = []
    attach = _account_to_attach(lead, requested_account, duplicates, overrides, violations)
    account_id = attach.id if attach else ids.account_id
    owner = overrides.opportunity.owner_id or lead.owner_id or converted_by
    account = None if attach else _account(lead, overrides.account, owner)
    contact = _contact(lead, overrides.contact, account_id, ids.contact_id, attach, violations)
    made = OpportunityFields(
        name=default_opportunity_name(lead),
        account_id=account_id,
        primary_contact_id=ids.contact_id,
        owner_id=owner,
        source=lead.source,
    )
    opportunity = _opportunity(lead, overrides.opportunity, made, violations)
    if violations:
        raise ValidationFailed(violations)
    return ConversionPlan(
        lead_id=lead.id,
        source=lead.source,
        account_id=account_id,
        account=account,
        attached_to=attach,
        contact_id=ids.contact_id,
        contact=contact,
        opportunity_id=ids.opportunity_id,
        opportunity=opportunity,
    )


def _given(draft: AccountDraft | ContactDraft | OpportunityFields) -> list[str]:
    """Names of the fields a draft sets (not empty, not False, not None)."""
    return [f.name for f in fields(draft) if getattr(draft, f.name)]


def duplicate_check(lead: LeadSnapshot, overrides: Overrides | None = None) -> tuple[str, str]:
    """The (name, credit code) the app checks for existing accounts before planning. A
    person's name is no company's: a lead without a company is never matched by name,
    or every 张伟 would land on the first 张伟's account."""
    given = (overrides or Overrides()).account
    return given.name.strip() or lead.company.strip(), given.unified_social_credit_code.strip()


def _account_to_attach(
    lead: LeadSnapshot,
    requested: ExistingAccount | None,
    duplicates: Sequence[DuplicateMatch],
    overrides: Overrides,
    violations: list[FieldViolation],
) -> ExistingAccount | None:
    by_name = bool(duplicate_check(lead, overrides)[0])
    found = requested or _pick(duplicates, violations, by_name=by_name)
    if found and _given(overrides.account):
        rule = f"must be empty: the lead attaches to account {found.id} ({found.name}, {found.why})"
        violations.append(FieldViolation("account", rule))
    return found


def _pick(
    duplicates: Sequence[DuplicateMatch], violations: list[FieldViolation], *, by_name: bool
) -> ExistingAccount | None:
    for matched_on in ("credit_code", "name") if by_name else ("credit_code",):
        ids = dict.fromkeys(d.account_id for d in duplicates if d.matched_on == matched_on)
        if len(ids) == 1:
            hit = next(d for d in duplicates if d.matched_on == matched_on)
            return ExistingAccount(
                hit.account_id, hit.name, hit.owner_id, f"duplicate {matched_on}"
            )
        if len(ids) > 1:
            listed = ", ".join(ids)
            violations.append(
                FieldViolation(
                    "account_id",
                    f"several existing accounts match on {matched_on} ({listed}): "
                    "choose the one to attach to",
                )
            )
            return None
    return None


def _account(lead: LeadSnapshot, given: AccountDraft, owner: str) -> AccountDraft:
    """A company's account from the lead's company; a person's (个人客户) from their name,
    with their phone."""
    individual = not lead.company.strip()
    from_lead = AccountDraft(
        name=lead.name if individual else lead.company,
        industry=lead.industry,
        region=lead.region,
        phone=lead.phone if individual else "",
        owner_id=owner,
        tags=lead.tags,
    )
    return _merged(from_lead, given)


def _contact(
    lead: LeadSnapshot,
    given: ContactDraft,
    account_id: str,
    contact_id: str,
    attach: ExistingAccount | None,
    violations: list[FieldViolation],
) -> ContactDraft:
    """The lead's person. The role stays unspecified unless given: a form-filler is not
    necessarily the decision maker, and the relationship map should say one is missing.
    Primary on a new account; on an existing one only when asked."""
    _set_by_conversion("contact", {"account_id": (given.account_id, account_id)}, violations)
    roles = [r.value for r in ContactRole]
    if given.role and given.role not in roles:
        violations.append(FieldViolation("contact.role", f"must be one of {', '.join(roles)}"))
    from_lead = ContactDraft(
        account_id=account_id,
        name=lead.name,
        phone=lead.phone,
        email=lead.email,
        primary=attach is None,
    )
    return _merged(from_lead, replace(given, account_id=""))


def _opportunity(
    lead: LeadSnapshot,
    given: OpportunityFields,
    made: OpportunityFields,
    violations: list[FieldViolation],
) -> OpportunityFields:
    fixed = ("account_id", "primary_contact_id", "source")
    _set_by_conversion(
        "opportunity", {n: (getattr(given, n), getattr(made, n)) for n in fixed}, violations
    )
    if given.amount is not None:
        violations += money_problems("opportunity.amount", given.amount)
    close = given.expected_close_date.strip()
    if close and not _is_date(close):
        violations.append(
            FieldViolation("opportunity.expected_close_date", "must be a date YYYY-MM-DD")
        )
    if len(given.name.strip()) > MAX_OPPORTUNITY_NAME:
        rule = f"must be at most {MAX_OPPORTUNITY_NAME} characters"
        violations.append(FieldViolation("opportunity.name", rule))
    from_lead = replace(
        made, description=lead.notes, tags=lead.tags, custom_fields=lead.custom_fields
    )
    return _merged(from_lead, replace(given, **{n: getattr(made, n) for n in fixed}))


def _set_by_conversion(
    prefix: str, values: dict[str, tuple[str, str]], violations: list[FieldViolation]
) -> None:
    """Links the conversion makes itself: an override may repeat them, not change them."""
    for name, (given, made) in values.items():
        if given and given != made:
            rule = f"is set by the conversion ({made})"
            violations.append(FieldViolation(f"{prefix}.{name}", rule))


def default_opportunity_name(lead: LeadSnapshot) -> str:
    """ "<company> – <product line>" (the person's name for an individual); just the
    company, cut to fit, when both would be too long."""
    who = lead.company.strip() or lead.name.strip()
    what = lead.product_line.strip()
    name = f"{who}{NAME_SEPARATOR}{what}" if what else who
    return name if len(name) <= MAX_OPPORTUNITY_NAME else who[:MAX_OPPORTUNITY_NAME]


def _is_date(text: str) -> bool:
    try:
        return bool(_DATE.fullmatch(text) and date.fromisoformat(text))
    except ValueError:
        return False


def _merged(from_lead: D, given: D) -> D:
    """`from_lead` with every field `given` sets taken from `given`."""
    return replace(from_lead, **{name: getattr(given, name) for name in _given(given)})


def already_converted(plan: ConversionPlan) -> AlreadyConverted:
    return AlreadyConverted(plan.lead_id, plan.account_id, plan.contact_id, plan.opportunity_id)


def nested(prefix: str, error: ValidationFailed) -> list[FieldViolation]:
    """An aggregate's violations named as fields of the request (`name` -> `account.name`),
    for the app to report the account's, contact's and opportunity's rules at once."""
    return [FieldViolation(f"{prefix}.{v.field}", v.description) for v in error.violations]
