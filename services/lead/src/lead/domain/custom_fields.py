"""Custom lead fields a tenant defines (text, number, date, choice), and the rules every
value written to a lead passes. Pure: the app hands in the tenant's definitions.

A value arrives either as text (what forms and spreadsheets send: parsed by the field's
type) or already typed (a number, a date). It is stored typed: text and choices as
strings, numbers as Decimal (at most 15 significant digits, so that JSON clients read
them exactly), dates as dates.

Definitions are never deleted: a field left out of a replacement is *retired*. Leads
keep its values (they are the company's data) and it takes no new ones; its key keeps
its type for good, so a stored value never changes meaning.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from crm_runtime.errors import FieldViolation, require

KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Built-in lead fields (and what a form or an import could confuse with them): a custom
# key never shadows one, so a form or a CSV can name both kinds of field side by side.
RESERVED = frozenset(
    {
        "id",
        "tenant_id",
        "name",
        "company",
        "phone",
        "email",
        "source",
        "channel_detail",
        "owner_id",
        "region",
        "industry",
        "product_line",
        "tags",
        "notes",
        "custom_fields",
        "status",
        "score",
        "created_at",
        "updated_at",
        "created_by",
        "version",
    }
)
MAX_ACTIVE = 50
MAX_KEPT = 200  # active and retired together
MAX_CHOICES = 100
MAX_LABEL = 100
MAX_CHOICE_LENGTH = 100
DEFAULT_TEXT_LENGTH = 500
MAX_TEXT_LENGTH = 2000
MAX_DIGITS = 15
MAX_DECIMALS = 9

Value = str | Decimal | date


class FieldType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    CHOICE = "choice"


@dataclass(frozen=True)
class CustomFieldDefinition:
    key: str
    label: str
    type: FieldType
    required: bool = False
    choices: tuple[str, ...] = ()
    max_length: int | None = None  # text; None: DEFAULT_TEXT_LENGTH
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    decimals: int | None = None
    retired: bool = False


@dataclass(frozen=True)
class CustomValue:
    """One custom field's value. On a stored lead `type` is the field's type and `value`
    is typed; coming in, `type` says what the caller sent: TEXT for text to be parsed
    by the field's type, or the type it already has."""

    key: str
    type: FieldType
    value: Value


@dataclass(frozen=True)
class CustomFieldSchema:
    """A tenant's definitions: active ones in display order, then retired ones."""

    definitions: tuple[CustomFieldDefinition, ...] = ()

    def get(self, key: str) -> CustomFieldDefinition | None:
        return next((d for d in self.definitions if d.key == key), None)

    @property
    def active(self) -> tuple[CustomFieldDefinition, ...]:
        return tuple(d for d in self.definitions if not d.retired)

    def position(self, key: str) -> int:
        keys = [d.key for d in self.definitions]
        return keys.index(key) if key in keys else len(keys)


# Values ------------------------------------------------------------------------------


def _shown(key: str) -> str:
    return key if len(key) <= 64 else key[:61] + "..."


def _number(raw: Decimal | str) -> Decimal | None:
    try:
        number = raw if isinstance(raw, Decimal) else Decimal(raw)
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    # Plain notation (5E+4 is 50000) and no negative zero; the scale written is kept.
    return Decimal(format(number, "f")) + 0


def _decimal_places(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _number_problem(defn: CustomFieldDefinition, number: Decimal) -> str:
    if len(number.as_tuple().digits) > MAX_DIGITS:
        return f"must have at most {MAX_DIGITS} significant digits"
    if defn.decimals is not None and _decimal_places(number) > defn.decimals:
        return f"must have at most {defn.decimals} decimal places"
    if defn.min_value is not None and number < defn.min_value:
        return f"must be at least {defn.min_value}"
    if defn.max_value is not None and number > defn.max_value:
        return f"must be at most {defn.max_value}"
    return ""


def _one_of(choices: Sequence[str]) -> str:
    shown = ", ".join(choices[:10])
    return f"must be one of {shown}" + (", ..." if len(choices) > 10 else "")


def parse_value(defn: CustomFieldDefinition, given: CustomValue) -> tuple[Value | None, str]:
    """The typed value for `defn`, None when empty, or a problem in words."""
    if given.type not in (FieldType.TEXT, defn.type):
        return None, f"must be {_article(defn.type)}"
    raw = given.value
    if isinstance(raw, str):
        raw = unicodedata.normalize("NFKC", raw).strip()
        if not raw:
            return None, ""
    match defn.type:
        case FieldType.TEXT | FieldType.CHOICE if not isinstance(raw, str):
            return None, f"must be {_article(defn.type)}"
        case FieldType.TEXT:
            limit = defn.max_length or DEFAULT_TEXT_LENGTH
            assert isinstance(raw, str)
            return (raw, "") if len(raw) <= limit else (None, f"must be at most {limit} characters")
        case FieldType.CHOICE:
            return (raw, "") if raw in defn.choices else (None, _one_of(defn.choices))
        case FieldType.NUMBER:
            number = _number(raw) if isinstance(raw, Decimal | str) else None
            if number is None:
                return None, "must be a number"
            problem = _number_problem(defn, number)
            return (None, problem) if problem else (number, "")
        case FieldType.DATE:
            return _date(raw)
    raise AssertionError(defn.type)  # pragma: no cover


def _date(raw: Value) -> tuple[Value | None, str]:
    if isinstance(raw, date):
        return raw, ""
    if isinstance(raw, str) and DATE.match(raw):
        try:
            return date.fromisoformat(raw), ""
        except ValueError:
            return None, "is not a real date"
    return None, "must be a date as YYYY-MM-DD"


def _article(kind: FieldType) -> str:
    return {"text": "text", "number": "a number", "date": "a date as YYYY-MM-DD"}.get(
        kind.value, "one of the field's choices"
    )


def check_values(
    values: Iterable[CustomValue], schema: CustomFieldSchema, path: str = "custom_fields"
) -> tuple[tuple[CustomValue, ...], list[FieldViolation]]:
    """The typed values to store, in the schema's order, and every broken rule, each
    named `custom_fields.<key>`: unknown or retired key, a key given twice, a value of
    the wrong type or outside the field's rules, a required field left empty."""
    typed: dict[str, CustomValue] = {}
    violations: list[FieldViolation] = []
    seen: set[str] = set()
    for given in values:
        name = f"{path}.{_shown(given.key)}"
        if given.key in seen:
            violations.append(FieldViolation(name, "is given more than once"))
            continue
        seen.add(given.key)
        defn = schema.get(given.key)
        if defn is None:
            violations.append(FieldViolation(name, "is not a custom lead field of this tenant"))
            continue
        if defn.retired:
            violations.append(FieldViolation(name, "was retired and takes no new values"))
            continue
        value, problem = parse_value(defn, given)
        if problem:
            violations.append(FieldViolation(name, problem))
        elif value is not None:
            typed[defn.key] = CustomValue(defn.key, defn.type, value)
    named = {v.field for v in violations}
    for defn in schema.active:
        if defn.required and defn.key not in typed and f"{path}.{defn.key}" not in named:
            violations.append(FieldViolation(f"{path}.{defn.key}", "is required"))
    ordered = sorted(typed.values(), key=lambda v: schema.position(v.key))
    return tuple(ordered), violations


def edit_values(
    current: Sequence[CustomValue], sent: Sequence[CustomValue], schema: CustomFieldSchema
) -> tuple[tuple[CustomValue, ...], list[FieldViolation]]:
    """A lead's values after an edit: the keys sent replace the lead's (an empty value
    clears one), the others stay. Active fields are checked again as a whole, so a
    required field cannot be cleared; values of retired or vanished fields are kept as
    they are, since the lead may keep them but nobody may set them."""
    sent_keys = {v.key for v in sent}

    def live(key: str) -> bool:
        defn = schema.get(key)
        return defn is not None and not defn.retired

    kept = [v for v in current if v.key not in sent_keys]
    checked, violations = check_values([*(v for v in kept if live(v.key)), *sent], schema)
    return (*checked, *(v for v in kept if not live(v.key))), violations


def merge_values(
    kept: Sequence[CustomValue], gained: Sequence[CustomValue]
) -> tuple[CustomValue, ...]:
    """`kept` plus the values of `gained` for keys `kept` lacks (a merge's survivor)."""
    have = {v.key for v in kept}
    return (*kept, *(v for v in gained if v.key not in have))


# Definitions -------------------------------------------------------------------------


def _definition_violations(defn: CustomFieldDefinition, at: str) -> list[FieldViolation]:
    found: list[FieldViolation] = []

    def bad(name: str, rule: str) -> None:
        found.append(FieldViolation(f"{at}.{name}", rule))

    if not KEY.match(defn.key):
        bad("key", "must be 1 to 40 lower-case letters, digits or _, starting with a letter")
    elif defn.key in RESERVED:
        bad("key", "is a built-in lead field")
    if not 1 <= len(defn.label.strip()) <= MAX_LABEL:
        bad("label", f"must be 1 to {MAX_LABEL} characters")
    if defn.type is FieldType.CHOICE:
        if not 1 <= len(defn.choices) <= MAX_CHOICES:
            bad("choices", f"a choice field needs 1 to {MAX_CHOICES} choices")
        if any(not 1 <= len(c) <= MAX_CHOICE_LENGTH or c != c.strip() for c in defn.choices):
            bad("choices", f"each choice must be 1 to {MAX_CHOICE_LENGTH} characters, trimmed")
        if len(set(defn.choices)) != len(defn.choices):
            bad("choices", "must be unique")
    elif defn.choices:
        bad("choices", "only choice fields have choices")
    if defn.max_length is not None and (
        defn.type is not FieldType.TEXT or not 1 <= defn.max_length <= MAX_TEXT_LENGTH
    ):
        bad("max_length", f"text fields only, 1 to {MAX_TEXT_LENGTH}")
    found += _number_rule_violations(defn, at)
    return found


def _number_rule_violations(defn: CustomFieldDefinition, at: str) -> list[FieldViolation]:
    found: list[FieldViolation] = []
    rules = {"min_value": defn.min_value, "max_value": defn.max_value, "decimals": defn.decimals}
    if defn.type is not FieldType.NUMBER:
        return [
            FieldViolation(f"{at}.{name}", "number fields only")
            for name, value in rules.items()
            if value is not None
        ]
    for name in ("min_value", "max_value"):
        bound = rules[name]
        if isinstance(bound, Decimal) and (
            not bound.is_finite() or len(bound.as_tuple().digits) > MAX_DIGITS
        ):
            found.append(
                FieldViolation(f"{at}.{name}", f"must be a number of at most {MAX_DIGITS} digits")
            )
    if (
        defn.min_value is not None
        and defn.max_value is not None
        and not found
        and defn.min_value > defn.max_value
    ):
        found.append(FieldViolation(f"{at}.min_value", "must not be above max_value"))
    if defn.decimals is not None and not 0 <= defn.decimals <= MAX_DECIMALS:
        found.append(FieldViolation(f"{at}.decimals", f"must be between 0 and {MAX_DECIMALS}"))
    return found


def replace_definitions(
    schema: CustomFieldSchema, wanted: Sequence[CustomFieldDefinition]
) -> CustomFieldSchema:
    """The tenant's definitions after replacing the active ones by `wanted` (in order),
    or ValidationFailed naming `fields[i].<rule>`. Fields left out are retired, never
    deleted; a key keeps its first type for good; a retired key comes back by naming it
    again with that type."""
    violations: list[FieldViolation] = []
    if len(wanted) > MAX_ACTIVE:
        violations.append(FieldViolation("fields", f"at most {MAX_ACTIVE} custom fields"))
    keys = [d.key for d in wanted]
    cleaned = []
    for i, defn in enumerate(wanted):
        at = f"fields[{i}]"
        defn = replace(defn, label=defn.label.strip(), retired=False)
        violations += _definition_violations(defn, at)
        if keys.count(defn.key) > 1:
            violations.append(FieldViolation(f"{at}.key", "must be unique"))
        before = schema.get(defn.key)
        if before is not None and before.type is not defn.type:
            violations.append(
                FieldViolation(
                    f"{at}.type",
                    f"cannot change from {before.type.value} to {defn.type.value}: leads store "
                    f"{before.type.value} values under this key; use a new key",
                )
            )
        cleaned.append(defn)
    named = set(keys)
    retired = tuple(replace(d, retired=True) for d in schema.definitions if d.key not in named)
    if len(cleaned) + len(retired) > MAX_KEPT:
        violations.append(
            FieldViolation("fields", f"at most {MAX_KEPT} custom fields, retired ones included")
        )
    require(violations)
    return CustomFieldSchema((*cleaned, *retired))
