"""Bulk import throughput: a CSV of N leads (GBK, as Excel on Chinese Windows saves it)
uploaded through the gateway, timed until the lead worker reports the job done.

    .venv/bin/python tests/bench/lead_import.py --rows 100000 [--duplicates 0.1] [--export]
    .venv/bin/python tests/bench/lead_import.py --rows 100000 --direct   # the path alone

Uses the test-profile stack (harness.py: a running one is reused; otherwise it is
started on a fresh database and stopped after). Each run imports into a tenant of its own
(limits out of reach, the default duplicate policy "flag"), so runs never see each
other's leads; before it leaves the stack, it waits until every event of the import is
published and consumed, so the next user of the stack inherits no backlog. The file is
made here, deterministically: distinct people plus a share of copies of earlier rows
written another way (+86 and dashes, upper-case email), so that dedup finds real
duplicates. The figure includes everything a real import does: the upload, the layout
check, capture of every row (normalise, validate, dedup, score, assign), events into the
outbox, and the worker relaying them to RabbitMQ meanwhile (ADR 14: an import waits
while 2,000 events wait for the relay).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import subprocess
import sys
import time
import uuid
from typing import Any

import httpx
from harness import UNLIMITED, admin_cli, cpu_seconds, test_stack
from pymongo import MongoClient

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉"
WORDS = (
    "云图",
    "鑫博",
    "华信",
    "启明",
    "东方",
    "新宇",
    "恒通",
    "远航",
    "金桥",
    "智联",
    "天成",
    "博远",
)
PROGRESS_EVERY = 60.0  # seconds between progress lines
KINDS = ("科技", "信息", "网络", "电子", "传媒", "贸易", "制造")
SOURCES = ("官网表单", "微信公众号", "展会", "第三方平台", "客户推荐", "电话咨询")
PROVINCES = ("上海市", "北京市", "广东省", "浙江省", "江苏省", "四川省", "湖北省", "山东省")
INDUSTRIES = ("制造业", "软件/SaaS", "医药", "教育", "金融", "快消品")


def _backlog(env: dict[str, str]) -> int:
    """Events not yet through: the lead outbox's pending ones and the messages waiting
    in the stack's RabbitMQ queues (when rabbitmqctl is at hand)."""
    with MongoClient(env["CRM_MONGO_URI"]) as client:
        waiting = client["crm_lead"]["outbox"].count_documents({"status": "pending"})
    vhost = env["CRM_AMQP_URI"].rsplit("/", 1)[-1].replace("%2F", "/") or "/"
    try:
        listed = subprocess.run(
            ["rabbitmqctl", "-q", "list_queues", "-p", vhost, "messages"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return waiting
    return waiting + sum(int(n) for n in listed.split() if n.isdigit())


def _drain(env: dict[str, str], timeout: float) -> float:
    """Wait until every event of the import went through (so that nothing is left for
    the next user of the test stack); how long that took after the job was done."""
    began = time.perf_counter()
    while _backlog(env) and time.perf_counter() - began < timeout:
        time.sleep(2)
    return time.perf_counter() - began


def make_csv(rows: int, duplicates: float, seed: int = 14) -> bytes:
    """`rows` data rows, GBK: people, and about `duplicates` of them copies of earlier
    rows with the phone and email written another way."""
    rnd = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["姓名", "公司名称", "手机", "邮箱", "线索来源", "省份", "行业", "备注"])
    people: list[list[str]] = []
    for i in range(rows):
        if people and rnd.random() < duplicates:
            name, company, phone, email, *rest = rnd.choice(people)
            copy = f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}"
            writer.writerow([name, company + " ", copy, email.upper(), *rest])
            continue
        person = [
            rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN),
            f"{rnd.choice(WORDS)}{rnd.choice(WORDS)}{rnd.choice(KINDS)}有限公司{i}",
            f"1{rnd.choice('3589')}{i:09d}",
            f"lead{i}@example.cn",
            rnd.choice(SOURCES),
            rnd.choice(PROVINCES),
            rnd.choice(INDUSTRIES),
            "客户对产品感兴趣，约下周演示",
        ]
        people.append(person)
        writer.writerow(person)
    return out.getvalue().encode("gbk")


class Progress:
    """A line on stderr every PROGRESS_EVERY seconds, so that a run cut short still
    tells its rate."""

    def __init__(self, rows: int, began: float) -> None:
        self.rows, self.began, self.reported = rows, began, began

    def tick(self, done: int) -> None:
        now = time.perf_counter()
        if now - self.reported >= PROGRESS_EVERY:
            self.reported, seconds = now, now - self.began
            rate = done / seconds if seconds else 0.0
            print(
                f"{seconds:7.0f} s: {done} of {self.rows} rows, {rate:.1f} rows/s", file=sys.stderr
            )


def run(rows: int, duplicates: float, export: bool, timeout: float) -> dict[str, Any]:
    with test_stack() as stack:
        env = stack.env
        tenant = f"bench-import-{uuid.uuid4().hex[:8]}"
        admin_cli(env, "create-tenant", "--tenant", tenant, "--plan", "enterprise", *UNLIMITED)
        key = admin_cli(env, "issue-key", "--tenant", tenant, "--user", "bench", "--role", "admin")
        data = make_csv(rows, duplicates)
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=env["CRM_GATEWAY_URL"], headers=headers, timeout=120) as api:
            cpu_before = cpu_seconds(stack.pids)
            began = time.perf_counter()
            answer = api.post(
                "/v1/lead-imports",
                content=data,
                params={"file_name": f"bench-{rows}.csv"},
                headers={"Content-Type": "text/csv"},
            )
            answer.raise_for_status()
            accepted = time.perf_counter() - began
            job_id = answer.json()["id"]
            job: dict[str, Any] = answer.json()
            progress = Progress(rows, began)
            while job["status"] not in ("done", "failed"):
                if time.perf_counter() - began > timeout:
                    raise SystemExit(f"not done after {timeout:.0f} s: {job}")
                time.sleep(1)
                job = api.get(f"/v1/lead-imports/{job_id}").json()
                progress.tick(job.get("processed_rows", 0))
            elapsed = time.perf_counter() - began
            cpu = {k: v - cpu_before.get(k, 0.0) for k, v in cpu_seconds(stack.pids).items()}
            result: dict[str, Any] = {
                "rows": rows,
                "bytes": len(data),
                "seconds": elapsed,
                "rows_per_second": rows / elapsed,
                "upload_and_check_seconds": accepted,
                "job": {k: job[k] for k in ("status", "created", "flagged", "merged", "failed")},
                "cpu_seconds": dict(sorted(cpu.items(), key=lambda kv: -kv[1])[:6]),
                "events_drained_after_seconds": _drain(env, 1800),
            }
            if export:
                began = time.perf_counter()
                exported = api.get("/v1/leads/export", timeout=3600)
                exported.raise_for_status()
                seconds = time.perf_counter() - began
                lines = exported.content.count(b"\r\n") - 1
                result["export"] = {
                    "leads": lines,
                    "seconds": seconds,
                    "leads_per_second": lines / seconds,
                }
    return result


def run_direct(rows: int, duplicates: float) -> dict[str, Any]:
    """The import path alone: the lead service's start and worker code in this process
    on an embedded MongoDB of its own, no relay, no broker, no gateway."""
    from crm_runtime.principal import Principal
    from crm_runtime.testing.fixtures import settings_for
    from crm_runtime.testing.servers import embedded_mongo
    from crm_runtime.wiring import unit_of_work
    from lead.imports.runner import ImportRunner
    from lead.imports.use_cases import ImportApp, StartImport
    from lead.indexes import ensure_indexes
    from lead.mongo_storage import MongoLeadStorage

    data = make_csv(rows, duplicates)
    with embedded_mongo() as uri, MongoClient(uri, tz_aware=True) as client:
        ensure_indexes(client["bench"])
        uow = unit_of_work(settings_for("lead", "worker", uri, "bench"), client)
        began = time.perf_counter()
        job = ImportApp(MongoLeadStorage(uow)).start(
            Principal("bench", "bench", ("admin",), "all"), StartImport(csv=data)
        )
        runner = ImportRunner(MongoLeadStorage(uow), budget=1e9, max_backlog=0)
        jobs = client["bench"]["lead_imports"]
        progress = Progress(rows, began)
        while (state := jobs.find_one({"_id": job.id}))["status"] not in ("done", "failed"):
            if not runner.tick():
                time.sleep(0.5)  # paused after a failed batch: it goes on from the checkpoint
            progress.tick(state.get("processed_rows", 0))
        elapsed = time.perf_counter() - began
        done = jobs.find_one({"_id": job.id})
    return {
        "rows": rows,
        "seconds": elapsed,
        "rows_per_second": rows / elapsed,
        "job": {k: done[k] for k in ("status", "created", "flagged", "merged", "failed")},
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000, help="at most 100000")
    parser.add_argument("--duplicates", type=float, default=0.1, help="share of copies")
    parser.add_argument("--export", action="store_true", help="also time GET /v1/leads/export")
    parser.add_argument("--timeout", type=float, default=7200, help="seconds to wait for done")
    parser.add_argument(
        "--direct", action="store_true", help="the import path alone, in process (no stack)"
    )
    args = parser.parse_args()
    if args.direct:
        direct = run_direct(min(args.rows, 100_000), args.duplicates)
        job = direct["job"]
        print(
            f"import (direct, no relay): {direct['rows']} rows in {direct['seconds']:.1f} s = "
            f"{direct['rows_per_second']:.0f} rows/s ({job['status']}: {job['created']} created, "
            f"{job['flagged']} flagged, {job['failed']} failed)"
        )
        if job["status"] != "done":
            raise SystemExit(f"the import did not finish: {job}")
        return
    result = run(min(args.rows, 100_000), args.duplicates, args.export, args.timeout)
    print(json.dumps(result, indent=2))
    job = result["job"]
    print(
        f"import: {result['rows']} rows in {result['seconds']:.1f} s = "
        f"{result['rows_per_second']:.0f} rows/s ({job['status']}: {job['created']} created, "
        f"{job['flagged']} flagged, {job['merged']} merged, {job['failed']} failed; upload and "
        f"check {result['upload_and_check_seconds']:.1f} s)"
    )
    if job["status"] != "done":
        raise SystemExit(f"the import did not finish: {job}")
    busiest = ", ".join(
        f"{name} {seconds:.0f} s" for name, seconds in result["cpu_seconds"].items()
    )
    print(f"CPU during the import (2 cores): {busiest}")
    if "export" in result:
        e = result["export"]
        print(
            f"export: {e['leads']} leads in {e['seconds']:.1f} s = {e['leads_per_second']:.0f} leads/s"
        )


if __name__ == "__main__":
    main()
