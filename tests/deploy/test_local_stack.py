"""The local stack (deploy/local): `make up` on a running stack restarts only what died,
and the demo tenant's six people, their team and keys are made once and reused."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "deploy" / "local"))

import demo
import stack


@pytest.fixture
def sleepers() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Stand-ins for the stack's processes: they run until the test ends."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        proc.kill()
        proc.wait()


def _sleeper(started: list[subprocess.Popen[bytes]]) -> int:
    proc = subprocess.Popen(["sleep", "60"])
    started.append(proc)
    return proc.pid


def _gone_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_up_on_a_running_stack_restarts_only_the_dead(tmp_path, monkeypatch, sleepers, capsys):
    monkeypatch.setattr(stack, "ROOT", tmp_path)
    profile = stack.Profile("unit", 3000, "crm_unit", 2)
    names = [str(proc["name"]) for proc in stack.processes(profile)]
    running = {name: _sleeper(sleepers) for name in names if name not in ("lead-worker", "gateway")}
    dead = {"lead-worker": _gone_pid(), "gateway": _gone_pid()}
    stack.save_state(profile, {"started": {}, "pids": {**running, **dead}})
    (tmp_path / ".local" / "unit" / "jwt-keys.json").write_text('{"keys": []}')
    spawned: list[str] = []
    waited: list[str] = []

    def spawn(_p: Any, name: str, _cmd: Any, _env: Any) -> int:
        spawned.append(name)
        return _sleeper(sleepers)

    def wait_healthy(procs: list[dict[str, object]], *_args: Any, **_kw: Any) -> list[str]:
        waited.extend(str(proc["name"]) for proc in procs)
        return []

    monkeypatch.setattr(stack, "spawn", spawn)
    monkeypatch.setattr(stack, "wait_healthy", wait_healthy)
    monkeypatch.setattr(stack.infra, "ensure_rabbitmq", pytest.fail)  # never started anew

    stack.up(profile)

    assert spawned == waited == ["lead-worker", "gateway"]
    pids = stack.load_state(profile)["pids"]
    assert {name: pids[name] for name in running} == running  # the running ones untouched
    assert all(stack.alive(pids[name]) for name in dead)
    out = capsys.readouterr().out
    assert "restarted what had died: lead-worker, gateway" in out

    spawned.clear()
    stack.up(profile)  # nothing died since
    assert spawned == [] and "nothing to restart" in capsys.readouterr().out


def test_a_test_stack_takes_the_next_free_slot_when_its_ports_are_held(tmp_path, monkeypatch):
    """A stack left running by another checkout holds the test ports: a fresh clone's
    `make test` starts beside it on ports, a vhost and a Redis database of its own."""
    monkeypatch.setattr(stack, "ROOT", tmp_path)
    monkeypatch.delenv("CRM_MONGO_URI", raising=False)
    first = stack.Profile("unit", 3000, "crm_unit", 2)
    with socket.socket() as held:
        held.bind(("127.0.0.1", first.port(8080)))
        held.listen()
        slot = stack.free_slot(first)
        assert (slot.offset, slot.vhost, slot.redis_db) == (4000, "crm_unit_2", 11)
        assert not set(stack.listening_ports(slot)) & set(stack.listening_ports(first))

        dev = stack.Profile("dev", 3000, "/", 0)  # the dev stack has one place only
        with pytest.raises(SystemExit, match=f"ports {first.port(8080)} are in use"):
            stack.free_slot(dev)


def _prepare(mongo_uri: str, database: str, known: dict[str, str]) -> dict[str, Any]:
    async def main() -> dict[str, Any]:
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_uri, tz_aware=True)
        try:
            db = client[database]
            keys = await demo.prepare(db, known)
            users = [u async for u in db.users.find({"tenant_id": demo.TENANT})]
            teams = [t async for t in db.teams.find({"tenant_id": demo.TENANT})]
            return {"keys": keys, "users": users, "teams": teams}
        finally:
            await client.close()

    return asyncio.run(main())


def test_the_demo_people_team_and_keys_are_made_once(mongo_uri, database_name):
    first = _prepare(mongo_uri, database_name, {})
    variables = [
        "CRM_ADMIN_KEY",
        "CRM_DIRECTOR_KEY",
        "CRM_MANAGER_KEY",
        "CRM_REP_KEY",
        "CRM_LEGAL_KEY",
        "CRM_FINANCE_KEY",
    ]
    assert sorted(first["keys"]) == sorted([*variables, demo.SIGN_IN])
    (team,) = first["teams"]
    by_role = {u["roles"][0]: u for u in first["users"]}
    assert sorted(by_role) == [
        "admin",
        "finance",
        "legal",
        "sales_director",
        "sales_manager",
        "sales_rep",
    ]
    assert team["manager_id"] == by_role["sales_manager"]["_id"]
    in_team = {role for role, u in by_role.items() if u["team_id"] == team["_id"]}
    assert in_team == {"sales_director", "sales_manager", "sales_rep"}

    again = _prepare(mongo_uri, database_name, first["keys"])
    assert again["keys"] == first["keys"]
    assert [u["_id"] for u in again["users"]] == [u["_id"] for u in first["users"]]
    assert [t["_id"] for t in again["teams"]] == [team["_id"]]

    lost_rep_key = {k: v for k, v in first["keys"].items() if k != "CRM_REP_KEY"}
    third = _prepare(mongo_uri, database_name, lost_rep_key)
    assert third["keys"]["CRM_REP_KEY"] != first["keys"]["CRM_REP_KEY"]
    assert {k: v for k, v in third["keys"].items() if k != "CRM_REP_KEY"} == lost_rep_key
