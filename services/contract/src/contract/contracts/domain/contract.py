"""A contract (合同) while it is drafted: number, parties, lines, totals, instalments,
clauses copied from one template version, merge-field values, and its versions: every
saved change of a draft is the next version, kept whole and readable. Pure Python."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from crm_runtime.errors import FailedPrecondition, FieldViolation, ValidationFailed
from crm_runtime.messaging.events import DomainEvent
from crm_runtime.principal import Principal

from contract.contracts.domain import instalments
from contract.contracts.domain.approval import Step
from contract.contracts.domain.instalments import Instalment
from contract.contracts.domain.lines import Line, Totals, totals
from contract.domain.money import money_payload, text

NUMBER_PREFIX = "HT"
STATUSES = (
    "draft",
    "pending_approval",
    "rejected",
    "approved",
    "signed",
    "terminated",
    "cancelled",
)
EDITABLE = ("draft", "rejected")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EDITABLE_FIELDS = (
    "title",
    "lines",
    "payment_terms",
    "start_date",
    "end_date",
    "field_values",
    "clauses",
)


def format_number(year: int, sequence: int) -> str:
    """'HT-2026-000123': the year of drafting and the tenant's counter of that year."""
    if not 1000 <= year <= 9999 or sequence < 1:
        raise ValueError(f"no contract number for year {year}, sequence {sequence}")
    return f"{NUMBER_PREFIX}-{year}-{sequence:06d}"


def sequence_name(year: int) -> str:
    return f"contract-number:{year}"


@dataclass(frozen=True)
class Party:
    role: str  # customer, supplier
    name: str
    account_id: str = ""
    contact_id: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    address: str = ""
    credit_code: str = ""


@dataclass(frozen=True)
class ContractClause:
    key: str
    title: str
    text: str
    standard: bool
    original: str  # the template version's text

    @property
    def edited(self) -> bool:
        return self.text != self.original


@dataclass(frozen=True)
class Signatory:
    party: str  # customer, supplier
    name: str
    title: str = ""


@dataclass(frozen=True)
class Signature:
    method: str  # manual
    signatories: tuple[Signatory, ...]
    signed_date: date
    file_sha256: str
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class Content:
    """What a saved change of a draft may change (and what a version freezes)."""

    title: str
    lines: tuple[Line, ...]
    payment_terms: tuple[Instalment, ...]
    clauses: tuple[ContractClause, ...]
    field_values: tuple[tuple[str, str], ...] = ()
    start_date: date | None = None
    end_date: date | None = None


@dataclass(frozen=True)
class Origin:
    """Where the draft came from: the deal, its quote, the template version."""

    opportunity_id: str
    quote_id: str
    quote_version: int
    quote_number: str
    template_id: str
    template_version: int
    template_code: str
    kind: str


@dataclass(frozen=True)
class Contract:
    id: str
    tenant_id: str
    number: str
    status: str
    currency: str
    content: Content
    totals: Totals
    parties: tuple[Party, ...]
    origin: Origin
    account_id: str
    account_name: str
    owner_id: str
    team_id: str
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    version: int = 1
    document_version: int = 1
    steps: tuple[Step, ...] = ()  # the approval chain of the current submission
    submitted_by: str = ""
    signature: Signature | None = None
    effective_date: date | None = None
    termination_reason: str = ""
    events: tuple[DomainEvent, ...] = field(default=(), compare=False)

    @property
    def label(self) -> str:
        return f"contract {self.number or self.id}"

    def visible_to(self, principal: Principal) -> bool:
        """The data scope: all, the team's (and one's own), or one's own (owned)."""
        if principal.scope == "all" or principal.user_id == self.owner_id:
            return True
        return (
            principal.scope == "team" and bool(self.team_id) and self.team_id == principal.team_id
        )


def content_problems(content: Content, value: Decimal, currency: str) -> list[FieldViolation]:
    found: list[FieldViolation] = []
    if not content.title.strip() or len(content.title) > 200:
        found.append(FieldViolation("title", "is required, at most 200 characters"))
    if content.start_date and content.end_date and content.end_date < content.start_date:
        found.append(FieldViolation("end_date", "must not be before start_date"))
    found += instalments.problems(content.payment_terms, value, currency)
    return found


def check(content: Content, currency: str) -> tuple[Content, Totals]:
    """The content with its instalments resolved, and its totals; ValidationFailed
    naming every bad field."""
    sums = totals(content.lines)
    found = content_problems(content, sums.value, currency)
    if found:
        raise ValidationFailed(found)
    terms = instalments.resolved(content.payment_terms, sums.value, currency)
    return replace(content, payment_terms=terms), sums


def draft(
    *,
    contract_id: str,
    tenant_id: str,
    number: str,
    currency: str,
    content: Content,
    parties: tuple[Party, ...],
    origin: Origin,
    account_id: str,
    account_name: str,
    owner_id: str,
    team_id: str,
    by: str,
    now: datetime,
) -> Contract:
    content, sums = check(content, currency)
    contract = Contract(
        contract_id,
        tenant_id,
        number,
        "draft",
        currency,
        content,
        sums,
        parties,
        origin,
        account_id,
        account_name,
        owner_id,
        team_id,
        by,
        now,
        by,
        now,
    )
    payload = {
        "contract_id": contract.id,
        "number": number,
        "document_version": 1,
        "title": content.title,
        "opportunity_id": origin.opportunity_id,
        "quote_id": origin.quote_id,
        "quote_version": str(origin.quote_version),
        "template_id": origin.template_id,
        "account_id": account_id,
        "account_name": account_name,
        "owner_id": owner_id,
        "team_id": team_id,
        "value": money_payload(sums.value, currency),
        "drafted_by": by,
        "version": "1",
        "template_version": str(origin.template_version),
        "currency": currency,
    }
    return with_event(contract, "ContractDrafted", payload, now)


def changed_fields(before: Content, after: Content) -> list[str]:
    return [name for name in EDITABLE_FIELDS if getattr(before, name) != getattr(after, name)]


def save_change(contract: Contract, content: Content, by: str, now: datetime) -> Contract:
    """The next version of a draft with `content`; nothing changed is no new version."""
    if contract.status not in EDITABLE:
        raise FailedPrecondition(
            f"{contract.label} is {contract.status}: only a draft or a rejected contract is edited"
        )
    content, sums = check(content, contract.currency)
    changed = changed_fields(contract.content, content)
    if not changed:
        return contract
    saved = replace(
        contract,
        content=content,
        totals=sums,
        version=contract.version + 1,
        updated_by=by,
        updated_at=now,
        events=(),
    )
    payload = {
        "contract_id": saved.id,
        "number": saved.number,
        "version": str(saved.version),
        "changed_fields": changed,
        "value": money_payload(sums.value, saved.currency),
        "saved_by": by,
    }
    return with_event(saved, "ContractVersionSaved", payload, now)


def edited_clauses(
    clauses: tuple[ContractClause, ...], texts: dict[str, str]
) -> tuple[ContractClause, ...]:
    """The clauses with new text by key; a key the contract does not have is refused."""
    unknown = [k for k in texts if k not in {c.key for c in clauses}]
    if unknown:
        raise ValidationFailed(
            [
                FieldViolation(f"clauses.{k}", "the contract has no clause with this key")
                for k in unknown
            ]
        )
    out = []
    for c in clauses:
        new = texts.get(c.key, c.text)
        if not new.strip():
            raise ValidationFailed([FieldViolation(f"clauses.{c.key}.text", "is required")])
        out.append(replace(c, text=new))
    return tuple(out)


def parse_date(value: str, name: str) -> date | None:
    if not value:
        return None
    try:
        if not DATE.match(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed([FieldViolation(name, "must be a date YYYY-MM-DD")]) from exc


def with_event(
    contract: Contract, event_type: str, payload: dict[str, Any], now: datetime
) -> Contract:
    event = DomainEvent(
        event_type=event_type,
        tenant_id=contract.tenant_id,
        aggregate_type="contract",
        aggregate_id=contract.id,
        aggregate_version=contract.version,
        occurred_at=now,
        payload=payload,
    )
    return replace(contract, events=(*contract.events, event))


def value_text(contract: Contract) -> str:
    return text(contract.totals.value)
