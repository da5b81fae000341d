"""Event envelopes as the producers publish them, for the analytics suites (unit,
store contract, gRPC, gateway): one small history of a tenant's deals."""

from __future__ import annotations

import itertools
from decimal import Decimal

_ids = itertools.count(1)

STAGES = [
    ("initial", "初步接触", 10),
    ("needs", "需求确认", 30),
    ("solution", "方案", 50),
    ("quote", "报价", 70),
]


def money(amount: str, currency: str = "CNY") -> dict:
    value = Decimal(amount)
    units = int(value)
    return {"currency": currency, "units": str(units), "nanos": int((value - units) * 10**9)}


def envelope(
    event_type, payload, *, tenant="t1", at="2026-11-02T09:00:00Z", version=1, aggregate=""
):
    return {
        "event_id": f"ev-{next(_ids)}",
        "event_type": event_type,
        "schema_version": 1,
        "tenant_id": tenant,
        "aggregate_type": "opportunity",
        "aggregate_id": aggregate or payload.get("opportunity_id", payload.get("pipeline_id", "")),
        "aggregate_version": version,
        "occurred_at": at,
        "producer": "opportunity",
        "payload": payload,
    }


def pipeline(pipeline_id="p1", version=1, *, tenant="t1", default=True):
    stages = [
        {"key": key, "name": name, "position": i + 1, "kind": "open", "win_probability": p}
        for i, (key, name, p) in enumerate(STAGES)
    ]
    stages += [
        {"key": "won", "name": "赢单", "position": 5, "kind": "won", "win_probability": 100},
        {"key": "lost", "name": "输单", "position": 6, "kind": "lost", "win_probability": 0},
    ]
    payload = {
        "pipeline_id": pipeline_id,
        "name": "标准",
        "version": str(version),
        "is_default": default,
        "active": True,
        "stages": stages,
    }
    return envelope("PipelineVersionCreated", payload, tenant=tenant, version=version)


def created(
    opp,
    *,
    owner="rep-1",
    team="team-a",
    amount="100000",
    at="2026-11-02T09:00:00Z",
    tenant="t1",
    pipeline_id="p1",
    source="web",
    lead="",
):
    payload = {
        "opportunity_id": opp,
        "name": f"deal {opp}",
        "owner_id": owner,
        "team_id": team,
        "pipeline_id": pipeline_id,
        "pipeline_version": "1",
        "stage": "initial",
        "probability": 10,
        "amount": money(amount),
        "source": source,
        "source_lead_id": lead,
    }
    return envelope("OpportunityCreated", payload, tenant=tenant, at=at, version=1)


def moved(
    opp,
    from_stage,
    to_stage,
    *,
    dwell_days,
    version,
    owner="rep-1",
    team="team-a",
    amount="100000",
    at="2026-11-05T09:00:00Z",
    tenant="t1",
    skipped=(),
):
    payload = {
        "opportunity_id": opp,
        "owner_id": owner,
        "team_id": team,
        "pipeline_id": "p1",
        "from_stage": from_stage,
        "to_stage": to_stage,
        "amount": money(amount),
        "dwell_seconds": str(int(dwell_days * 86400)),
        "skipped_stages": list(skipped),
        "changed_at": at,
    }
    return envelope("OpportunityStageChanged", payload, tenant=tenant, at=at, version=version)


def won(
    opp,
    *,
    from_stage,
    version,
    closed="2026-11-20",
    owner="rep-1",
    team="team-a",
    amount="100000",
    created_at="2026-11-02T09:00:00Z",
    tenant="t1",
):
    payload = {
        "opportunity_id": opp,
        "owner_id": owner,
        "team_id": team,
        "pipeline_id": "p1",
        "from_stage": from_stage,
        "amount": money(amount),
        "closed_date": closed,
        "source": "web",
        "opportunity_created_at": created_at,
    }
    return envelope(
        "OpportunityWon", payload, tenant=tenant, at=f"{closed}T10:00:00Z", version=version
    )


def lost(
    opp,
    *,
    from_stage,
    version,
    reason="price",
    competitor="",
    closed="2026-11-21",
    owner="rep-1",
    team="team-a",
    amount="100000",
    created_at="2026-11-02T09:00:00Z",
    tenant="t1",
):
    payload = {
        "opportunity_id": opp,
        "owner_id": owner,
        "team_id": team,
        "pipeline_id": "p1",
        "from_stage": from_stage,
        "amount": money(amount),
        "closed_date": closed,
        "loss_reason": reason,
        "competitor": competitor,
        "source": "web",
        "opportunity_created_at": created_at,
    }
    return envelope(
        "OpportunityLost", payload, tenant=tenant, at=f"{closed}T10:00:00Z", version=version
    )


def history(tenant="t1"):
    """Four deals of two reps in two teams: one won, one lost, two open."""
    return [
        pipeline(tenant=tenant),
        # d1 (rep-1): initial 2 d -> needs 4 d -> solution 6 d -> won at 300,000
        created("d1", amount="300000", tenant=tenant, lead="l1"),
        moved("d1", "initial", "needs", dwell_days=2, version=2, amount="300000", tenant=tenant),
        moved("d1", "needs", "solution", dwell_days=4, version=3, amount="300000", tenant=tenant),
        won("d1", from_stage="solution", version=4, amount="300000", tenant=tenant),
        # d2 (rep-1): initial 1 d -> needs, lost to 友商 at 50,000.50
        created("d2", amount="50000.50", tenant=tenant),
        moved("d2", "initial", "needs", dwell_days=1, version=2, amount="50000.50", tenant=tenant),
        lost(
            "d2",
            from_stage="needs",
            version=3,
            reason="price",
            competitor="友商",
            amount="50000.50",
            tenant=tenant,
        ),
        # d3 (rep-2, team-b): initial 3 d -> needs, open at 80,000
        created("d3", owner="rep-2", team="team-b", amount="80000", tenant=tenant),
        moved(
            "d3",
            "initial",
            "needs",
            dwell_days=3,
            version=2,
            owner="rep-2",
            team="team-b",
            amount="80000",
            tenant=tenant,
        ),
        # d4 (rep-2, team-b): open in initial at 20,000
        created("d4", owner="rep-2", team="team-b", amount="20000", tenant=tenant),
    ]


def lead_event(
    event_type, lead, payload=None, *, tenant="t1", at="2026-11-02T09:00:00Z", version=1
):
    body = {"lead_id": lead, **(payload or {})}
    made = envelope(event_type, body, tenant=tenant, at=at, version=version, aggregate=lead)
    made["aggregate_type"] = "lead"
    made["producer"] = "lead"
    return made


def lead_history(tenant="t1"):
    """Three leads: l1 (web, rep-1, followed up in 2 h, converted to d1 which is won),
    l2 (web, rep-1, followed up after its 24 h deadline), l3 (expo, rep-2 in team-b, never
    followed up, deadline passed); plus a follow-up of an older lead."""
    kw = {"tenant": tenant}
    return [
        lead_event("LeadCreated", "l1", {"source": "web"}, at="2026-11-02T08:00:00Z", **kw),
        lead_event(
            "LeadAssigned",
            "l1",
            {
                "owner_id": "rep-1",
                "team_id": "team-a",
                "first_follow_up_due_at": "2026-11-03T08:00:00Z",
            },
            version=2,
            at="2026-11-02T08:00:00Z",
            **kw,
        ),
        lead_event(
            "LeadFollowUpLogged",
            "l1",
            {"follow_up_id": "f1", "kind": "call", "owner_id": "rep-1"},
            version=3,
            at="2026-11-02T10:00:00Z",
            **kw,
        ),
        lead_event(
            "LeadFollowUpLogged",
            "l1",
            {"follow_up_id": "f2", "kind": "visit", "owner_id": "rep-1"},
            version=4,
            at="2026-11-04T10:00:00Z",
            **kw,
        ),
        lead_event(
            "LeadConverted",
            "l1",
            {"opportunity_id": "d1"},
            version=5,
            at="2026-11-05T10:00:00Z",
            **kw,
        ),
        lead_event("LeadCreated", "l2", {"source": "web"}, at="2026-11-03T08:00:00Z", **kw),
        lead_event(
            "LeadClaimed",
            "l2",
            {"owner_id": "rep-1", "team_id": "team-a"},
            version=2,
            at="2026-11-03T08:00:00Z",
            **kw,
        ),
        lead_event(
            "LeadAssigned",
            "l2",
            {
                "owner_id": "rep-1",
                "team_id": "team-a",
                "first_follow_up_due_at": "2026-11-04T08:00:00Z",
            },
            version=3,
            at="2026-11-03T08:00:00Z",
            **kw,
        ),
        lead_event(
            "LeadFollowUpLogged",
            "l2",
            {"follow_up_id": "f3", "kind": "call", "owner_id": "rep-1"},
            version=4,
            at="2026-11-05T08:00:00Z",
            **kw,
        ),
        lead_event("LeadCreated", "l3", {"source": "expo"}, at="2026-11-04T08:00:00Z", **kw),
        lead_event(
            "LeadAssigned",
            "l3",
            {
                "owner_id": "rep-2",
                "team_id": "team-b",
                "first_follow_up_due_at": "2026-11-05T08:00:00Z",
            },
            version=2,
            at="2026-11-04T08:00:00Z",
            **kw,
        ),
        lead_event(
            "LeadFollowUpLogged",
            "l0",
            {"follow_up_id": "f0", "kind": "wechat", "owner_id": "rep-2"},
            version=9,
            at="2026-11-06T08:00:00Z",
            **kw,
        ),
    ]


def payment_event(event_type, payload, *, tenant="t1", at="2026-09-01T00:00:00Z"):
    made = envelope(event_type, payload, tenant=tenant, at=at, aggregate=payload.get("plan_id", ""))
    made["aggregate_type"] = "payment"
    made["producer"] = "payment"
    return made


def plan(
    plan_id, instalments, *, owner="rep-1", team="team-a", account="acc-1", replaces="", tenant="t1"
):
    """`instalments`: (receivable id, amount, due date)."""
    payload = {
        "plan_id": plan_id,
        "contract_id": f"c-{plan_id}",
        "contract_number": f"HT-{plan_id}",
        "account_id": account,
        "owner_id": owner,
        "team_id": team,
        "instalments": [
            {"receivable_id": rid, "sequence": i + 1, "amount": money(amount), "due_date": due}
            for i, (rid, amount, due) in enumerate(instalments)
        ],
        "replaces_plan_id": replaces,
    }
    return payment_event("PaymentPlanCreated", payload, tenant=tenant)


def matched(receipt, allocations, *, tenant="t1"):
    """`allocations`: (allocation id, receivable id, amount)."""
    payload = {
        "receipt_id": receipt,
        "allocations": [
            {"allocation_id": aid, "receivable_id": rid, "amount": money(amount)}
            for aid, rid, amount in allocations
        ],
    }
    return payment_event("ReceiptMatched", payload, tenant=tenant, at="2026-11-10T00:00:00Z")


def unmatched(receipt, released, *, tenant="t1"):
    payload = {
        "receipt_id": receipt,
        "released": [{"allocation_id": aid, "receivable_id": rid} for aid, rid in released],
    }
    return payment_event("ReceiptUnmatched", payload, tenant=tenant, at="2026-11-11T00:00:00Z")


def cash_history(tenant="t1"):
    """As of 2026-11-24: r1 100 due 11-01 paid 100; r2 200 due 10-20 paid 50 (35 days
    late, 150 left); r3 300 due 12-10 not due; r4 400 of rep-2/acc-2 due 07-01 (146
    days: 90+); plan p0 (r0) replaced by p2; a match of r2 released again."""
    return [
        plan("p0", [("r0", "999", "2026-11-05")], tenant=tenant),
        plan("p1", [("r1", "100", "2026-11-01"), ("r2", "200", "2026-10-20")], tenant=tenant),
        plan("p2", [("r3", "300", "2026-12-10")], replaces="p0", tenant=tenant),
        plan(
            "p3",
            [("r4", "400", "2026-07-01")],
            owner="rep-2",
            team="team-b",
            account="acc-2",
            tenant=tenant,
        ),
        matched("rc1", [("a1", "r1", "100"), ("a2", "r2", "50")], tenant=tenant),
        matched("rc2", [("a3", "r2", "70")], tenant=tenant),
        unmatched("rc2", [("a3", "r2")], tenant=tenant),
    ]
