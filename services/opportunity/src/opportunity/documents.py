"""The money and custom-field forms every document of the service shares. Plain
mapping, no I/O: only store modules use it."""

from __future__ import annotations

from crm_runtime.storage.mongo import Doc
from crm_runtime.storage.repository import decimal128

from opportunity.domain.fields import CustomField, CustomKind
from opportunity.domain.money import Money


def money_to_doc(money: Money | None) -> Doc | None:
    if money is None:
        return None
    return {"amount": decimal128(money.amount), "currency": money.currency}


def money_from_doc(doc: Doc | None) -> Money | None:
    if not doc:
        return None
    return Money(doc["amount"].to_decimal(), doc["currency"])


def customs_to_doc(values: tuple[CustomField, ...]) -> list[Doc]:
    return [{"key": f.key, "kind": f.kind.value, "value": f.value} for f in values]


def customs_from_doc(values: list[Doc]) -> tuple[CustomField, ...]:
    return tuple(CustomField(v["key"], CustomKind(v["kind"]), v["value"]) for v in values)
