"""Stage changes through the gateway against the raw stack, in one run.

    .venv/bin/python tests/bench/opportunity_stage.py [--requests 2000] [--concurrency 16]
                                                       [--rounds 2]

- **stage**: `POST /v1/opportunities/{id}/stage` with an admin API key of a tenant of the
  run's own (limits out of reach), on the tenant's default pipeline (DOMAIN.md's): the
  gateway authenticates, authorises and audits; the opportunity service loads the deal
  and its pipeline version, checks the gate (needs_confirmed asks for amount and
  expected close date, solution for a primary contact, quote_negotiation for a signed
  requirements document, which the request attaches), writes the deal, a stage-history
  entry and an OpportunityStageChanged event into the outbox in one transaction. Round n
  moves every deal of the run one stage forward (round 1: initial_contact ->
  needs_confirmed, ...), each deal once per round, so no two requests race for a deal.
  The deals (¥120,000: under the approval threshold, so every move is applied) are made
  through the API before the measurement.
- **raw**: the same bodies, client and concurrency to `POST /raw/deals/{id}/stage` of
  tests/bench/raw_stack.py: FastAPI under uvicorn with the gateway's settings, one
  gRPC unary call, one `update_one` by `_id` in the same SecantusDB; no auth, no domain.

Phases alternate (raw, stage, raw, stage) after a warm-up of each. Every answer is
checked (200 and outcome "applied"); after the run, a sample of deals' stage histories
is read back. Uses the test-profile stack (harness.py: a running one is reused;
otherwise it is started on a fresh database and stopped after).
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

MOVES = ("needs_confirmed", "solution", "quote_negotiation")
DOC = {
    "kind": "signed_requirements_doc",
    "name": "需求确认书.pdf",
    "file_uri": "s3://bench/req.pdf",
}


def body(to_stage: str) -> bytes:
    move: dict[str, Any] = {"to_stage": to_stage, "note": "客户确认，进入下一阶段"}
    if to_stage == "quote_negotiation":
        move["artefacts"] = [DOC]
    return json.dumps(move, ensure_ascii=False).encode()


def make_deals(env: dict[str, str], count: int) -> tuple[str, str, list[str]]:
    """A tenant with unreachable limits, an admin key, one account with a decision
    maker and `count` deals ready for every gate; (tenant, key, deal ids)."""
    tenant = f"bench-{uuid.uuid4().hex[:8]}"
    admin_cli(env, "create-tenant", "--tenant", tenant, "--plan", "enterprise", *UNLIMITED)
    # A director: sells (the admin role configures, it does not) and sees every deal.
    key = admin_cli(
        env, "issue-key", "--tenant", tenant, "--user", "bench", "--role", "sales_director"
    )
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=env["CRM_GATEWAY_URL"], headers=headers, timeout=30) as api:
        account = api.post("/v1/accounts", json={"name": f"上海云图{tenant}科技有限公司"})
        account.raise_for_status()
        contact = api.post(
            "/v1/contacts",
            json={"account_id": account.json()["id"], "name": "王芳", "role": "decision_maker"},
        )
        contact.raise_for_status()
    deal = {
        "account_id": account.json()["id"],
        "primary_contact_id": contact.json()["id"],
        "amount": {"amount": "120000.00", "currency": "CNY"},
        "expected_close_date": "2027-06-30",
    }
    ids: list[str] = []
    retried: list[int] = []

    async def create() -> None:
        pool = Pool(env["CRM_GATEWAY_URL"], 8, headers)

        async def call(i: int) -> bool:
            made = json.dumps({**deal, "name": f"CRM 项目 {i}"}).encode()
            for _ in range(6):  # as a client should: again after Retry-After on 429/503
                answer = await pool.post("/v1/opportunities", made)
                wait = answer.retry_after()
                if answer.status == 201 or wait is None:
                    break
                retried.append(answer.status)
                await asyncio.sleep(wait)
            if answer.status != 201:
                raise SystemExit(f"could not create deal {i}: {answer.status} {answer.body!r}")
            ids.append(json.loads(answer.body)["id"])
            return True

        try:
            await drive(1, 1, call)  # the first deal gives the tenant its default pipeline
            await drive(count - 1, 8, call)
        finally:
            pool.close()

    asyncio.run(create())
    if retried:
        print(f"  making {count} deals, {len(retried)} answers said retry: {sorted(set(retried))}")
    return tenant, key, ids


class Target:
    """One path under load: where it is, its route for a deal, which processes serve it."""

    def __init__(
        self, name: str, url: str, route: str, headers: dict[str, str], pids: dict[str, int]
    ) -> None:
        self.name, self.url, self.route, self.headers, self.pids = name, url, route, headers, pids
        self.errors: dict[str, int] = {}

    async def run(self, deals: list[str], to_stage: str, concurrency: int) -> dict[str, Any]:
        pool = Pool(self.url, concurrency, self.headers)
        sent = body(to_stage)

        async def call(i: int) -> bool:
            answer = await pool.post(self.route.format(id=deals[i]), sent)
            outcome = json.loads(answer.body).get("outcome") if answer.status == 200 else None
            if outcome not in ("applied", "CHANGE_STAGE_OUTCOME_APPLIED"):
                problem = f"{answer.status} {answer.body[:200]!r}"
                self.errors[problem] = self.errors.get(problem, 0) + 1
                return False
            return True

        try:
            return await drive(len(deals), concurrency, call)
        finally:
            pool.close()

    def measured(
        self, deals: list[str], to_stage: str, concurrency: int, top: MongoTop
    ) -> dict[str, Any]:
        self.errors = {}
        figures = with_costs(
            self.pids, top, lambda: asyncio.run(self.run(deals, to_stage, concurrency))
        )
        figures["errors"] = dict(self.errors)
        return figures


def run(total: int, concurrency: int, rounds: int, warmup: int) -> dict[str, Any]:
    rounds = min(rounds, len(MOVES))
    with test_stack() as stack:
        env = stack.env
        tenant, key, ids = make_deals(env, warmup + total)
        warm, measured = ids[:warmup], ids[warmup:]
        raw = RawStack(env["CRM_MONGO_URI"])
        top = MongoTop(env["CRM_MONGO_URI"])
        try:
            stage = Target(
                "stage",
                env["CRM_GATEWAY_URL"],
                "/v1/opportunities/{id}/stage",
                {"Authorization": f"Bearer {key}"},
                {
                    "gateway": stack.pids["gateway"],
                    "opportunity-api": stack.pids["opportunity-api"],
                    **shared_pids(stack),
                },
            )
            bare = Target(
                "raw", raw.url, "/raw/deals/{id}/stage", {}, {**raw.pids, **shared_pids(stack)}
            )
            for path in (stage, bare):
                path.measured(warm, MOVES[0], concurrency, top)
            phases: list[dict[str, Any]] = []
            for n in range(rounds):
                for path in (bare, stage):
                    figures = path.measured(measured, MOVES[n], concurrency, top)
                    phases.append({"round": n + 1, "path": path.name, "to": MOVES[n], **figures})
            histories = _histories(env, key, measured[:: max(len(measured) // 20, 1)], rounds)
        finally:
            raw.stop()
            top.close()
            if stack.reused:  # a fresh database goes away with the run
                clean_up_tenant(env["CRM_MONGO_URI"], "crm_opportunity", tenant)
    return {
        "concurrency": concurrency,
        "requests_per_phase": total,
        "stack": "reused" if stack.reused else "fresh database",
        "phases": phases,
        "histories_checked": histories,
        **ratios(phases, "stage", "raw"),
    }


def _histories(env: dict[str, str], key: str, deals: list[str], rounds: int) -> int:
    """Read back the stage history of a sample of deals: created + one entry per round,
    ending at the last round's stage; how many were checked."""
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=env["CRM_GATEWAY_URL"], headers=headers, timeout=30) as api:
        for deal in deals:
            found = api.get(f"/v1/opportunities/{deal}/stage-history").json()["items"]
            moves = [entry["to_stage"] for entry in found]
            if sorted(moves) != sorted(["initial_contact", *MOVES[:rounds]]):
                raise SystemExit(f"deal {deal} has the history {moves}")
    return len(deals)


def report(result: dict[str, Any]) -> str:
    lines = [
        f"stage changes at concurrency {result['concurrency']}, "
        f"{result['requests_per_phase']} requests per phase, stack: {result['stack']}"
    ]
    labels = {"stage": "POST .../stage", "raw": "raw stack"}
    lines += phase_lines(result["phases"], labels, "request")
    lines.append(
        f"stage/raw throughput {result['stage_over_raw_throughput']:.0%}, "
        f"p50 {result['stage_over_raw_p50']:.2f}x, p99 {result['stage_over_raw_p99']:.2f}x; "
        f"stage histories read back and checked: {result['histories_checked']}"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000, help="per phase (at most 20000)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2, help=f"at most {len(MOVES)}")
    parser.add_argument("--warmup", type=int, default=200)
    args = parser.parse_args()
    result = run(min(args.requests, 20_000), args.concurrency, args.rounds, args.warmup)
    print(report(result))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
