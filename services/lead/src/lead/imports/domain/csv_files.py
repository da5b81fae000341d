"""Reading a spreadsheet export as Chinese sales teams save one: bytes -> text -> rows.

Encodings: Excel's "CSV UTF-8" (with a byte-order mark), plain UTF-8, and Excel's plain
"CSV" on Chinese Windows, which is GBK. GBK and GB2312 are read as GB18030, their
superset. With no encoding named: a BOM means UTF-8; otherwise text that decodes as
strict UTF-8 is UTF-8 (GBK's Chinese byte pairs almost never form valid UTF-8, so this
is a near-certain test, not a guess); otherwise GB18030; otherwise the file is refused.
A file named GBK that is valid non-ASCII UTF-8 is refused too: GB18030 decodes most
UTF-8 bytes into other characters without an error, so trusting the label would import
mojibake. Workbooks, UTF-16 "Unicode text" and binary files are refused by name.

Rows are numbered as a spreadsheet shows them (the file's first record is row 1), so an
error report points at the row a person sees; quoted cells may span lines.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from crm_runtime.errors import FieldViolation, ValidationFailed

MAX_BYTES = 64 << 20
ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "utf-8-sig": "utf-8",
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "gb18030": "gb18030",
    "cp936": "gb18030",
}
DELIMITERS = (",", ";", "\t")
_SIGNATURES = (
    (b"PK\x03\x04", "is an Excel workbook (.xlsx), not CSV: save it as CSV UTF-8 or CSV"),
    (b"\xd0\xcf\x11\xe0", "is an Excel 97-2003 workbook (.xls), not CSV: save it as CSV"),
    (codecs.BOM_UTF16_LE, 'is UTF-16 ("Unicode text"), not CSV: save it as CSV UTF-8'),
    (codecs.BOM_UTF16_BE, 'is UTF-16 ("Unicode text"), not CSV: save it as CSV UTF-8'),
)


def refuse(field: str, rule: str) -> ValidationFailed:
    return ValidationFailed([FieldViolation(field, rule)])


def _check_bytes(data: bytes) -> None:
    if not data.strip():
        raise refuse("csv", "is empty")
    if len(data) > MAX_BYTES:
        raise refuse("csv", f"must be at most {MAX_BYTES >> 20} MiB")
    for signature, rule in _SIGNATURES:
        if data.startswith(signature):
            raise refuse("csv", rule)
    if b"\x00" in data[:65536]:
        raise refuse("csv", "is not a text file (it contains NUL bytes)")


def _utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def decode(data: bytes, encoding: str = "") -> tuple[str, str]:
    """The file's text and what it was read as: "utf-8-sig", "utf-8" or "gb18030"."""
    wanted = encoding.strip().lower()
    if wanted and wanted not in ENCODINGS:
        raise refuse("encoding", "must be utf-8, gbk or gb18030, or empty to detect it")
    _check_bytes(data)
    target = ENCODINGS.get(wanted, "")
    if data.startswith(codecs.BOM_UTF8):
        if target == "gb18030":
            raise refuse("encoding", f"the file starts with a UTF-8 byte-order mark, not {wanted}")
        text = _utf8(data[len(codecs.BOM_UTF8) :])
        if text is None:
            raise refuse("csv", "starts with a UTF-8 byte-order mark but is not valid UTF-8")
        return text, "utf-8-sig"
    text = _utf8(data)
    if target == "utf-8" and text is None:
        raise refuse("encoding", "the file is not valid UTF-8; leave encoding empty to detect it")
    if text is not None and target != "gb18030":
        return text, "utf-8"
    if text is not None and not text.isascii():
        raise refuse("encoding", f"the file is UTF-8 text, not {wanted}; leave encoding empty")
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        field = "encoding" if target else "csv"
        raise refuse(field, f"is neither UTF-8 nor GBK text (byte {exc.start})") from exc


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon (Excel in some locales) or tab: whichever splits the first
    non-empty line into the most cells."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


@dataclass(frozen=True)
class Record:
    number: int  # the row number a spreadsheet shows
    cells: tuple[str, ...]

    @property
    def blank(self) -> bool:
        return not any(cell.strip() for cell in self.cells)


def records(text: str, delimiter: str) -> Iterator[Record]:
    """Every record of the file, blank ones included, numbered from 1."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield Record(number, tuple(cells))
    except csv.Error as exc:
        raise refuse("csv", f"row {number + 1} cannot be read as CSV ({exc})") from exc
