"""A page of 50 deals filtered by stage and owner, from a tenant with a million deals.

    .venv/bin/python tests/bench/opportunity_list.py [--deals 1000000] [--lists 500]
                                                      [--concurrency 1] [--reseed]

Seeds once, then reuses: `--deals` opportunity documents of one tenant, made by the
opportunity service's own code (domain `create_opportunity`, `opportunity_to_doc`), into
an embedded MongoDB whose files stay in .local/bench/deals-<deals>/ (bulk `insert_many`
with only `_id`, then the service's `ensure_indexes`). 200 owners in 20 teams; stages
spread as a real funnel (30 % initial contact ... 12 % won, 8 % lost); created over two
years; amounts from ¥5,000 to ¥2,000,000. The seed leaves the cadence timer unset
(`next_check_at`), so that the stack's worker does not spend the measurement reminding
700,000 seeded deals; stage histories are not seeded (a list never reads them).

Then the test-profile stack is started on that database (harness.test_stack), and
`GET /v1/opportunities?stage=S&owner_id=O&limit=50` is called `--lists` times with an
admin key (data scope: all) for random (owner, stage) pairs, at `--concurrency`: p50,
p99 through the gateway, each answer checked (50 items, or all there are, of that owner
and stage, newest first). The query's plan is read with `explain()`, with the hint the
store passes: an IXSCAN of tenant, owner_id, stage, created_at, _id, no SORT stage.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import subprocess
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import bson
from bson.raw_bson import RawBSONDocument
from crm_runtime.storage.repository import SortKey
from harness import (
    BENCH_STATE,
    UNLIMITED,
    Pool,
    admin_cli,
    drive,
    plan_of,
    seeded_database,
    test_stack,
)
from opportunity.deals.documents import opportunity_to_doc
from opportunity.deals.store import deal_index
from opportunity.domain.money import Money
from opportunity.domain.opportunity import OpportunityDraft, Status, create_opportunity
from opportunity.indexes import OPPORTUNITIES, ensure_indexes
from pymongo import MongoClient

TENANT, DATABASE, SEED_VERSION = "bench-deals", "crm_opportunity", 2
OWNERS, TEAMS, ACCOUNTS, BATCH = 200, 20, 20_000, 5_000
SEEDED_AT = datetime(2026, 11, 1, tzinfo=UTC)
# (stage, probability, status, share in %): a funnel.
FUNNEL = (
    ("initial_contact", 10, Status.OPEN, 30),
    ("needs_confirmed", 30, Status.OPEN, 20),
    ("solution", 50, Status.OPEN, 15),
    ("quote_negotiation", 70, Status.OPEN, 10),
    ("contract_signing", 90, Status.OPEN, 5),
    ("won", 100, Status.WON, 12),
    ("lost", 0, Status.LOST, 8),
)
STAGE_OF = [row for row in FUNNEL for _ in range(row[3])]  # 100 entries


def deal_id(i: int) -> str:
    return str(uuid.UUID(int=(0xDEA1 << 96) + i, version=4))


def _documents(first: int, count: int) -> list[bytes]:
    """Deals first..first+count-1, BSON-encoded (in a helper process, while the database
    inserts the previous batch)."""
    docs = []
    for i in range(first, min(first + count, first + BATCH)):
        # Owner and stage independent: every owner has deals in every stage.
        stage, probability, status, _ = STAGE_OF[(i * 7919 + i // OWNERS) % 100]
        created = SEEDED_AT - timedelta(seconds=(i * 7919) % (730 * 86400))
        owner = i % OWNERS
        draft = OpportunityDraft(
            name=f"{('云平台', 'CRM 项目', '数据中台', '安全升级')[i % 4]} {i}",
            account_id=f"account-{i % ACCOUNTS}",
            owner_id=f"rep-{owner}",
            team_id=f"team-{owner % TEAMS}",
            amount=Money(Decimal(5_000 + (i * 7_919) % 1_995_000), "CNY"),
            expected_close_date=(created + timedelta(days=90)).date().isoformat(),
        )
        opp = create_opportunity(
            draft,
            opportunity_id=deal_id(i),
            tenant_id=TENANT,
            account_name=f"客户{i % ACCOUNTS}有限公司",
            pipeline_id="default",
            pipeline_version=1,
            first_stage="initial_contact",
            probability=10,
            created_by=f"rep-{owner}",
            now=created,
        )
        opp = replace(opp, stage=stage, probability=probability, status=status)
        if status is not Status.OPEN:
            closed = (created + timedelta(days=60)).date().isoformat()
            opp = replace(opp, closed_date=closed, closed_from_stage="contract_signing")
        doc = {**opportunity_to_doc(opp), "tenant_id": TENANT, "next_check_at": None}
        docs.append(bson.encode(doc))
    return docs


def seed(uri: str, total: int) -> dict[str, float]:
    client: MongoClient[dict[str, Any]] = MongoClient(uri, tz_aware=True)
    db = client[DATABASE]
    started, done = time.perf_counter(), 0
    with multiprocessing.Pool(1) as helper:
        batches = ((first, min(BATCH, total - first)) for first in range(0, total, BATCH))
        for docs in helper.starmap(_documents, batches, chunksize=1):
            db[OPPORTUNITIES].insert_many([RawBSONDocument(d) for d in docs], ordered=False)
            done += len(docs)
            if done % 100_000 == 0 or done == total:
                rate = done / (time.perf_counter() - started)
                print(f"  seeded {done:,} deals ({rate:,.0f} deals/s)", flush=True)
    inserted = time.perf_counter()
    ensure_indexes(db)
    indexed = time.perf_counter()
    client.close()
    return {
        "insert_seconds": inserted - started,
        "index_seconds": indexed - inserted,
        "deals_per_second_inserted": total / (inserted - started),
    }


def plan(uri: str, owner: str, stage: str) -> dict[str, Any]:
    """How the database runs the list's query, as the store issues it."""
    query = {"tenant_id": TENANT, "owner_id": owner, "stage": stage}
    sort = SortKey("created_at", True)
    with MongoClient(uri) as client:
        cursor = client[DATABASE][OPPORTUNITIES].find(
            query, sort=sort.spec, limit=51, hint=deal_index(query, sort)
        )
        explained = cursor.explain()
        matching = client[DATABASE][OPPORTUNITIES].count_documents(query)
    return {**plan_of(explained), "matching": matching}


def tenant_key(env: dict[str, str]) -> str:
    """The seeded tenant (kept in the seeded database between runs) and a new admin key."""
    try:
        admin_cli(env, "create-tenant", "--tenant", TENANT, "--plan", "enterprise", *UNLIMITED)
    except subprocess.CalledProcessError:  # made by an earlier run on this database
        admin_cli(env, "set-plan", "--tenant", TENANT, "--plan", "enterprise", *UNLIMITED)
    return admin_cli(env, "issue-key", "--tenant", TENANT, "--user", "bench", "--role", "admin")


def measure(env: dict[str, str], lists: int, concurrency: int) -> dict[str, Any]:
    rng = random.Random(4)
    pairs = [(f"rep-{rng.randrange(OWNERS)}", rng.choice(FUNNEL[:5])[0]) for _ in range(lists)]
    headers = {"Authorization": f"Bearer {tenant_key(env)}"}
    wrong: list[str] = []
    sizes: list[int] = []

    async def load() -> dict[str, Any]:
        pool = Pool(env["CRM_GATEWAY_URL"], concurrency, headers)

        async def call(i: int) -> bool:
            owner, stage = pairs[i]
            query = urlencode({"stage": stage, "owner_id": owner, "limit": 50})
            answer = await pool.get(f"/v1/opportunities?{query}")
            if answer.status != 200:
                wrong.append(f"{answer.status} {answer.body[:200]!r}")
                return False
            items = json.loads(answer.body)["items"]
            created = [item["created_at"] for item in items]
            if any(
                (x["owner_id"], x["stage"]) != (owner, stage) for x in items
            ) or created != sorted(created, reverse=True):
                wrong.append(f"page of {owner} in {stage} is not theirs, newest first")
            sizes.append(len(items))
            return True

        try:
            await drive(min(10, lists), concurrency, call)  # warm-up: connections, caches
            sizes.clear()
            return await drive(lists, concurrency, call)
        finally:
            pool.close()

    figures = asyncio.run(load())
    return {
        **figures,
        "concurrency": concurrency,
        "items_per_page": sorted(set(sizes)),
        "wrong_answers": wrong[:5],
        "plan": plan(env["CRM_MONGO_URI"], *pairs[0]),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    storage = BENCH_STATE / f"deals-{args.deals}"
    meta = seeded_database(
        storage, "deals", args.deals, SEED_VERSION, lambda uri: seed(uri, args.deals), args.reseed
    )
    if args.seed_only:
        return {"deals": args.deals, "seed": meta}
    with test_stack(storage) as stack:
        measured = measure(stack.env, args.lists, args.concurrency)
    return {"deals": args.deals, "seed": meta, **measured}


def report(result: dict[str, Any]) -> str:
    seed = result["seed"]
    lines = [
        f"opportunity list: {result['deals']:,} deals in one tenant "
        + ("(seeded earlier, reused)" if seed["reused"] else "(seeded now)")
        + f"; seeding inserted {seed['deals_per_second_inserted']:,.0f} deals/s "
        f"({seed['insert_seconds']:.0f} s) and built the indexes in {seed['index_seconds']:.0f} s"
    ]
    if "plan" not in result:
        return "\n".join(lines)
    p = result["plan"]
    lines.append(
        f"  plan: {p['stages']}; one owner's deals in one stage: {p['matching']:,}; "
        f"keys examined {p['keys_examined']}, documents examined {p['docs_examined']}"
    )
    lines.append(
        f"GET /v1/opportunities?stage=&owner_id=&limit=50 at concurrency {result['concurrency']}: "
        f"{result['requests']} lists, {result['per_second']:.1f} lists/s, "
        f"p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms; "
        f"items per page {result['items_per_page']}; failed {result['failed']}; "
        f"wrong answers: {result['wrong_answers'] or 'none'}"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--lists", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--reseed", action="store_true", help="seed again from nothing")
    parser.add_argument("--seed-only", action="store_true")
    args = parser.parse_args()
    result = run(args)
    print(report(result))
    print(json.dumps(result, indent=2, default=str))
    if result.get("wrong_answers") or result.get("failed"):
        raise SystemExit("some lists failed or were wrong")


if __name__ == "__main__":
    main()
