"""A lead taken through the gateway from capture to qualified, for the conversion and
customer 360 end-to-end tests."""

from __future__ import annotations

import uuid
from typing import Any

from identity_support import Tenant
from opportunity_support import ok


def qualified_lead(tenant: Tenant, **fields: Any) -> tuple[dict[str, Any], str, str]:
    """(lead, rep id, rep token): captured by the admin, assigned to a fresh rep by a
    manager, then contacted and qualified by the rep."""
    rep, token = tenant.person("sales_rep")
    manager = tenant.person("sales_manager")[1]
    body = {
        "name": "韩梅梅",
        "source": "trade_show",
        "phone": "13600136000",
        "company": f"杭州{uuid.uuid4().hex[:6]}智能科技有限公司",
        "product_line": "CRM",
        **fields,
    }
    with tenant.client() as admin:
        lead = ok(admin.post("/v1/leads", json=body), 201)
    with tenant.client(manager) as client:
        ok(client.post(f"/v1/leads/{lead['id']}/assign", json={"owner_id": rep}))
    with tenant.client(token) as client:
        for status in ("contacted", "qualified"):
            ok(client.post(f"/v1/leads/{lead['id']}/status", json={"status": status}))
    return lead, rep, token
