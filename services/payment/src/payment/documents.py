"""What the areas' documents share: money as Decimal128 with its currency (no I/O)."""

from __future__ import annotations

from bson.decimal128 import Decimal128
from crm_runtime.storage.mongo import Doc
from crm_runtime.storage.repository import decimal128

from payment.domain.money import Money


def money_to_doc(money: Money) -> Doc:
    return {"amount": decimal128(money.amount), "currency": money.currency}


def money_from_doc(doc: Doc) -> Money:
    amount = doc["amount"]
    return Money(amount.to_decimal() if isinstance(amount, Decimal128) else amount, doc["currency"])
