"""Bulk import and export through the gateway against the whole stack: the shared
Chinese exports in GBK and in UTF-8 with a BOM, progress until done, counts against the
answer key, the errors CSV, and the export read back (and imported again)."""

from __future__ import annotations

import codecs
import csv
import http.client
import io
import json
import time
from typing import Any

import httpx
import pytest
from crm_runtime.testing.testdata import shared_testdata
from lead.imports.domain.rows import lead_id_for

TESTDATA = shared_testdata("leads")
GBK = (TESTDATA / "leads.gbk.csv").read_bytes()
UTF8_BOM = (TESTDATA / "leads.utf8-bom.csv").read_bytes()
ANSWERS = json.loads((TESTDATA / "answers.json").read_text())
PEOPLE = ANSWERS["people"]
CSV = {"Content-Type": "text/csv"}


pytestmark = pytest.mark.floods_pipeline  # conftest: runs after every other module


def _upload(api: httpx.Client, data: bytes, **params: Any) -> dict[str, Any]:
    answer = api.post("/v1/lead-imports", content=data, params=params, headers=CSV)
    assert answer.status_code == 202, answer.text
    job: dict[str, Any] = answer.json()
    assert answer.headers["Location"] == f"/v1/lead-imports/{job['id']}"
    return job


def _until_done(api: httpx.Client, job_id: str, seconds: float = 90) -> dict[str, Any]:
    seen = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job: dict[str, Any] = api.get(f"/v1/lead-imports/{job_id}").json()
        seen.append((job["status"], job["processed_rows"]))
        if job["status"] in ("done", "failed"):
            progress = [rows for _, rows in seen]
            assert progress == sorted(progress), "progress never goes back"
            return job
        time.sleep(0.3)
    raise AssertionError(f"import {job_id} not done in {seconds} s: {seen[-3:]}")


def _csv(answer: httpx.Response) -> list[dict[str, str]]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"].startswith("attachment; filename=")
    assert answer.content.startswith(codecs.BOM_UTF8)
    return list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"), newline="")))


@pytest.fixture(scope="module")
def tenant(tenant_factory):
    return tenant_factory()


@pytest.mark.timeout(360)  # three imports of 403 rows and an export: 40-90 s, more on a busy CI
def test_gbk_then_utf8_bom_under_merge_leave_one_lead_per_person(tenant):
    with tenant.client() as api:
        api.patch("/v1/lead-settings", json={"duplicate_policy": "merge"}).raise_for_status()
        started = _upload(api, GBK, file_name="leads.gbk.csv")
        assert started["status"] in ("queued", "running") and started["total_rows"] == 403
        assert started["encoding"] == "gb18030" and started["header_map"]["手机"] == "phone"
        job = _until_done(api, started["id"])
        assert job["status"] == "done" and job["processed_rows"] == 403
        assert (job["created"], job["merged"], job["failed"]) == (PEOPLE, 403 - PEOPLE, 0)
        again = _until_done(api, _upload(api, UTF8_BOM)["id"])  # the same people, in UTF-8
        assert again["encoding"] == "utf-8-sig"
        assert (again["created"], again["merged"], again["failed"]) == (0, 403, 0)
        listed = api.get("/v1/lead-imports").json()["items"]
        assert [j["id"] for j in listed] == [again["id"], job["id"]]

        exported = _csv(api.get("/v1/leads.csv"))
        assert len(exported) == PEOPLE  # merged copies are not listed, so not exported
        assert all(row["phone"] == "" or row["phone"].startswith("'+86") for row in exported)
        assert {row["source"] for row in exported} <= {
            "web",
            "wechat",
            "trade_show",
            "third_party",
            "referral",
            "phone",
        }
        rows_in_file = list(csv.DictReader(io.StringIO(GBK.decode("gb18030"))))
        assert {r["name"] for r in exported} == {r["姓名"] for r in rows_in_file}
        shown = _csv(api.get("/v1/leads.csv", params={"source": "trade_show"}))
        assert 0 < len(shown) < PEOPLE and {r["source"] for r in shown} == {"trade_show"}

        # the export reads back: every lead of it is one already here
        back = _until_done(api, _upload(api, api.get("/v1/leads.csv").content)["id"])
        assert (back["created"], back["merged"], back["failed"]) == (0, PEOPLE, 0)
        assert api.get("/v1/leads", params={"limit": 200}).json()["next_cursor"]


def test_rows_that_fail_come_back_as_a_csv_to_fix(tenant_factory):
    b = tenant_factory()
    with b.client() as api:
        api.patch("/v1/lead-settings", json={"duplicate_policy": "reject"}).raise_for_status()
        bad = [",,13800138000,not-an-email,,,,", "孙悦,上海孙氏,12,,2026上海车展,,,"]
        data = GBK + "\r\n".join(bad).encode("gbk") + b"\r\n"
        job = _until_done(api, _upload(api, data)["id"])
        assert job["total_rows"] == 405
        assert (job["created"], job["failed"]) == (PEOPLE, 403 - PEOPLE + 2)
        assert job["rejected_duplicates"] == 403 - PEOPLE
        errors = _csv(api.get(f"/v1/lead-imports/{job['id']}/errors"))
        assert len(errors) == job["failed"]
        by_row = {int(e["row"]): e for e in errors}
        assert (by_row[405]["field"], by_row[405]["column"]) == ("name; email", "姓名; 邮箱")
        assert by_row[406]["field"] == "source; phone" and "官网表单" in by_row[406]["rule"]
        assert by_row[406]["姓名"] == "孙悦" and by_row[406]["手机"] == "12"
        person = {  # lead id -> person, by the rows' deterministic ids
            lead_id_for(b.id, job["id"], i + 2): a["person"] for i, a in enumerate(ANSWERS["gbk"])
        }
        duplicates = [e for e in errors if e["rule"].startswith("duplicate of ")]
        assert len(duplicates) == 403 - PEOPLE
        for row in duplicates:  # each points at the lead of the same person
            survivor = row["rule"].split()[2]
            assert person[survivor] == ANSWERS["gbk"][int(row["row"]) - 2]["person"]
            assert api.get(f"/v1/leads/{survivor}").status_code == 200


def test_one_idempotency_key_is_one_import(tenant):
    with tenant.client() as api:
        headers = {**CSV, "Idempotency-Key": "e2e-import-0001"}
        first = api.post("/v1/lead-imports", content=GBK, headers=headers)
        again = api.post("/v1/lead-imports", content=GBK, headers=headers)
        assert first.status_code == again.status_code == 202
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json()["id"] == first.json()["id"]
        other = api.post("/v1/lead-imports", content=UTF8_BOM, headers=headers)
        assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key"
        _until_done(api, first.json()["id"])


@pytest.mark.parametrize(
    ("data", "params", "headers", "status", "field"),
    [
        (b"PK\x03\x04 an xlsx", {}, CSV, 422, "csv"),
        (UTF8_BOM, {"encoding": "gbk"}, CSV, 422, "encoding"),
        (GBK, {"encoding": "utf-8"}, CSV, 422, "encoding"),
        ("客户,手机\r\n张伟,13800138000\r\n".encode(), {}, CSV, 422, "header_map"),
        (GBK, {"header_map": "{nope"}, CSV, 422, "header_map"),
        (GBK, {"header_map": '{"手机": "mobile"}'}, CSV, 422, "header_map.手机"),
        (b"", {}, CSV, 422, "csv"),
        (GBK, {}, {"Content-Type": "application/json"}, 415, None),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_naming_the_field(
    tenant, data, params, headers, status, field
):
    with tenant.client() as api:
        answer = api.post("/v1/lead-imports", content=data, params=params, headers=headers)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    if field:
        assert answer.json()["errors"][0]["field"] == field


def test_a_file_of_several_chunks_imports_whole(tenant_factory):
    # Over 1 MiB (the gateway's usual body limit, and one chunk to the lead service),
    # with multi-byte characters split across the chunk boundary.
    notes = "需求确认后安排演示" * 70
    rows = [f"客户{i},139{i:08d},{notes}" for i in range(600)]
    data = ("姓名,手机,备注\r\n" + "\r\n".join(rows) + "\r\n").encode()
    assert len(data) > 1 << 20
    b = tenant_factory()
    with b.client() as api:
        job = _until_done(api, _upload(api, data)["id"])
        assert (job["status"], job["created"], job["failed"]) == ("done", 600, 0)
        exported = _csv(api.get("/v1/leads.csv", params={"q": "客户599"}))
        assert [(r["name"], r["notes"]) for r in exported] == [("客户599", notes)]
    # past the upload limit: refused from the headers, before a byte of the body is read
    url = httpx.URL(b.url)
    conn = http.client.HTTPConnection(url.host, url.port, timeout=10)
    conn.putrequest("POST", "/v1/lead-imports")
    for name, value in (
        ("Authorization", f"Bearer {b.admin_key}"),
        ("Content-Type", "text/csv"),
        ("Content-Length", str((64 << 20) + 1)),
    ):
        conn.putheader(name, value)
    conn.endheaders()
    answer = conn.getresponse()
    assert answer.status == 413 and answer.getheader("content-type") == "application/problem+json"
    conn.close()


def test_custom_fields_come_in_and_go_out_under_their_label(tenant_factory):
    with tenant_factory().client() as api:
        api.put(
            "/v1/lead-custom-fields",
            json={"fields": [{"key": "budget", "label": "预算", "type": "number", "decimals": 2}]},
        ).raise_for_status()
        data = "姓名,手机,预算\r\n张伟,13800138000,50000.50\r\n李娜,13900139000,很多\r\n"
        job = _until_done(api, _upload(api, data.encode("gbk"))["id"])
        assert (job["created"], job["failed"]) == (1, 1)
        assert job["header_map"] == {
            "姓名": "name",
            "手机": "phone",
            "预算": "custom_fields.budget",
        }
        [error] = _csv(api.get(f"/v1/lead-imports/{job['id']}/errors"))
        assert (error["row"], error["field"], error["column"]) == (
            "3",
            "custom_fields.budget",
            "预算",
        )
        [lead] = _csv(api.get("/v1/leads.csv"))
        assert (lead["name"], lead["预算"]) == ("张伟", "50000.5")
