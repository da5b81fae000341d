"""Bulk import of leads from a CSV file: which column fills which lead field, the file's
layout checked before any row is imported, and each row as a LeadDraft for the same
capture path as POST /v1/leads (validation, dedup, scoring, assignment). Pure.

Columns are matched by name. The caller's `header_map` (CSV header -> lead field, "" to
leave a column out) comes first; every other column whose header is a common Chinese or
English name of a field (姓名, 手机, 公司名称, Email, ...) or a custom field's label or
key fills that field, first column first. A title line or two above the header row is
skipped: the header is the first of the first rows that has a column for `name`.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields

from crm_runtime.errors import FieldViolation, ValidationFailed

from lead.domain.channels import SOURCE_ALIASES, SOURCES
from lead.domain.custom_fields import CustomFieldSchema, CustomValue, FieldType
from lead.domain.lead import LeadDraft
from lead.imports.domain.csv_files import Record, decode, records, refuse, sniff_delimiter

MAX_ROWS = 100_000
HEADER_SEARCH = 10  # non-blank rows looked at for the header
CUSTOM = "custom_fields."
DEFAULT_SOURCE = "import"
FIELDS = (
    "name",
    "company",
    "phone",
    "email",
    "source",
    "channel_detail",
    "region",
    "industry",
    "product_line",
    "notes",
    "tags",
)
ALIASES: dict[str, tuple[str, ...]] = {
    "name": (
        "姓名",
        "名字",
        "联系人",
        "联系人姓名",
        "客户姓名",
        "name",
        "contact",
        "contact name",
        "full name",
    ),
    "company": (
        "公司",
        "公司名称",
        "公司名",
        "单位",
        "单位名称",
        "企业",
        "企业名称",
        "company",
        "company name",
        "organization",
        "organisation",
    ),
    "phone": (
        "手机",
        "手机号",
        "手机号码",
        "电话",
        "联系电话",
        "电话号码",
        "移动电话",
        "phone",
        "mobile",
        "mobile phone",
        "tel",
        "telephone",
        "phone number",
    ),
    "email": ("邮箱", "电子邮箱", "邮件", "邮箱地址", "email", "e-mail", "mail", "email address"),
    "source": ("线索来源", "来源", "渠道", "来源渠道", "source", "channel", "lead source"),
    "channel_detail": ("来源详情", "渠道详情", "展会名称", "活动名称", "channel detail"),
    "region": (
        "省份",
        "地区",
        "区域",
        "省市",
        "城市",
        "所在地区",
        "region",
        "province",
        "city",
        "area",
    ),
    "industry": ("行业", "所属行业", "industry"),
    "product_line": ("产品线", "意向产品", "产品", "product line", "product"),
    "notes": (
        "备注",
        "说明",
        "描述",
        "notes",
        "note",
        "remark",
        "remarks",
        "comment",
        "comments",
        "description",
    ),
    "tags": ("标签", "tags", "tag"),
}
_MARKS = re.compile(r"[(（]必填[)）]|[\s*＊_\-:：]+")
_TAG_SEPARATORS = re.compile(r"[,，;；、|]+")
_EXCEL_TEXT = re.compile(r'^="(.*)"$', re.DOTALL)  # ="0213800..." keeps leading zeros
_EXCEL_NUMBER = re.compile(r"^\+?\d{5,}\.0+$")  # a phone that became a number
_NAMESPACE = uuid.UUID("6f1d1f3e-8c1a-4b7e-9a55-7f3c2b1e9d01")


def header_key(text: str) -> str:
    """A header as it is compared: width folded, case ignored, spaces and marks such as
    `*` or `(必填)` (required) left out."""
    return _MARKS.sub("", unicodedata.normalize("NFKC", text).casefold())


_ALIAS_FIELD = {header_key(alias): f for f, names in ALIASES.items() for alias in names}
_SOURCE_CODES = {header_key(text): code for text, code in SOURCE_ALIASES.items()}
_SOURCE_CODES.update({header_key(code): code for code in SOURCES})


def lead_id_for(tenant_id: str, import_id: str, row: int) -> str:
    """The id the lead made from a row gets: the same on every attempt, so a batch run
    twice can never make two leads of one row."""
    return str(uuid.uuid5(_NAMESPACE, f"{tenant_id}/{import_id}/{row}"))


@dataclass(frozen=True)
class Columns:
    headers: tuple[str, ...]
    fields: tuple[str, ...]  # per column: the field it fills, "" for none

    def mapping(self) -> dict[str, str]:
        return {h: f for h, f in zip(self.headers, self.fields, strict=True) if f}

    def column_of(self, field: str) -> str:
        """The header of the column a violation's field came from ("" if none)."""
        name = field if field.startswith(CUSTOM) else field.split("[", 1)[0]
        return next((h for h, f in zip(self.headers, self.fields, strict=True) if f == name), "")


def _target_problem(target: str, schema: CustomFieldSchema) -> str:
    if target == "" or target in FIELDS:
        return ""
    if target.startswith(CUSTOM):
        definition = schema.get(target.removeprefix(CUSTOM))
        if definition is not None and not definition.retired:
            return ""
        return f"{target} is not an active custom field"
    known = ", ".join((*FIELDS, "custom_fields.<key>"))
    return f"unknown lead field {target!r}; one of {known}, or empty to leave the column out"


def _explicit(
    headers: tuple[str, ...], header_map: Mapping[str, str], schema: CustomFieldSchema
) -> tuple[dict[int, str], list[FieldViolation]]:
    chosen: dict[int, str] = {}
    violations: list[FieldViolation] = []
    keys = [header_key(h) for h in headers]
    for header, target in header_map.items():
        name = f"header_map.{header[:64]}"
        at = headers.index(header) if header in headers else -1
        if at < 0 and header_key(header) in keys:
            at = keys.index(header_key(header))
        problem = _target_problem(target, schema)
        if at < 0:
            shown = ", ".join(h for h in headers if h.strip())[:300]
            violations.append(FieldViolation(name, f"no such column; the columns are: {shown}"))
        elif problem:
            violations.append(FieldViolation(name, problem))
        else:
            chosen[at] = target
    taken: dict[str, int] = {}
    for at, target in sorted(chosen.items()):
        if target and target in taken:
            both = f"{headers[taken[target]]} and {headers[at]}"
            violations.append(FieldViolation("header_map", f"columns {both} both map to {target}"))
        taken.setdefault(target, at)
    return chosen, violations


def resolve_columns(
    headers: tuple[str, ...],
    header_map: Mapping[str, str] | None = None,
    schema: CustomFieldSchema | None = None,
) -> tuple[Columns, list[FieldViolation]]:
    """Which field each column fills; violations name `header_map` entries, or say that
    no column fills `name`."""
    schema = schema or CustomFieldSchema()
    chosen, violations = _explicit(headers, header_map or {}, schema)
    defaults = dict(_ALIAS_FIELD)
    for definition in schema.active:
        for text in (definition.key, definition.label):
            defaults.setdefault(header_key(text), CUSTOM + definition.key)
    taken = set(chosen.values())
    result = []
    for at, header in enumerate(headers):
        target = chosen.get(at)
        if target is None:
            target = defaults.get(header_key(header), "") if header.strip() else ""
            target = "" if target in taken else target
        taken.add(target)
        result.append(target)
    if not violations and "name" not in result:
        shown = ", ".join(h for h in headers if h.strip())[:300] or "(none)"
        violations.append(
            FieldViolation(
                "header_map",
                f"no column maps to name (the columns are: {shown}); "
                'map one, e.g. {"客户": "name"}',
            )
        )
    return Columns(headers, tuple(result)), violations


@dataclass(frozen=True)
class Layout:
    """What StartImport learnt about the file; the worker reads it the same way."""

    encoding: str
    delimiter: str
    header_row: int
    columns: Columns
    total_rows: int
    last_row: int  # the number of the file's last row to import


def read_layout(
    data: bytes,
    encoding: str = "",
    header_map: Mapping[str, str] | None = None,
    schema: CustomFieldSchema | None = None,
) -> Layout:
    """The file's encoding, delimiter, header and row count, or ValidationFailed naming
    `csv`, `encoding` or `header_map`: a file that cannot be imported is refused whole,
    before a single row is."""
    text, used = decode(data, encoding)
    delimiter = sniff_delimiter(text)
    header: tuple[Record, Columns] | None = None
    first_problems: list[FieldViolation] = []
    looked, rows, last = 0, 0, 0
    for record in records(text, delimiter):
        if record.blank:
            continue
        if header is not None:
            rows, last = rows + 1, record.number
            if rows > MAX_ROWS:
                raise refuse("csv", f"must have at most {MAX_ROWS} rows")
            continue
        if looked == HEADER_SEARCH:
            break
        looked += 1
        columns, problems = resolve_columns(record.cells, header_map, schema)
        if not problems:
            header = (record, columns)
        first_problems = first_problems or problems
    if header is None:
        raise ValidationFailed(first_problems or [FieldViolation("csv", "has no header row")])
    if rows == 0:
        raise refuse("csv", "has a header row but no rows to import")
    return Layout(used, delimiter, header[0].number, header[1], rows, last)


def data_rows(text: str, layout: Layout) -> Iterator[Record]:
    """The rows to import, in file order: every non-blank record after the header."""
    for record in records(text, layout.delimiter):
        if record.number > layout.header_row and not record.blank:
            yield record


def clean_cell(raw: str) -> str:
    text = raw.strip()
    excel = _EXCEL_TEXT.match(text)
    return excel.group(1).strip() if excel else text


def channel_of(text: str, default: str) -> str:
    """The channel code a source cell names (a code or what people write: 展会, 官网表单,
    ...), the import's default when empty, or "" when unknown."""
    if not text:
        return default
    return _SOURCE_CODES.get(header_key(text), "")


@dataclass(frozen=True)
class RowDraft:
    draft: LeadDraft
    violations: tuple[FieldViolation, ...]  # found before capture: an unknown channel


def draft_of(record: Record, columns: Columns, default_source: str) -> RowDraft:
    values: dict[str, str] = {}
    custom: list[CustomValue] = []
    for at, target in enumerate(columns.fields):
        value = clean_cell(record.cells[at]) if target and at < len(record.cells) else ""
        if target.startswith(CUSTOM):
            if value:
                custom.append(CustomValue(target.removeprefix(CUSTOM), FieldType.TEXT, value))
        elif target:
            values[target] = value
    violations = []
    source = channel_of(values.pop("source", ""), default_source)
    if not source:
        names = "、".join(SOURCE_ALIASES)
        violations.append(
            FieldViolation(
                "source", f"is not a channel: use one of {', '.join(SOURCES)} or {names}"
            )
        )
        source = default_source
    phone = values.pop("phone", "")
    if _EXCEL_NUMBER.match(phone):
        phone = phone.split(".", 1)[0]
    tags = tuple(t.strip() for t in _TAG_SEPARATORS.split(values.pop("tags", "")) if t.strip())
    known = {f.name for f in fields(LeadDraft)}
    draft = LeadDraft(
        **{k: v for k, v in values.items() if k in known},
        phone=phone,
        source=source,
        tags=tags,
        custom_fields=tuple(custom),
    )
    return RowDraft(draft, tuple(violations))


@dataclass
class Tally:
    """What happened to the rows of an import, so far."""

    created: int = 0
    flagged: int = 0
    merged: int = 0
    failed: int = 0
    rejected_duplicates: int = 0

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    @property
    def rows(self) -> int:
        return self.created + self.flagged + self.merged + self.failed
