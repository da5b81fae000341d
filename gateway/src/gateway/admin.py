"""Operator commands: `python -m gateway.admin issue-key --tenant T --user U ...`.

`make up` uses it to give the demo tenant an admin key and write .local/dev.env.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from crm_runtime.config import Settings
from crm_runtime.principal import SCOPES, Principal
from pymongo import AsyncMongoClient

from gateway.keys import ApiKeyStore


async def issue(args: argparse.Namespace) -> str:
    settings = Settings.from_env("gateway", "gateway")
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongo_uri, tz_aware=True)
    try:
        store = ApiKeyStore(client, settings.database)
        principal = Principal(
            tenant_id=args.tenant,
            user_id=args.user,
            roles=tuple(args.role),
            scope=args.scope,
            team_id=args.team,
        )
        return (await store.issue(principal, args.name)).token
    finally:
        await client.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m gateway.admin")
    commands = parser.add_subparsers(dest="command", required=True)
    key = commands.add_parser("issue-key", help="issue an API key and print it once")
    key.add_argument("--tenant", required=True)
    key.add_argument("--user", required=True)
    key.add_argument("--role", action="append", default=[])
    key.add_argument("--scope", choices=SCOPES, default="own")
    key.add_argument("--team", default="")
    key.add_argument("--name", default="cli")
    args = parser.parse_args(argv)
    sys.stdout.write(asyncio.run(issue(args)) + "\n")


if __name__ == "__main__":
    main()
