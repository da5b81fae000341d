"""Normal forms that duplicate detection relies on, including the shared test exports."""

import csv
import json
from collections import defaultdict

import pytest
from crm_runtime.testing.testdata import shared_testdata
from lead.domain.channels import SOURCE_ALIASES
from lead.domain.normalise import InvalidValue, company_key, normalise_email, normalise_phone

TESTDATA = shared_testdata("leads")


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "+86 138-0013-8000",
        "+8613800138000",
        "86 138 0013 8000",
        "0086 13800138000",
        "＋８６ １３８ ００１３ ８０００",
        " 138-0013-8000 ",
    ],
)
def test_chinese_mobile_spellings_share_one_form(raw):
    assert normalise_phone(raw) == "+8613800138000"


@pytest.mark.parametrize("raw", ["12", "abc", "+86 138", "1380013800099999"])
def test_non_numbers_are_refused(raw):
    with pytest.raises(InvalidValue):
        normalise_phone(raw)


def test_email_is_lower_cased_and_checked():
    assert normalise_email("  Zhang.Wei@Example.CN ") == "zhang.wei@example.cn"
    with pytest.raises(InvalidValue):
        normalise_email("not-an-email@")


def test_company_key_ignores_case_width_spaces_and_punctuation():
    assert company_key("鑫博腾飞信息有限公司 ") == company_key("鑫博腾飞信息有限公司")
    assert company_key("ACME (Shanghai) Co., Ltd.") == company_key("acme（shanghai）co ltd")


def _rows(name, encoding):
    with open(TESTDATA / name, encoding=encoding, newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.skipif(not TESTDATA.exists(), reason="../shared/testdata is not beside this checkout")
@pytest.mark.parametrize(
    ("name", "encoding", "key"),
    [("leads.utf8-bom.csv", "utf-8-sig", "utf8"), ("leads.gbk.csv", "gbk", "gbk")],
)
def test_phone_duplicates_in_the_exports_normalise_together(name, encoding, key):
    answers = json.loads((TESTDATA / "answers.json").read_text())[key]
    rows = _rows(name, encoding)
    assert len(rows) == len(answers)
    phones_by_person = defaultdict(set)
    for row, answer in zip(rows, answers, strict=True):
        if row["手机"].strip():
            phones_by_person[answer["person"]].add(normalise_phone(row["手机"]))
        assert row["线索来源"] in SOURCE_ALIASES
    assert phones_by_person
    assert all(len(phones) == 1 for phones in phones_by_person.values())
