"""A client generated from the live /openapi.json with openapi-python-client, as an
integration team would start, drives the main flow end to end: lead -> claim ->
follow-up -> qualify -> convert -> stage -> quote -> won, each step with the key of the
role that does it in a tenant of its own. The client is generated at test time into a
temporary directory and never committed; the generator must warn about nothing."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from types import ModuleType
from typing import Any

import pytest
from crm_runtime.testing.generated_client import generate_client

PACKAGE = "crm_live_client"


@pytest.fixture(scope="module")
def client_package(live_spec: dict, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    work = tmp_path_factory.mktemp("generated")
    (work / "openapi.json").write_text(json.dumps(live_spec))
    printed = generate_client(work / "openapi.json", work / "client", PACKAGE)
    assert "warning" not in printed.lower(), printed
    sys.path.insert(0, str(work / "client"))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(work / "client"))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


class Api:
    """The generated operations by tag and name, called with a role's key."""

    def __init__(self, package: ModuleType, url: str) -> None:
        self.package, self.url = package, url
        self.models = importlib.import_module(f"{PACKAGE}.models")

    def client(self, token: str) -> Any:
        return self.package.AuthenticatedClient(base_url=self.url, token=token, timeout=15)

    def call(self, token: str, operation: str, status: int = 200, **kwargs: Any) -> Any:
        module = importlib.import_module(f"{PACKAGE}.api.{operation}")
        with self.client(token) as client:
            response = module.sync_detailed(client=client, **kwargs)
        assert response.status_code == status, f"{operation}: {response.content!r}"
        return response.parsed

    def body(self, model: str, values: dict[str, Any]) -> Any:
        return getattr(self.models, model).from_dict(values)


def test_the_main_flow_through_a_generated_client(stack, tenant_factory, client_package):
    api = Api(client_package, stack["CRM_GATEWAY_URL"])
    admin = tenant_factory().admin_key
    team = api.call(
        admin,
        "teams.create_team_v1_teams_post",
        201,
        body=api.body("TeamCreate", {"name": "华东组"}),
    )

    def key(*roles: str) -> str:
        issued = api.call(
            admin,
            "api_keys.issue_key_v1_api_keys_post",
            201,
            body=api.body("KeyCreate", {"name": "flow", "roles": list(roles), "team_id": team.id}),
        )
        return str(issued.token)

    manager, rep = key("sales_manager"), key("sales_rep")

    # 1. Lead: the manager captures it; no rule assigns it, so it waits in the pool.
    lead = api.call(
        manager,
        "leads.create_lead_v1_leads_post",
        201,
        body=api.body(
            "LeadCreate",
            {
                "name": "李雷",
                "company": "杭州明远智能制造有限公司",
                "phone": "139 0013 9000",
                "source": "trade_show",
                "channel_detail": "2026 上海工博会",
            },
        ),
    )
    # 2. Claim, 3. follow-up, 4. qualify: the rep.
    claimed = api.call(rep, "leads.claim_v1_leads_lead_id_claim_post", lead_id=lead.id)
    assert claimed.owner_id
    api.call(
        rep,
        "leads.log_follow_up_v1_leads_lead_id_follow_ups_post",
        201,
        lead_id=lead.id,
        body=api.body("LeadFollowUpIn", {"kind": "call", "notes": "两条产线的 MES 升级"}),
    )
    qualified = api.call(
        rep,
        "leads.change_status_v1_leads_lead_id_status_post",
        lead_id=lead.id,
        body=api.body("StatusChange", {"status": "qualified"}),
    )
    assert qualified.status == "qualified"
    # 5. Convert: an account, its contact and a deal, owned by the rep.
    close = (date.today() + timedelta(days=60)).isoformat()
    converted = api.call(
        rep,
        "leads.convert_lead_v1_leads_lead_id_convert_post",
        201,
        lead_id=lead.id,
        body=api.body(
            "LeadConversion",
            {
                "contact": {"title": "生产总监", "role": "decision_maker"},
                "opportunity": {
                    "name": "明远 MES 升级",
                    "expected_close_date": close,
                    "amount": {"amount": "160000.00", "currency": "CNY"},
                },
            },
        ),
    )
    deal_id = converted.opportunity.id
    # 6. Stage: up to the solution, each gate satisfied by the conversion.
    for stage in ("needs_confirmed", "solution"):
        moved = api.call(
            rep,
            "opportunities.change_stage_v1_opportunities_opportunity_id_stage_post",
            opportunity_id=deal_id,
            body=api.body("StageChangeIn", {"to_stage": stage}),
        )
        assert moved.opportunity.stage == stage
    # 7. Quote: no discount above the pipeline's threshold, so it issues at once.
    quote = api.call(
        rep,
        "quotes.create_quote_v1_opportunities_opportunity_id_quotes_post",
        201,
        opportunity_id=deal_id,
        body=api.body(
            "QuoteIn",
            {
                "lines": [
                    {
                        "product_code": "MES-LINE",
                        "description": "MES 产线模块",
                        "quantity": "2",
                        "unit": "套",
                        "unit_price": {"amount": "80000.00", "currency": "CNY"},
                        "discount_percent": "0",
                        "tax_percent": "13",
                    }
                ]
            },
        ),
    )
    issued = api.call(
        rep,
        "quotes.issue_quote_v1_quotes_quote_id_issue_post",
        quote_id=quote.id,
        body=api.body("IssueIn", {}),
        if_match=f'"{quote.version}"',
    )
    assert issued.outcome == "issued", issued
    total = api.call(rep, "quotes.get_quote_v1_quotes_quote_id_get", quote_id=quote.id).total
    # 8. Won: at the quote's total.
    won = api.call(
        rep,
        "opportunities.mark_won_v1_opportunities_opportunity_id_won_post",
        opportunity_id=deal_id,
        body=api.body(
            "WonIn",
            {
                "closed_date": datetime.now(UTC).date().isoformat(),
                "amount": total.to_dict(),
                "quote_id": quote.id,
            },
        ),
    )
    assert (won.status, won.stage) == ("won", "won")
