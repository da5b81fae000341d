"""Reading spreadsheet exports: UTF-8 with and without a BOM, GBK, what is refused and
why (naming the field), delimiters, and rows numbered as a spreadsheet shows them."""

import codecs

import pytest
from crm_runtime.errors import ValidationFailed
from crm_runtime.testing.testdata import shared_testdata
from lead.imports.domain.csv_files import MAX_BYTES, decode, records, sniff_delimiter

TESTDATA = shared_testdata("leads")
TEXT = "姓名,手机\r\n张伟,13800138000\r\n"


def _refusal(data: bytes, encoding: str = "") -> tuple[str, str]:
    with pytest.raises(ValidationFailed) as err:
        decode(data, encoding)
    [violation] = err.value.violations
    return violation.field, violation.description


def test_the_shared_exports_are_detected_and_read_alike():
    bom, used_bom = decode((TESTDATA / "leads.utf8-bom.csv").read_bytes())
    gbk, used_gbk = decode((TESTDATA / "leads.gbk.csv").read_bytes())
    assert (used_bom, used_gbk) == ("utf-8-sig", "gb18030")
    assert bom == gbk and bom.startswith("姓名,公司名称,手机")


@pytest.mark.parametrize(
    ("data", "encoding", "used"),
    [
        (TEXT.encode(), "", "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode(), "", "utf-8-sig"),
        (codecs.BOM_UTF8 + TEXT.encode(), "utf-8", "utf-8-sig"),
        (TEXT.encode("gbk"), "", "gb18030"),
        (TEXT.encode("gbk"), "GBK", "gb18030"),
        (TEXT.encode("gbk"), "gb2312", "gb18030"),
        ("姓名\n䶮 𠀀\n".encode("gb18030"), "", "gb18030"),  # beyond GBK: GB18030 reads it
        (b"name,phone\nLi,13800138000\n", "gbk", "gb18030"),  # ASCII is both
    ],
)
def test_encodings_given_or_detected(data, encoding, used):
    text, found = decode(data, encoding)
    assert found == used and text.startswith(("姓名", "name"))


def test_a_utf8_file_said_to_be_gbk_is_refused_rather_than_read_as_mojibake():
    field, rule = _refusal(TEXT.encode(), "gbk")
    assert field == "encoding" and "UTF-8" in rule
    # which is what would happen otherwise: GB18030 decodes it without complaint
    assert TEXT.encode().decode("gb18030") != TEXT


def test_a_gbk_file_said_to_be_utf8_is_refused_naming_encoding():
    assert _refusal(TEXT.encode("gbk"), "utf-8")[0] == "encoding"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"  \r\n", "empty"),
        (b"PK\x03\x04\x14\x00\x06\x00rest of a workbook", ".xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", ".xls"),
        (codecs.BOM_UTF16_LE + "姓名".encode("utf-16-le"), "UTF-16"),
        (b"name\x00,phone\n", "NUL"),
        (b"\x80\x81\xff\xfe\x00".replace(b"\x00", b"") * 3, "neither UTF-8 nor GBK"),
    ],
)
def test_what_is_not_a_csv_text_is_refused_naming_csv(data, words):
    field, rule = _refusal(data)
    assert field == "csv" and words in rule


def test_an_unknown_encoding_and_an_oversized_file_are_refused():
    assert _refusal(TEXT.encode(), "latin-1")[0] == "encoding"
    assert "MiB" in _refusal(b"x" * (MAX_BYTES + 1))[1]


@pytest.mark.parametrize(
    ("first_line", "delimiter"),
    [("姓名,手机,邮箱", ","), ("姓名;手机;邮箱", ";"), ("姓名\t手机\t邮箱", "\t"), ("姓名", ",")],
)
def test_the_delimiter_is_what_splits_the_header_most(first_line, delimiter):
    assert sniff_delimiter(f"\n{first_line}\nx,y\n") == delimiter


def test_rows_are_numbered_as_a_spreadsheet_shows_them_even_across_quoted_newlines():
    text = '姓名,备注\r\n张伟,"第一行\r\n第二行"\r\n\r\n李娜,好\r\n'
    found = [(r.number, r.cells, r.blank) for r in records(text, ",")]
    assert found == [
        (1, ("姓名", "备注"), False),
        (2, ("张伟", "第一行\r\n第二行"), False),
        (3, (), True),
        (4, ("李娜", "好"), False),
    ]


def test_a_malformed_row_is_reported_with_its_number():
    text = "姓名,备注\n张伟,好\n" + "李娜," + "x" * 200_000 + "\n"
    with pytest.raises(ValidationFailed) as err:
        list(records(text, ","))
    assert err.value.violations[0].field == "csv" and "row 3" in err.value.violations[0].description
