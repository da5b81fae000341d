"""What a draft is made from, as the opportunity service answers it (read over gRPC by
the api process): the deal, its issued quote, the account and a contact. The rules on
them: a deal that is won or in the contract-signing stage, a quote of that deal that was
issued, lines copied exactly whose sums are the quote's totals. Pure Python."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from crm_runtime.errors import FailedPrecondition, FieldViolation, ValidationFailed

from contract.contracts.domain.contract import Party
from contract.contracts.domain.lines import Line, totals

SIGNING_STAGE = "contract_signing"


@dataclass(frozen=True)
class DealSnapshot:
    id: str
    name: str
    status: str  # open, won, lost
    stage: str
    account_id: str
    primary_contact_id: str
    owner_id: str
    team_id: str
    won_quote_id: str


@dataclass(frozen=True)
class QuoteSnapshot:
    id: str
    version: int
    number: str
    status: str  # draft, pending_approval, issued, superseded, rejected, expired
    opportunity_id: str
    currency: str
    lines: tuple[Line, ...]
    net_total: Decimal
    tax_total: Decimal
    total: Decimal


@dataclass(frozen=True)
class AccountSnapshot:
    id: str
    name: str
    address: str
    credit_code: str
    owner_id: str
    team_id: str


@dataclass(frozen=True)
class ContactSnapshot:
    id: str
    name: str
    phone: str


def check_deal(deal: DealSnapshot) -> None:
    if deal.status != "won" and not (deal.status == "open" and deal.stage == SIGNING_STAGE):
        raise FailedPrecondition(
            f"opportunity {deal.id} is {deal.status} in stage {deal.stage}: a contract is "
            f"drafted from a won deal or one in the {SIGNING_STAGE} stage"
        )


def check_quote(quote: QuoteSnapshot, deal: DealSnapshot) -> tuple[Line, ...]:
    """The quote's lines, copied exactly, once the quote is this deal's issued quote and
    its lines add up to its totals."""
    if quote.opportunity_id != deal.id:
        raise ValidationFailed(
            [FieldViolation("quote_id", f"is not a quote of opportunity {deal.id}")]
        )
    if quote.status != "issued":
        raise FailedPrecondition(
            f"quote {quote.number} version {quote.version} is {quote.status}: only an issued quote becomes a contract"
        )
    sums = totals(quote.lines)
    if (sums.net_total, sums.tax_total, sums.value) != (
        quote.net_total,
        quote.tax_total,
        quote.total,
    ):
        raise FailedPrecondition(
            f"quote {quote.number}: its lines add up to {sums.value}, not its total {quote.total}"
        )
    return quote.lines


def customer(account: AccountSnapshot, contact: ContactSnapshot | None) -> Party:
    return Party(
        role="customer",
        name=account.name,
        account_id=account.id,
        contact_id=contact.id if contact else "",
        contact_name=contact.name if contact else "",
        contact_phone=contact.phone if contact else "",
        address=account.address,
        credit_code=account.credit_code,
    )
