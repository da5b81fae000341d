"""Quote versions as MongoDB documents and back: one document per version (`_id` is
"<quote id>:<version>", `quote_id` is shared), money and percentages as Decimal128 so
they come back exactly as computed. Plain mapping, no I/O."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from crm_runtime.storage.mongo import Doc
from crm_runtime.storage.repository import decimal128

from opportunity.quotes.domain.content import QuoteContent, QuoteLine
from opportunity.quotes.domain.numbers import LineAmounts, QuoteTotals
from opportunity.quotes.domain.quote import Quote, QuoteParties, QuoteStatus

_LINE_TEXT = ("product_code", "description", "unit")
_LINE_NUMBERS = ("quantity", "unit_price", "discount_percent", "tax_percent")
_AMOUNTS = ("list_amount", "discount_amount", "net_amount", "tax_amount", "total")
_TOTALS = ("list_total", "discount_total", "net_total", "tax_total", "total", "discount_percent")
_PLAIN = (
    "number",
    "version",
    "approval_id",
    "issue_requested_by",
    "issued_by",
    "issued_at",
    "rejection_reason",
    "created_by",
    "created_at",
    "updated_at",
    "revision",
)


def version_key(quote_id: str, version: int) -> str:
    return f"{quote_id}:{version}"


def _decimal(value: Any) -> Decimal:
    return value.to_decimal() if hasattr(value, "to_decimal") else Decimal(value)


def line_to_doc(line: QuoteLine) -> Doc:
    doc: Doc = {"line_no": line.line_no}
    doc.update({name: getattr(line, name) for name in _LINE_TEXT})
    doc.update({name: decimal128(getattr(line, name)) for name in _LINE_NUMBERS})
    doc.update({name: decimal128(getattr(line.amounts, name)) for name in _AMOUNTS})
    return doc


def line_from_doc(doc: Doc) -> QuoteLine:
    return QuoteLine(
        line_no=doc["line_no"],
        product_code=doc["product_code"],
        description=doc["description"],
        quantity=_decimal(doc["quantity"]),
        unit=doc["unit"],
        unit_price=_decimal(doc["unit_price"]),
        discount_percent=_decimal(doc["discount_percent"]),
        tax_percent=_decimal(doc["tax_percent"]),
        amounts=LineAmounts(**{name: _decimal(doc[name]) for name in _AMOUNTS}),
    )


def quote_to_doc(quote: Quote, *, latest: bool) -> Doc:
    """`latest` marks the quote's newest version (the one lists of quotes show)."""
    content = quote.content
    doc: Doc = {
        "_id": version_key(quote.id, quote.version),
        "quote_id": quote.id,
        "status": quote.status.value,
        "latest": latest,
        "opportunity_id": quote.parties.opportunity_id,
        "account_id": quote.parties.account_id,
        "owner_id": quote.parties.owner_id,
        "currency": content.currency,
        "lines": [line_to_doc(line) for line in content.lines],
        "totals": {name: decimal128(getattr(content.totals, name)) for name in _TOTALS},
        "valid_until": content.valid_until.isoformat(),
        "terms": content.terms,
        "notes": content.notes,
    }
    doc.update({name: getattr(quote, name) for name in _PLAIN})
    return doc


def quote_from_doc(doc: Doc) -> Quote:
    content = QuoteContent(
        currency=doc["currency"],
        lines=tuple(line_from_doc(line) for line in doc["lines"]),
        totals=QuoteTotals(**{name: _decimal(doc["totals"][name]) for name in _TOTALS}),
        valid_until=date.fromisoformat(doc["valid_until"]),
        terms=doc["terms"],
        notes=doc["notes"],
    )
    parties = QuoteParties(doc["opportunity_id"], doc["account_id"], doc["owner_id"])
    return Quote(
        id=doc["quote_id"],
        tenant_id=doc["tenant_id"],
        status=QuoteStatus(doc["status"]),
        parties=parties,
        content=content,
        **{name: doc[name] for name in _PLAIN if name in doc},
    )
