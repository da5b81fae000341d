"""CSV files people open in Excel: UTF-8 with a byte-order mark (without it Excel on
Chinese Windows reads UTF-8 as GBK), CRLF line ends, and no cell that a spreadsheet
would run as a formula.

CSV injection (OWASP): a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
return is a formula to Excel and LibreOffice, so such a cell is written with a leading
single quote, which makes it text. E.164 phone numbers start with `+` and get the quote
too; that keeps Excel from turning them into numbers, and the import reads them back.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

BOM = "\ufeff"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(rows: Iterable[Iterable[object]], first: bool = False) -> bytes:
    """Rows as CSV bytes, every cell made safe; with the BOM when `first`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return ((BOM if first else "") + out.getvalue()).encode("utf-8")


def attachment(file_name: str) -> dict[str, str]:
    """Content-Disposition for a download (ASCII name; RFC 6266)."""
    return {"Content-Disposition": f'attachment; filename="{file_name}"'}
