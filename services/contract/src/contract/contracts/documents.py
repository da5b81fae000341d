"""Contracts as stored: the current version in `contracts`, and every saved version,
frozen, in `contract_versions` (`_id` = "<contract id>:<version>"). Amounts are
Decimal128; dates "YYYY-MM-DD" text (which sorts as the dates do); `search_tokens` holds
the 1- and 2-character pieces of the number, title and parties' names, which serve
Chinese text as well as Latin (ARCHITECTURE.md: no $text on the embedded store)."""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Any

from crm_runtime.storage.repository import decimal128

from contract.contracts.domain.approval import Rule, Step
from contract.contracts.domain.contract import (
    Content,
    Contract,
    ContractClause,
    Origin,
    Party,
    Signatory,
    Signature,
)
from contract.contracts.domain.instalments import Instalment
from contract.contracts.domain.lifecycle import expires_at
from contract.contracts.domain.lines import Line, Totals

Doc = dict[str, Any]
_SPACE = re.compile(r"\s+")
LINE_AMOUNTS = (
    "quantity",
    "unit_price",
    "discount_percent",
    "tax_percent",
    "net_amount",
    "tax_amount",
    "total",
    "list_amount",
)


def version_key(contract_id: str, version: int) -> str:
    return f"{contract_id}:{version}"


def dec(value: Decimal) -> Any:
    return decimal128(value)


def undec(value: Any) -> Decimal:
    to_decimal = getattr(value, "to_decimal", None)
    return Decimal(to_decimal() if to_decimal else value)


def tokens(*texts: str) -> list[str]:
    """Every 1- and 2-character piece of the texts, lower-cased, without spaces."""
    found: set[str] = set()
    for text in texts:
        flat = _SPACE.sub("", text.lower())
        found.update(flat)
        found.update(flat[i : i + 2] for i in range(len(flat) - 1))
    return sorted(found)


def query_tokens(text: str) -> list[str]:
    flat = _SPACE.sub("", text.lower())
    return [flat] if len(flat) < 2 else sorted({flat[i : i + 2] for i in range(len(flat) - 1)})


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def contract_to_doc(c: Contract) -> Doc:
    content = c.content
    return {
        "_id": c.id,
        "number": c.number,
        "status": c.status,
        "currency": c.currency,
        "title": content.title,
        "lines": [
            {**asdict(x), **{k: dec(getattr(x, k)) for k in LINE_AMOUNTS}} for x in content.lines
        ],
        "payment_terms": [
            {
                **asdict(t),
                "percent": None if t.percent is None else dec(t.percent),
                "amount": None if t.amount is None else dec(t.amount),
            }
            for t in content.payment_terms
        ],
        "clauses": [asdict(x) for x in content.clauses],
        "field_values": [list(kv) for kv in content.field_values],
        "start_date": _day(content.start_date),
        "end_date": _day(content.end_date),
        "net_total": dec(c.totals.net_total),
        "tax_total": dec(c.totals.tax_total),
        "value": dec(c.totals.value),
        "discount_percent": dec(c.totals.discount_percent),
        "parties": [asdict(p) for p in c.parties],
        **asdict(c.origin),
        "account_id": c.account_id,
        "account_name": c.account_name,
        "owner_id": c.owner_id,
        "team_id": c.team_id,
        "created_by": c.created_by,
        "created_at": c.created_at,
        "updated_by": c.updated_by,
        "updated_at": c.updated_at,
        "version": c.version,
        "document_version": c.document_version,
        "steps": [asdict(x) for x in c.steps],
        "submitted_by": c.submitted_by,
        "signature": _signature_doc(c.signature),
        "effective_date": _day(c.effective_date),
        "signed_date": _day(c.signature.signed_date) if c.signature else "",
        "pending_role": next((s.role for s in c.steps if s.status == "pending"), ""),
        "expire_due_at": expires_at(c),
        "termination_reason": c.termination_reason,
        "search_tokens": tokens(c.number, content.title, *(p.name for p in c.parties)),
    }


def _signature_doc(sig: Signature | None) -> Doc | None:
    if sig is None:
        return None
    return {**asdict(sig), "signed_date": sig.signed_date.isoformat()}


def _signature(d: Doc | None) -> Signature | None:
    if d is None:
        return None
    return Signature(
        method=d["method"],
        signatories=tuple(Signatory(**x) for x in d["signatories"]),
        signed_date=date.fromisoformat(d["signed_date"]),
        file_sha256=d["file_sha256"],
        recorded_by=d["recorded_by"],
        recorded_at=d["recorded_at"],
    )


def version_to_doc(c: Contract) -> Doc:
    doc = contract_to_doc(c)
    del doc["search_tokens"]
    return {**doc, "_id": version_key(c.id, c.version), "contract_id": c.id}


def _date(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def contract_from_doc(d: Doc) -> Contract:
    content = Content(
        title=d["title"],
        lines=tuple(Line(**{**x, **{k: undec(x[k]) for k in LINE_AMOUNTS}}) for x in d["lines"]),
        payment_terms=tuple(
            Instalment(
                **{
                    **t,
                    "percent": None if t["percent"] is None else undec(t["percent"]),
                    "amount": None if t["amount"] is None else undec(t["amount"]),
                }
            )
            for t in d["payment_terms"]
        ),
        clauses=tuple(ContractClause(**x) for x in d["clauses"]),
        field_values=tuple((k, v) for k, v in d["field_values"]),
        start_date=_date(d["start_date"]),
        end_date=_date(d["end_date"]),
    )
    origin = Origin(**{k: d[k] for k in Origin.__dataclass_fields__})
    return Contract(
        id=str(d.get("contract_id", d["_id"])),
        tenant_id=d["tenant_id"],
        number=d["number"],
        status=d["status"],
        currency=d["currency"],
        content=content,
        totals=Totals(
            undec(d["net_total"]),
            undec(d["tax_total"]),
            undec(d["value"]),
            undec(d["discount_percent"]),
        ),
        parties=tuple(Party(**p) for p in d["parties"]),
        origin=origin,
        account_id=d["account_id"],
        account_name=d["account_name"],
        owner_id=d["owner_id"],
        team_id=d["team_id"],
        created_by=d["created_by"],
        created_at=d["created_at"],
        updated_by=d["updated_by"],
        updated_at=d["updated_at"],
        version=int(d["version"]),
        document_version=int(d["document_version"]),
        steps=tuple(Step(**x) for x in d.get("steps", [])),
        submitted_by=d.get("submitted_by", ""),
        signature=_signature(d.get("signature")),
        effective_date=_date(d.get("effective_date", "")),
        termination_reason=d.get("termination_reason", ""),
    )


def rule_to_doc(r: Rule) -> Doc:
    return {
        **asdict(r),
        "min_value": None if r.min_value is None else dec(r.min_value),
        "min_line_discount": None if r.min_line_discount is None else dec(r.min_line_discount),
    }


def rule_from_doc(d: Doc) -> Rule:
    return Rule(
        **{
            **d,
            "min_value": None if d["min_value"] is None else undec(d["min_value"]),
            "min_line_discount": None
            if d["min_line_discount"] is None
            else undec(d["min_line_discount"]),
        }
    )
