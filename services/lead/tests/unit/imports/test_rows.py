"""Which column fills which lead field (defaults, the caller's header_map, custom
fields), a file's layout checked whole before any row, and a row as a LeadDraft."""

import json

import pytest
from crm_runtime.errors import ValidationFailed
from crm_runtime.testing.testdata import shared_testdata
from lead.domain.custom_fields import (
    CustomFieldDefinition,
    CustomFieldSchema,
    CustomValue,
    FieldType,
)
from lead.imports.domain.csv_files import Record, decode
from lead.imports.domain.rows import (
    MAX_ROWS,
    Columns,
    data_rows,
    draft_of,
    lead_id_for,
    read_layout,
    resolve_columns,
)

TESTDATA = shared_testdata("leads")
SCHEMA = CustomFieldSchema(
    (
        CustomFieldDefinition("budget", "预算", FieldType.NUMBER),
        CustomFieldDefinition("old_code", "旧编码", FieldType.TEXT, retired=True),
    )
)


def _refused(data: bytes, **kwargs) -> list[tuple[str, str]]:
    with pytest.raises(ValidationFailed) as err:
        read_layout(data, **kwargs)
    return [(v.field, v.description) for v in err.value.violations]


def test_the_shared_exports_map_every_column_by_default():
    for name in ("leads.utf8-bom.csv", "leads.gbk.csv"):
        layout = read_layout((TESTDATA / name).read_bytes())
        assert layout.columns.mapping() == {
            "姓名": "name",
            "公司名称": "company",
            "手机": "phone",
            "邮箱": "email",
            "线索来源": "source",
            "省份": "region",
            "行业": "industry",
            "备注": "notes",
        }
        answers = json.loads((TESTDATA / "answers.json").read_text())
        assert layout.total_rows == len(answers["utf8"]) == 403
        assert (layout.header_row, layout.last_row) == (1, 404)


@pytest.mark.parametrize(
    "header",
    [
        "姓名",
        " 姓名 ",
        "*姓名",
        "姓名*",
        "姓名(必填)",
        "姓名（必填）",
        "Name",
        "NAME",
        "Contact Name",
        "ｎａｍｅ",
    ],
)
def test_headers_match_whatever_their_width_case_spaces_or_required_marks(header):
    columns, violations = resolve_columns((header, "手机号码"))
    assert violations == [] and columns.fields == ("name", "phone")


def test_the_callers_map_comes_first_and_unmapped_columns_are_left_out():
    columns, violations = resolve_columns(
        ("客户", "联系方式", "手机", "备注", "内部编号"),
        {"客户": "name", "联系方式": "phone", "备注": ""},
    )
    assert violations == []
    # 手机 would be phone, but 联系方式 already is; 备注 was left out on purpose
    assert columns.fields == ("name", "phone", "", "", "")
    assert columns.mapping() == {"客户": "name", "联系方式": "phone"}


def test_a_field_named_twice_keeps_its_first_column_by_default():
    columns, _ = resolve_columns(("姓名", "手机", "电话"))
    assert columns.fields == ("name", "phone", "")


def test_custom_fields_map_by_label_key_or_explicitly_and_retired_ones_never():
    columns, violations = resolve_columns(("姓名", "预算", "budget2"), {"budget2": ""}, SCHEMA)
    assert violations == [] and columns.fields == ("name", "custom_fields.budget", "")
    columns, _ = resolve_columns(("姓名", "金额"), {"金额": "custom_fields.budget"}, SCHEMA)
    assert columns.fields == ("name", "custom_fields.budget")
    _, violations = resolve_columns(
        ("姓名", "旧编码"), {"旧编码": "custom_fields.old_code"}, SCHEMA
    )
    assert (
        violations[0].field == "header_map.旧编码" and "not an active" in violations[0].description
    )


def test_a_bad_header_map_names_each_entry():
    _, violations = resolve_columns(
        ("姓名", "手机", "电话"),
        {"电邮": "email", "手机": "mobile", "电话": "phone", "姓名": "phone"},
    )
    fields = [v.field for v in violations]
    assert fields == ["header_map.电邮", "header_map.手机", "header_map"], violations
    assert "both map to phone" in violations[2].description


def test_without_a_name_column_the_file_is_refused_listing_its_columns():
    [(field, rule)] = _refused("客户,手机\n张伟,13800138000\n".encode())
    assert field == "header_map" and "no column maps to name" in rule and "客户, 手机" in rule


def test_a_title_line_above_the_header_is_skipped():
    data = "线索导出 2026-11-24,,\n\n姓名,手机,邮箱\n张伟,13800138000,\n".encode()
    layout = read_layout(data)
    assert (layout.header_row, layout.total_rows, layout.last_row) == (3, 1, 4)
    text, _ = decode(data)
    assert [r.number for r in data_rows(text, layout)] == [4]


def test_blank_rows_are_not_rows_and_a_file_without_rows_is_refused():
    layout = read_layout("姓名,手机\n,\n张伟,1\n , \n李娜,2\n,\n".encode())
    assert (layout.total_rows, layout.last_row) == (2, 5)
    assert _refused("姓名,手机\n,\n".encode()) == [
        ("csv", "has a header row but no rows to import")
    ]


def test_more_than_the_row_limit_is_refused_before_any_row_is_imported():
    data = ("姓名\n" + "张\n" * (MAX_ROWS + 1)).encode()
    assert _refused(data) == [("csv", f"must have at most {MAX_ROWS} rows")]


COLUMNS = Columns(
    ("姓名", "手机", "线索来源", "标签", "预算", "备注"),
    ("name", "phone", "source", "tags", "custom_fields.budget", ""),
)


def _draft(*cells: str, default: str = "import"):
    return draft_of(Record(7, cells), COLUMNS, default)


def test_a_row_becomes_a_draft_with_channel_codes_tags_and_custom_values():
    row = _draft(" 张伟 ", "13800138000", "展会", "大客户，华东; 2026", "50000", "ignored")
    assert row.violations == ()
    d = row.draft
    assert (d.name, d.phone, d.source, d.tags) == (
        " 张伟 ".strip(),
        "13800138000",
        "trade_show",
        ("大客户", "华东", "2026"),
    )
    assert d.custom_fields == (CustomValue("budget", FieldType.TEXT, "50000"),)
    assert d.notes == ""  # the unmapped column fills nothing


@pytest.mark.parametrize(
    ("cell", "source"),
    [
        ("", "import"),
        ("web", "web"),
        ("WeChat", "wechat"),
        ("官网表单", "web"),
        ("微信公众号", "wechat"),
        ("第三方平台", "third_party"),
        ("客户推荐", "referral"),
        ("电话咨询", "phone"),
        (" 展会 ", "trade_show"),
    ],
)
def test_sources_people_write_map_to_channel_codes(cell, source):
    assert _draft("张伟", "", cell).draft.source == source


def test_an_unknown_channel_is_the_rows_error_naming_source():
    row = _draft("张伟", "", "2026上海车展")
    assert [v.field for v in row.violations] == ["source"]
    assert row.draft.source == "import"  # so that the row's other rules can still be checked


def test_spreadsheet_artefacts_are_undone():
    assert _draft("张伟", '="13800138000"').draft.phone == "13800138000"
    assert _draft("张伟", "13800138000.0").draft.phone == "13800138000"
    assert _draft('="张伟"', "").draft.name == "张伟"


def test_short_rows_fill_what_they_have():
    assert _draft("张伟").draft.phone == ""


def test_column_of_names_the_csv_column_a_violation_came_from():
    assert COLUMNS.column_of("phone") == "手机"
    assert COLUMNS.column_of("tags[2]") == "标签"
    assert COLUMNS.column_of("custom_fields.budget") == "预算"
    assert COLUMNS.column_of("email") == ""


def test_a_rows_lead_id_is_the_same_on_every_attempt_and_differs_by_row_job_and_tenant():
    first = lead_id_for("t1", "job", 2)
    assert first == lead_id_for("t1", "job", 2)
    assert (
        len(
            {
                first,
                lead_id_for("t1", "job", 3),
                lead_id_for("t1", "job2", 2),
                lead_id_for("t2", "job", 2),
            }
        )
        == 4
    )
