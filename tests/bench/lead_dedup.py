"""Duplicate look-ups with a million leads in one tenant.

    .venv/bin/python tests/bench/lead_dedup.py [--leads 1000000] [--lookups 2000]
                                               [--checks 200] [--captures 200] [--reseed]

Seeds once, then reuses: `--leads` lead documents of one tenant, written by the lead
service's own code (domain `create_lead` and scoring, `documents.lead_to_doc`), with the
`dedup_keys` documents a capture writes (three per lead), 50 reps and a round-robin
rule, into an embedded MongoDB whose files stay in .local/bench/dedup-<leads>/ (bulk
`insert_many`, then the service's `ensure_indexes`). 70 % of the leads are owned, 1 %
are merged into another lead.

Then, on that database started the way the stack starts it (`--sync-on-commit`):
- `explain()` of each query of `lead.store.duplicate_lookups` (must be an IXSCAN);
- `LeadRepository.possible_duplicates`, the three look-ups every capture runs, inside
  the capture's unit of work, for `--lookups` random keys, half of existing leads and
  half new, each result checked against the lead that should (not) be found;
- the CheckDuplicates use case (`LeadEditApp.check_duplicates`) when it exists;
- `LeadApp.create`, the whole capture (dedup, scoring, routing to a rep, the insert
  into 14 indexes, the outbox), one after another; those leads are removed afterwards.

A measurement stops early when `--budget` seconds are spent, and says so.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import bson
from bson.raw_bson import RawBSONDocument
from crm_runtime.messaging.outbox import OutboxWriter
from crm_runtime.principal import Principal
from crm_runtime.storage.mongo import UnitOfWork
from harness import BENCH_STATE, embedded_mongo, percentile, plan_of, seeded_database
from lead.app import LeadApp
from lead.documents import lead_to_doc
from lead.domain.assignment import AssignmentRule, Rep
from lead.domain.dedup import keys_of_draft
from lead.domain.lead import LeadDraft, LeadStatus, create_lead
from lead.domain.scoring import apply_score, score_lead
from lead.domain.settings import LeadSettings
from lead.domain.sla import next_check_at
from lead.indexes import ensure_indexes
from lead.mongo_storage import MongoLeadStorage
from lead.store import LeadRepository, duplicate_lookups
from lead.tenant_config import LeadConfigApp
from pymongo import MongoClient

TENANT, DATABASE, SEED_VERSION = "bench-dedup", "crm_lead", 1
REPS, BATCH = 50, 5_000
PRINCIPAL = Principal(TENANT, "bench", ("admin",), "all")
SURNAMES, GIVEN = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林罗高", "伟芳娜敏静磊洋勇艳杰军强丽华明"
CITIES = ("上海", "北京", "杭州", "苏州", "南京", "深圳", "广州", "成都")
SEEDED_AT = datetime(2026, 11, 1, tzinfo=UTC)


def lead_id(i: int) -> str:
    return str(uuid.UUID(int=(0xBE4C << 96) + i, version=4))


def draft(i: int) -> LeadDraft:
    """Lead number i: its phone, email and company are its own (so a look-up of an
    existing lead finds exactly that lead, and of i >= --leads finds nothing)."""
    city = CITIES[i % len(CITIES)]
    return LeadDraft(
        name=SURNAMES[i % 20] + GIVEN[(i // 20) % 15] + GIVEN[(i // 300) % 15],
        company=f"{city}云图{i}科技有限公司",
        phone=f"139{i % 10**8:08d}",
        email=f"lead{i}@corp{i % 5000}.example.cn",
        source=("web", "wechat", "trade_show", "referral")[i % 4],
        region=city,
        industry=("软件", "制造业", "零售")[i % 3],
        tags=("官网",) if i % 2 else (),
    )


def _documents(first: int, count: int) -> tuple[list[bytes], list[bytes]]:
    """Leads first..first+count-1 and their dedup key documents, BSON-encoded (built
    in a helper process while the database inserts the previous batch)."""
    settings = LeadSettings.from_dict({})
    leads, keys = [], []
    for i in range(first, first + count):
        created = SEEDED_AT - timedelta(seconds=(i * 7919) % (730 * 86400))
        lead = create_lead(
            draft(i), lead_id=lead_id(i), tenant_id=TENANT, created_by="seed", now=created
        )
        lead = apply_score(lead, score_lead(lead, settings), now=created)
        if i % 10 < 7:
            lead = replace(
                lead,
                owner_id=f"rep-{i % REPS}",
                status=LeadStatus.ASSIGNED,
                owned_since=created,
                assignment_rule="east round-robin",
                assignment_reason="round-robin in group east",
            )
        if i % 100 == 99:
            lead = replace(lead, merged_into=lead_id(i - 1))
        doc = {**lead_to_doc(lead), "tenant_id": TENANT}
        doc["next_check_at"] = None if lead.merged_into else next_check_at(lead, settings)
        leads.append(bson.encode(doc))
        for field, value in (
            ("phone", lead.phone),
            ("email", lead.email),
            ("company", lead.company_key),
        ):
            keys.append(
                bson.encode(
                    {
                        "_id": bson.ObjectId(),
                        "tenant_id": TENANT,
                        "key": f"{field}:{value}",
                        "touched_at": created,
                        "first_lead_id": lead.id,
                    }
                )
            )
    return leads, keys


def _batch(first: int) -> tuple[list[bytes], list[bytes]]:
    return _documents(first, BATCH)


def seed(uri: str, total: int) -> dict[str, float]:
    client: MongoClient[dict[str, Any]] = MongoClient(uri, tz_aware=True)
    db = client[DATABASE]
    started = time.perf_counter()
    done = 0
    with multiprocessing.Pool(1) as helper:
        for leads, keys in helper.imap(_batch, range(0, total, BATCH)):
            leads, keys = leads[: total - done], keys[: 3 * (total - done)]
            db.leads.insert_many([RawBSONDocument(b) for b in leads])
            db.dedup_keys.insert_many([RawBSONDocument(b) for b in keys])
            done += len(leads)
            if done % 100_000 == 0 or done == total:
                rate = done / (time.perf_counter() - started)
                print(f"  seeded {done:,} leads ({rate:,.0f} leads/s)", flush=True)
    inserted = time.perf_counter()
    ensure_indexes(db)
    indexed = time.perf_counter()
    uow = UnitOfWork(client, DATABASE, OutboxWriter("lead"))
    config = LeadConfigApp(MongoLeadStorage(uow))
    for n in range(REPS):
        config.upsert_rep(
            PRINCIPAL,
            Rep(id=f"rep-{n}", groups=frozenset({"east"}), capacity=100_000),
            manager_id="",
        )
    rule = AssignmentRule(name="east round-robin", group="east", regions=frozenset(CITIES))
    config.replace_rules(PRINCIPAL, [rule])
    client.close()
    return {
        "insert_seconds": inserted - started,
        "index_seconds": indexed - inserted,
        "leads_per_second_inserted": total / (inserted - started),
    }


def timed(
    samples: Iterator[Any], run: Callable[[Any], None], budget: float
) -> tuple[list[float], bool]:
    """Milliseconds of run(sample) for each sample, stopping when `budget` s are spent."""
    spent, deadline = [], time.monotonic() + budget
    for sample in samples:
        started = time.perf_counter()
        run(sample)
        spent.append(1000 * (time.perf_counter() - started))
        if time.monotonic() > deadline:
            return spent, True
    return spent, False


def figures(spent: list[float], stopped: bool) -> dict[str, Any]:
    ordered = sorted(spent)
    return {
        "samples": len(ordered),
        "p50_ms": round(percentile(ordered, 0.5), 2),
        "p99_ms": round(percentile(ordered, 0.99), 2),
        "max_ms": round(ordered[-1], 2),
        "stopped_by_budget": stopped,
    }


def plans(client: MongoClient[dict[str, Any]]) -> dict[str, Any]:
    """How the database runs each duplicate look-up, as the store issues it."""
    found = {}
    for query in duplicate_lookups(keys_of_draft(draft(12_345))):
        cursor = client[DATABASE].leads.find({"tenant_id": TENANT, **query}, limit=50)
        found[next(iter(query))] = plan_of(cursor.explain())
    return found


def measure(
    uri: str, total: int, lookups: int, checks: int, captures: int, budget: float
) -> dict[str, Any]:
    client: MongoClient[dict[str, Any]] = MongoClient(uri, tz_aware=True)
    uow = UnitOfWork(client, DATABASE, OutboxWriter("lead"))
    rng = random.Random(7)
    result: dict[str, Any] = {"plans": plans(client)}

    keys = [
        rng.randrange(total) if n % 2 == 0 else total + rng.randrange(total) for n in range(lookups)
    ]
    wrong: list[int] = []
    in_tx: list[float] = []

    def look_up(i: int) -> None:
        wanted = [] if i >= total or i % 100 == 99 else [lead_id(i)]

        def work(tx: Any) -> list[str]:
            started = time.perf_counter()
            found = LeadRepository(tx, TENANT).possible_duplicates(keys_of_draft(draft(i)))
            in_tx.append(1000 * (time.perf_counter() - started))
            return [lead.id for lead in found]

        if uow.run(work) != wanted:
            wrong.append(i)

    spent, stopped = timed(iter(keys), look_up, budget)
    result["possible_duplicates"] = {
        **figures(in_tx, stopped),
        "with_transaction": figures(spent, stopped),
        "existing_keys": sum(1 for i in keys[: len(spent)] if i < total),
        "wrong_answers": len(wrong),
    }
    try:
        from lead.edits import LeadEditApp
    except ImportError:
        result["check_duplicates"] = "no LeadEditApp.check_duplicates in this tree"
    else:
        edits = LeadEditApp(MongoLeadStorage(uow))
        sample = (rng.randrange(2 * total) for _ in range(checks))

        def check(i: int) -> None:
            edits.check_duplicates(PRINCIPAL, draft(i))

        spent, stopped = timed(sample, check, budget)
        result["check_duplicates"] = figures(spent, stopped)

    app = LeadApp(MongoLeadStorage(uow))
    first = 3 * total + rng.randrange(10**6) * 1000  # new phones, emails and companies
    made: list[str] = []
    spent, stopped = timed(
        iter(range(first, first + captures)),
        lambda i: made.append(app.create(PRINCIPAL, draft(i)).lead.id),
        budget,
    )
    result["capture"] = {**figures(spent, stopped), "assigned": _remove(client, made, first)}
    client.close()
    return result


def _remove(client: MongoClient[dict[str, Any]], made: list[str], first: int) -> int:
    """Take the captured leads out again (and their key documents, events and slots),
    so that every run measures the same database; returns how many had an owner."""
    db = client[DATABASE]
    owners = [d["owner_id"] for i in made if (d := db.leads.find_one({"_id": i}))]
    for i, lead in zip(range(first, first + len(made)), made, strict=True):
        db.leads.delete_one({"_id": lead})
        keys = keys_of_draft(draft(i))
        for field, value in (
            ("phone", keys.phone),
            ("email", keys.email),
            ("company", keys.company_key),
        ):
            db.dedup_keys.delete_one({"tenant_id": TENANT, "key": f"{field}:{value}"})
    db.outbox.delete_many({"tenant_id": TENANT})
    for owner in filter(None, owners):
        db.reps.update_one({"tenant_id": TENANT, "rep_id": owner}, {"$inc": {"open_leads": -1}})
    return sum(1 for o in owners if o)


def run(args: argparse.Namespace) -> dict[str, Any]:
    storage = BENCH_STATE / f"dedup-{args.leads}"
    meta = seeded_database(
        storage, "leads", args.leads, SEED_VERSION, lambda uri: seed(uri, args.leads), args.reseed
    )
    if args.seed_only:
        return {"leads": args.leads, "seed": meta}
    with embedded_mongo(storage) as mongo:
        client: MongoClient[dict[str, Any]]
        with MongoClient(mongo.address) as client:
            ensure_indexes(client[DATABASE])  # as the lead api does when it starts
        measured = measure(
            mongo.address, args.leads, args.lookups, args.checks, args.captures, args.budget
        )
    return {"leads": args.leads, "seed": meta, **measured}


def report(result: dict[str, Any]) -> str:
    seed = result["seed"]
    lines = [
        f"dedup: {result['leads']:,} leads in one tenant "
        + ("(seeded earlier, reused)" if seed["reused"] else "(seeded now)")
        + f"; seeding inserted {seed['leads_per_second_inserted']:,.0f} leads/s "
        f"({seed['insert_seconds']:.0f} s) and built the indexes in {seed['index_seconds']:.0f} s"
    ]
    if "plans" not in result:
        return "\n".join(lines)
    for field, plan in result["plans"].items():
        lines.append(
            f"  plan of the {field} look-up: {plan['stages']} "
            f"(documents examined: {plan['docs_examined']})"
        )

    def line(label: str, f: dict[str, Any]) -> str:
        cut = " STOPPED by --budget" if f["stopped_by_budget"] else ""
        return (
            f"{label}: {f['samples']} samples, p50 {f['p50_ms']:.2f} ms, "
            f"p99 {f['p99_ms']:.2f} ms, max {f['max_ms']:.2f} ms{cut}"
        )

    pd = result["possible_duplicates"]
    lines.append(
        line("possible_duplicates (3 look-ups)", pd)
        + f"; {pd['existing_keys']} existing keys, wrong answers: {pd['wrong_answers']}"
    )
    lines.append(line("  the same with its transaction", pd["with_transaction"]))
    check = result["check_duplicates"]
    lines.append(line("CheckDuplicates use case", check) if isinstance(check, dict) else check)
    lines.append(
        line("capture (LeadApp.create)", result["capture"])
        + f"; assigned to a rep: {result['capture']['assigned']}"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--checks", type=int, default=200, help="CheckDuplicates calls")
    parser.add_argument("--captures", type=int, default=200)
    parser.add_argument("--budget", type=float, default=300, help="seconds per measurement")
    parser.add_argument("--reseed", action="store_true", help="seed again from nothing")
    parser.add_argument("--seed-only", action="store_true")
    args = parser.parse_args()
    result = run(args)
    print(report(result))
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
