"""Platform operator commands (`python -m gateway.admin <command> ...`):

    create-tenant   a tenant on a plan, optionally with its first admin (email + password)
    set-plan        change a tenant's plan or single limits
    issue-key       an API key for a tenant (creates the tenant on the default plan if new)
    new-signing-key a JWK Set for CRM_JWT_KEYS with a new key first (rotation)

Tenants are created here and not through the public API: a tenant admin manages their
own tenant's people and keys, and only the platform's operators create tenants.
`make up` uses issue-key and new-signing-key for the demo tenant and .local/dev.env.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from crm_runtime.config import Settings
from crm_runtime.errors import DomainError
from crm_runtime.principal import SCOPES, Principal
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from gateway.access.authz import ROLES, data_scope
from gateway.identity.api_keys import ApiKeyStore
from gateway.identity.passwords import check_policy, hash_password
from gateway.identity.signing import new_private_jwk
from gateway.identity.tenants import PLANS, TenantStore
from gateway.identity.users import UserStore, ensure_user_indexes

Db = AsyncDatabase[dict[str, Any]]


def _limits(args: argparse.Namespace) -> dict[str, float | None]:
    return {
        "credential_rate": args.credential_rate,
        "credential_burst": args.credential_burst,
        "tenant_rate": args.tenant_rate,
        "tenant_burst": args.tenant_burst,
    }


async def create_tenant(db: Db, args: argparse.Namespace) -> dict[str, Any]:
    tenant = await TenantStore(db).create(args.tenant, args.name, args.plan, _limits(args))
    out: dict[str, Any] = {
        "tenant": tenant.id,
        "plan": tenant.plan,
        "limits": asdict(tenant.limits),
    }
    if args.admin_email:
        password = args.admin_password or secrets.token_urlsafe(18)
        check_policy(password)
        await ensure_user_indexes(db)
        admin = await UserStore(db, tenant.id).create(
            args.admin_email, "Tenant admin", ["admin"], "", await hash_password(password)
        )
        out.update(admin_user_id=admin.id, admin_email=admin.email)
        if not args.admin_password:
            out["admin_password"] = password  # generated: shown once
    return out


async def set_plan(db: Db, args: argparse.Namespace) -> dict[str, Any]:
    tenants = TenantStore(db)
    tenant = await tenants.get(args.tenant)
    if tenant is None:
        raise SystemExit(f"no tenant {args.tenant}")
    changed = await tenants.set_plan(args.tenant, args.plan or tenant.plan, _limits(args))
    assert changed is not None
    return {"tenant": changed.id, "plan": changed.plan, "limits": asdict(changed.limits)}


async def issue_key(db: Db, args: argparse.Namespace) -> str:
    await TenantStore(db).ensure(args.tenant)
    roles = tuple(args.role) or ("integration",)
    principal = Principal(
        tenant_id=args.tenant,
        user_id=args.user,
        roles=roles,
        scope=args.scope or data_scope(roles),
        team_id=args.team,
    )
    expires = (
        datetime.now(UTC) + timedelta(days=args.expires_in_days) if args.expires_in_days else None
    )
    issued = await ApiKeyStore(db).issue(principal, args.name, expires, args.scopes or ["*"])
    return issued.token


def new_signing_key(args: argparse.Namespace) -> str:
    existing = json.loads(args.keys).get("keys", []) if args.keys else []
    return json.dumps({"keys": [new_private_jwk(args.kid), *existing]}, separators=(",", ":"))


def _with_db(
    work: Callable[[Db, argparse.Namespace], Awaitable[Any]], args: argparse.Namespace
) -> Any:
    async def main() -> Any:
        settings = Settings.from_env("gateway", "gateway")
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            settings.mongo_uri, tz_aware=True
        )
        try:
            return await work(client[settings.database], args)
        finally:
            await client.close()

    return asyncio.run(main())


def _limit_options(parser: argparse.ArgumentParser) -> None:
    for name in ("credential-rate", "credential-burst", "tenant-rate", "tenant-burst"):
        parser.add_argument(f"--{name}", type=float, help="override the plan's value")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m gateway.admin", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    tenant = commands.add_parser("create-tenant", help="create a tenant (prints JSON)")
    tenant.add_argument("--tenant", required=True, help="id: 2-40 of a-z, 0-9, '-'")
    tenant.add_argument("--name", default="")
    tenant.add_argument("--plan", choices=sorted(PLANS), default="standard")
    tenant.add_argument("--admin-email", default="")
    tenant.add_argument("--admin-password", default="", help="default: generated, printed once")
    _limit_options(tenant)
    plan = commands.add_parser("set-plan", help="change a tenant's plan or limits")
    plan.add_argument("--tenant", required=True)
    plan.add_argument("--plan", choices=sorted(PLANS))
    _limit_options(plan)
    key = commands.add_parser("issue-key", help="issue an API key and print it once")
    key.add_argument("--tenant", required=True)
    key.add_argument("--user", default="", help="principal the key acts as; default key-<id>")
    key.add_argument("--role", action="append", default=[], choices=ROLES)
    key.add_argument("--scope", choices=SCOPES, help="data scope; default: from the roles")
    key.add_argument("--scopes", action="append", help="allowed actions; default: *")
    key.add_argument("--team", default="")
    key.add_argument("--name", default="cli")
    key.add_argument("--expires-in-days", type=int, default=0)
    signing = commands.add_parser("new-signing-key", help="print CRM_JWT_KEYS with a new key first")
    signing.add_argument("--kid", default="")
    signing.add_argument("--keys", default="", help="the current CRM_JWT_KEYS, kept after it")
    return root


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        if args.command == "new-signing-key":
            out: Any = new_signing_key(args)
        elif args.command == "issue-key":
            out = _with_db(issue_key, args)
        else:
            out = _with_db(create_tenant if args.command == "create-tenant" else set_plan, args)
    except DomainError as exc:
        raise SystemExit(f"{args.command}: {exc.message}") from exc
    sys.stdout.write((out if isinstance(out, str) else json.dumps(out, ensure_ascii=False)) + "\n")


if __name__ == "__main__":
    main()
