"""Operator command: rebuild one tenant's (or every tenant's) read models from the event
log, or check the live ones against it (ADR 0033).

    python -m analytics.rebuild [--tenant T] [--check]

Settings come from the environment as for the service (CRM_MONGO_URI, CRM_MONGO_DB...).
`--check` changes nothing and exits 1 when a tenant's read models differ from its log."""

from __future__ import annotations

import argparse
import sys

from crm_runtime.config import Settings
from crm_runtime.storage.mongo import connect
from crm_runtime.wiring import build as build_service

from analytics.app import AnalyticsApp
from analytics.apps import build
from analytics.store import ensure_indexes


def run(app: AnalyticsApp, tenant: str, check: bool) -> int:
    tenants = [tenant] if tenant else app.storage.tenants()
    status = 0
    for tenant_id in tenants:
        if check:
            found = app.check(tenant_id)
            print(f"{tenant_id}: {'equal to its log' if not found else 'DIFFERS'}")
            for line in found:
                print(f"  {line}")
            status = status or (1 if found else 0)
        else:
            done = app.rebuild(tenant_id)
            print(
                f"{tenant_id}: rebuilt from {done.events} events "
                f"({done.deals} deals, {done.pipelines} pipelines)"
            )
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="analytics.rebuild", description=__doc__)
    parser.add_argument("--tenant", default="", help="one tenant id (default: every tenant)")
    parser.add_argument("--check", action="store_true", help="compare only; change nothing")
    args = parser.parse_args(argv)
    settings = Settings.from_env("analytics", "api")
    client = connect(settings)
    try:
        app: AnalyticsApp = build_service(settings, client, ensure_indexes, build)
        return run(app, args.tenant, args.check)
    finally:
        client.close()


if __name__ == "__main__":
    sys.exit(main())
