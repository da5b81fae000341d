"""CSV for spreadsheets: a BOM first, CRLF rows, and no cell a spreadsheet would run."""

import codecs
import csv
import io

import pytest
from gateway.conventions.spreadsheets import csv_lines, safe_cell


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x","点我")', '\'=HYPERLINK("http://x","点我")'),
        ("+8613800138000", "'+8613800138000"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("张伟", "张伟"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (42, "42"),
    ],
)
def test_formula_starts_are_written_as_text(value, written):
    assert safe_cell(value) == written


def test_the_file_starts_with_a_bom_and_reads_back_cell_for_cell():
    head = csv_lines([["姓名", "备注"]], first=True)
    body = csv_lines([["张伟", '说"好",\n明天'], ["李娜", "=1+1"]])
    assert head.startswith(codecs.BOM_UTF8) and not body.startswith(codecs.BOM_UTF8)
    assert head.endswith(b"\r\n")
    rows = list(csv.reader(io.StringIO((head + body).decode("utf-8-sig"), newline="")))
    assert rows == [["姓名", "备注"], ["张伟", '说"好",\n明天'], ["李娜", "'=1+1"]]
