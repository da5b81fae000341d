"""Lead capture through the gateway against the raw stack, in one run.

    .venv/bin/python tests/bench/lead_capture.py [--requests 2000] [--concurrency 16] [--rounds 2]

- **lead**: `POST /v1/leads` with an admin API key of a tenant of the run's own, whose
  rate limits cannot be reached; every body has a new phone, email and company, so the
  three duplicate look-ups run and find nothing; the tenant has four reps in one group
  and two rules (a senior rule that does not match, then a regional round-robin that
  does), so every lead is scored, routed and takes a rep's slot.
- **raw**: the same bodies, the same client and concurrency, to `POST /raw/leads` of
  tests/bench/raw_stack.py: FastAPI under uvicorn with the gateway's settings, one
  gRPC unary call, one `insert_one` into the same SecantusDB; no auth, no domain.

Phases alternate (raw, lead, raw, lead, ...) after a warm-up of each, so drift on a
shared two-core machine falls on both. The client is a closed loop of `--concurrency`
keep-alive connections that behaves as a client should: a 429 or 503 is sent again
after its Retry-After (counted, and inside that request's latency). req/s counts the
leads captured; CPU per capture is read from /proc for every process (the workers,
which react to the events after the answer, summed), and operations per capture per
collection from the database's `top`. Uses the test-profile stack (harness.py: a
running one is reused; otherwise it is started on a fresh database and stopped after).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import uuid
from typing import Any

import httpx
from harness import (
    UNLIMITED,
    MongoTop,
    Pool,
    RawStack,
    admin_cli,
    clean_up_tenant,
    drive,
    phase_lines,
    ratios,
    shared_pids,
    test_stack,
    with_costs,
)

REPS, GROUP = 4, "bench-east"
RULES = [
    {"name": "hot to seniors", "min_score": 95, "seniors_only": True},
    {"name": "east round-robin", "group": GROUP, "regions": ["上海", "江苏", "浙江"]},
]
SURNAMES, GIVEN = "张王李赵刘陈杨黄周吴", "伟芳娜敏静磊洋勇艳杰"


def body(i: int, run: str) -> bytes:
    """A lead nobody captured before in this tenant: phone, email and company are new."""
    name = SURNAMES[i % 10] + GIVEN[(i // 10) % 10] + GIVEN[(i // 100) % 10]
    return json.dumps(
        {
            "name": name,
            "company": f"上海{run}云图{i}科技有限公司",
            "phone": f"+86 139-{i // 10000 % 10000:04d}-{i % 10000:04d}",
            "email": f"lead{i}.{run}@example.cn",
            "source": "web",
            "region": "上海",
            "industry": "软件",
            "tags": ["官网", "SaaS"],
        },
        ensure_ascii=False,
    ).encode()


def configure_tenant(env: dict[str, str], rules: bool) -> tuple[str, str]:
    """A tenant with unreachable limits, an admin key, reps and (unless `rules` is
    False, for comparison) the rules; (tenant, key)."""
    tenant = f"bench-{uuid.uuid4().hex[:8]}"
    admin_cli(env, "create-tenant", "--tenant", tenant, "--plan", "enterprise", *UNLIMITED)
    key = admin_cli(env, "issue-key", "--tenant", tenant, "--user", "bench", "--role", "admin")
    with httpx.Client(
        base_url=env["CRM_GATEWAY_URL"], headers={"Authorization": f"Bearer {key}"}, timeout=30
    ) as admin:
        for n in range(REPS):
            user = admin.post(
                "/v1/users",
                json={
                    "email": f"rep{n}@{tenant}.example.cn",
                    "display_name": f"销售{n}",
                    "roles": ["sales_rep"],
                    "password": "correct horse battery",
                },
            )
            user.raise_for_status()
            rep = {"name": f"销售{n}", "groups": [GROUP], "capacity": 100_000}
            admin.put(f"/v1/lead-reps/{user.json()['id']}", json=rep).raise_for_status()
        if rules:
            admin.put("/v1/lead-assignment-rules", json={"rules": RULES}).raise_for_status()
    return tenant, key


class Target:
    """One path under load: where it is, what it answers, which processes serve it."""

    def __init__(
        self,
        name: str,
        url: str,
        route: str,
        headers: dict[str, str],
        pids: dict[str, int],
        top: MongoTop,
    ) -> None:
        self.name, self.url, self.route, self.headers, self.pids = name, url, route, headers, pids
        self.top = top
        self.assigned = self.flagged = 0
        self.errors: dict[int, int] = {}
        self.retried: dict[int, int] = {}

    async def run(self, total: int, concurrency: int, first: int, run: str) -> dict[str, Any]:
        pool = Pool(self.url, concurrency, self.headers)

        async def call(i: int) -> bool:
            """One capture as a well-behaved client makes it: on 429 or 503 it waits as
            long as Retry-After says and sends the same lead again (at most 5 times)."""
            for _ in range(6):
                answer = await pool.post(self.route, body(first + i, run))
                wait = answer.retry_after()
                if answer.status == 201 or wait is None:
                    break
                self.retried[answer.status] = self.retried.get(answer.status, 0) + 1
                await asyncio.sleep(wait)
            if answer.status != 201:
                self.errors[answer.status] = self.errors.get(answer.status, 0) + 1
                return False
            lead = json.loads(answer.body)
            self.assigned += bool(lead.get("owner_id"))
            self.flagged += bool(lead.get("duplicate_of"))
            return True

        try:
            return await drive(total, concurrency, call)
        finally:
            pool.close()

    def measured(self, total: int, concurrency: int, first: int, run: str) -> dict[str, Any]:
        self.errors, self.retried = {}, {}
        figures = with_costs(
            self.pids, self.top, lambda: asyncio.run(self.run(total, concurrency, first, run))
        )
        figures["errors"] = dict(self.errors)
        figures["retried_after"] = dict(self.retried)
        return figures


def run(
    total: int, concurrency: int, rounds: int, warmup: int, rules: bool = True
) -> dict[str, Any]:
    with test_stack() as stack:
        env = stack.env
        tenant, key = configure_tenant(env, rules)
        raw = RawStack(env["CRM_MONGO_URI"])
        top = MongoTop(env["CRM_MONGO_URI"])
        run_id = uuid.uuid4().hex[:6]
        try:
            lead = Target(
                "lead",
                env["CRM_GATEWAY_URL"],
                "/v1/leads",
                {"Authorization": f"Bearer {key}"},
                {
                    "gateway": stack.pids["gateway"],
                    "lead-api": stack.pids["lead-api"],
                    **shared_pids(stack),
                },
                top,
            )
            bare = Target("raw", raw.url, "/raw/leads", {}, {**raw.pids, **shared_pids(stack)}, top)
            lead.measured(warmup, concurrency, 0, run_id)
            bare.measured(warmup, concurrency, 0, run_id)
            lead.assigned = lead.flagged = 0
            phases: list[dict[str, Any]] = []
            first = warmup
            for n in range(rounds):
                for path in (bare, lead):
                    figures = path.measured(total, concurrency, first, run_id)
                    phases.append({"round": n + 1, "path": path.name, **figures})
                    if path is lead:
                        first += total
            assigned, flagged = lead.assigned, lead.flagged
        finally:
            raw.stop()
            top.close()
            if stack.reused:  # a fresh database goes away with the run
                clean_up_tenant(env["CRM_MONGO_URI"], "crm_lead", tenant)
    return {
        "concurrency": concurrency,
        "requests_per_phase": total,
        "stack": "reused" if stack.reused else "fresh database",
        "phases": phases,
        "lead_assigned": assigned,
        "lead_flagged_duplicate": flagged,
        "assignment_rules": rules,
        **ratios(phases, "lead", "raw"),
    }


def report(result: dict[str, Any]) -> str:
    lines = [
        f"lead capture at concurrency {result['concurrency']}, "
        f"{result['requests_per_phase']} requests per phase, stack: {result['stack']}"
    ]
    lines += phase_lines(
        result["phases"], {"lead": "POST /v1/leads", "raw": "raw stack"}, "capture"
    )
    lines.append(
        f"lead/raw throughput {result['lead_over_raw_throughput']:.0%} (goal >= 50 %), "
        f"p50 {result['lead_over_raw_p50']:.2f}x, p99 {result['lead_over_raw_p99']:.2f}x; "
        f"leads assigned by the rules: {result['lead_assigned']}, "
        f"flagged as duplicates: {result['lead_flagged_duplicate']}"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000, help="per phase (at most 20000)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2, help="raw + lead phases, alternating")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument(
        "--no-rules",
        action="store_true",
        help="for comparison: no assignment rules, so every lead goes to the pool",
    )
    args = parser.parse_args()
    result = run(
        min(args.requests, 20_000), args.concurrency, args.rounds, args.warmup, not args.no_rules
    )
    print(report(result))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
