"""The whole platform on one machine: `make up`, `make down`, `make status`.

    python deploy/local/stack.py prepare            # servers the tests need
    python deploy/local/stack.py up [--profile P]   # everything, healthy, dev.env written
    python deploy/local/stack.py down [--profile P] # exactly what `up` started
    python deploy/local/stack.py status [--profile P]

Profile `dev` (make up) uses the default ports and writes .local/dev.env; profile `test`
(the end-to-end suite) uses its own ports, database files and RabbitMQ vhost, so tests
can run while a dev stack is up. When another checkout's test stack holds the test
ports, `up --profile test` takes the next free slot (ports + 1000 more, a vhost and a
Redis database of its own) and records it, so a fresh clone's `make test` never shares
ports or queues with a stack someone left running.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import infra
from health import wait_healthy

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv"
SERVICES = ("lead", "opportunity", "contract", "payment", "notification", "analytics")


@dataclass(frozen=True)
class Profile:
    name: str
    offset: int  # added to every port
    vhost: str
    redis_db: int

    @property
    def state_dir(self) -> Path:
        return ROOT / ".local" / self.name

    @property
    def env_file(self) -> Path:
        return ROOT / ".local" / "dev.env" if self.name == "dev" else self.state_dir / "dev.env"

    def port(self, base: int) -> int:
        return base + self.offset


PROFILES = {
    "dev": Profile("dev", 0, "/", 0),
    "test": Profile("test", 1000, "crm_e2e", 1),
}
TEST_SLOTS = 4  # test profiles that can run on one machine at once


def slots(p: Profile) -> list[Profile]:
    """Where a profile may run: the dev profile only on its own ports; the test profile
    on its first slot or, when that is taken, on the next (ports, vhost, Redis db)."""
    if p.name == "dev":
        return [p]
    more = [
        replace(p, offset=p.offset + 1000 * n, vhost=f"{p.vhost}_{n + 1}", redis_db=10 + n)
        for n in range(1, TEST_SLOTS)
    ]
    return [p, *more]


def listening_ports(p: Profile) -> list[int]:
    """Every port the profile's processes listen on (the store's too when it is ours)."""
    found = [] if os.environ.get("CRM_MONGO_URI") else [p.port(27018)]
    for proc in processes(p):
        check_kind, check_port = proc["check"]  # type: ignore[misc]
        if check_kind != "ready":
            found.append(int(check_port))
        found.append(int(proc["metrics"]))  # type: ignore[call-overload]
    return found


def free_slot(p: Profile) -> Profile:
    """The first slot of the profile whose ports nobody listens on; refuses, naming the
    ports taken, when there is none."""
    taken: list[int] = []
    for candidate in slots(p):
        busy = [port for port in listening_ports(candidate) if infra.port_open("127.0.0.1", port)]
        if not busy:
            return candidate
        taken += busy
    raise SystemExit(
        f"cannot start the {p.name} stack: ports {', '.join(map(str, taken))} are in use "
        "(a stack of another checkout? stop it with deploy/local/stack.py down there)"
    )


def recorded(p: Profile) -> Profile:
    """The slot a running (or last started) stack of this checkout was given."""
    slot = load_state(p).get("slot")
    if not isinstance(slot, dict):
        return p
    return replace(
        p, offset=int(slot["offset"]), vhost=str(slot["vhost"]), redis_db=int(slot["redis_db"])
    )


def endpoints(p: Profile) -> dict[str, str]:
    """Where each server is, as the CRM_* variables every process reads."""
    env = {
        "CRM_MONGO_URI": os.environ.get("CRM_MONGO_URI")
        or f"mongodb://127.0.0.1:{p.port(27018)}/?retryWrites=false&directConnection=true",
        "CRM_AMQP_URI": os.environ.get("CRM_AMQP_URI")
        or f"amqp://guest:guest@127.0.0.1:5672/{p.vhost.replace('/', '%2F')}",
        "CRM_REDIS_URL": os.environ.get("CRM_REDIS_URL") or f"redis://127.0.0.1:6379/{p.redis_db}",
        "CRM_TRACE_FILE": str(p.state_dir / "spans.jsonl"),
        "CRM_HTTP_PORT": str(p.port(8080)),
    }
    for i, name in enumerate(SERVICES):
        env[f"CRM_{name.upper()}_ADDR"] = f"127.0.0.1:{p.port(50051 + i)}"
    return env


def processes(p: Profile) -> list[dict[str, object]]:
    """Every process of the platform: name, command, extra env, how to check it."""
    python = str(VENV / "bin" / "python")
    found: list[dict[str, object]] = []
    for i, name in enumerate(SERVICES):
        grpc_port, api_metrics, worker_metrics = (
            p.port(50051 + i),
            p.port(9101 + i),
            p.port(9201 + i),
        )
        found.append(
            {
                "name": f"{name}-api",
                "cmd": [python, "-m", f"{name}.main", "api"],
                "env": {"CRM_GRPC_PORT": str(grpc_port), "CRM_METRICS_PORT": str(api_metrics)},
                "check": ["grpc", grpc_port],
                "metrics": api_metrics,
            }
        )
        found.append(
            {
                "name": f"{name}-worker",
                "cmd": [python, "-m", f"{name}.main", "worker"],
                "env": {"CRM_METRICS_PORT": str(worker_metrics)},
                "check": ["ready", worker_metrics],
                "metrics": worker_metrics,
            }
        )
    found.append(
        {
            "name": "gateway",
            "cmd": [python, "-m", "gateway.main"],
            "env": {"CRM_METRICS_PORT": str(p.port(9100))},
            "check": ["http", p.port(8080)],
            "metrics": p.port(9100),
        }
    )
    return found


def load_state(p: Profile) -> dict[str, object]:
    path = p.state_dir / "state.json"
    return json.loads(path.read_text()) if path.exists() else {}


def save_state(p: Profile, state: dict[str, object]) -> None:
    p.state_dir.mkdir(parents=True, exist_ok=True)
    (p.state_dir / "state.json").write_text(json.dumps(state, indent=2))


def alive(pid: int) -> bool:
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False  # our own child, exited: reaped now
    except ChildProcessError:
        pass  # not our child (started by an earlier `up`)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def spawn(p: Profile, name: str, cmd: list[str], env: dict[str, str]) -> int:
    logs = p.state_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with open(logs / f"{name}.log", "ab") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return proc.pid


def prepare() -> dict[str, bool]:
    """Servers every suite needs: RabbitMQ, Redis, the test vhosts, promtool."""
    started = {"rabbitmq": infra.ensure_rabbitmq(), "redis": infra.ensure_redis()}
    for vhost in ("crm_e2e", "crm_worker_tests"):
        infra.ensure_vhost(vhost)
    infra.ensure_promtool()
    return started


def up(p: Profile) -> None:
    state = load_state(p)
    pids_found: dict[str, int] = state.get("pids", {})  # type: ignore[assignment]
    if pids_found and any(alive(pid) for pid in pids_found.values()):
        p = recorded(p)
        restart_dead(p, state)
        status(p)
        return
    p = free_slot(p)
    started = {"rabbitmq": infra.ensure_rabbitmq(), "redis": infra.ensure_redis()}
    if p.vhost != "/":
        infra.ensure_vhost(p.vhost)
    env = {**endpoints(p), "CRM_JWT_KEYS": signing_keys(p), **webhook_settings(p)}
    pids: dict[str, int] = {}
    slot = {"offset": p.offset, "vhost": p.vhost, "redis_db": p.redis_db}
    state = {"started": started, "pids": pids, "slot": slot}
    if not os.environ.get("CRM_MONGO_URI"):
        storage = p.state_dir / "mongo"
        storage.mkdir(parents=True, exist_ok=True)
        pids["mongo"] = spawn(p, "mongo", infra.mongo_command(VENV, p.port(27018), storage), {})
        save_state(p, state)
        infra.wait_for_port("127.0.0.1", p.port(27018), 30, "SecantusDB")
    procs = processes(p)
    for proc in procs:
        pids[str(proc["name"])] = spawn(p, str(proc["name"]), proc["cmd"], {**env, **proc["env"]})  # type: ignore[arg-type]
        save_state(p, state)
    problems = wait_healthy(procs, pids, p.state_dir / "logs", timeout=90)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        down(p)
        raise SystemExit(1)
    write_env_file(p, env)
    status(p)


def restart_dead(p: Profile, state: dict[str, object]) -> list[str]:
    """Start again the processes of a running stack whose pid is gone, and only those;
    the ones that run are left alone. Says what it restarted, and returns the names."""
    pids: dict[str, int] = state["pids"]  # type: ignore[assignment]
    procs = [proc for proc in processes(p) if str(proc["name"]) in pids]
    dead = [name for name, pid in pids.items() if not alive(pid)]
    if not dead:
        print(f"the {p.name} stack is already running; nothing to restart")
        return []
    env = {**endpoints(p), "CRM_JWT_KEYS": signing_keys(p), **webhook_settings(p)}
    if "mongo" in dead:  # the store first: everything else reconnects to it
        storage = p.state_dir / "mongo"
        pids["mongo"] = spawn(p, "mongo", infra.mongo_command(VENV, p.port(27018), storage), {})
        save_state(p, state)
        infra.wait_for_port("127.0.0.1", p.port(27018), 30, "SecantusDB")
    restarted = [proc for proc in procs if str(proc["name"]) in dead]
    for proc in restarted:
        name = str(proc["name"])
        pids[name] = spawn(p, name, proc["cmd"], {**env, **proc["env"]})  # type: ignore[arg-type]
        save_state(p, state)
    problems = wait_healthy(restarted, pids, p.state_dir / "logs", timeout=90)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        raise SystemExit(1)
    print(f"the {p.name} stack was running; restarted what had died: {', '.join(dead)}")
    return dead


def signing_keys(p: Profile) -> str:
    """The gateway's JWT signing keys (CRM_JWT_KEYS) for this profile: made once by
    `gateway.admin new-signing-key` and kept in .local/<profile>/, so that sessions
    survive a restart. Production reads them from a Secret (docs/adr/0011)."""
    path = p.state_dir / "jwt-keys.json"
    if not path.exists():
        made = subprocess.run(
            [str(VENV / "bin" / "python"), "-m", "gateway.admin", "new-signing-key"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        p.state_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(made.stdout.strip())
        path.chmod(0o600)
    return path.read_text().strip()


def webhook_settings(p: Profile) -> dict[str, str]:
    """The notification service's webhook settings for this profile (ADR 0030, 0031):
    the key that seals webhook secrets at rest, made once and kept in .local/<profile>/
    (production reads it from a Secret); and, for local receivers only, `localhost` as
    an allowed private host and a CA of this profile (webhook-ca.pem and its key) that
    the sender trusts and tests issue receivers' certificates from."""
    import base64

    import trustme

    keys, ca_cert, ca_key = (
        p.state_dir / name for name in ("webhook-keys", "webhook-ca.pem", "webhook-ca.key")
    )
    p.state_dir.mkdir(parents=True, exist_ok=True)
    if not keys.exists():
        keys.write_text(f"local1:{base64.b64encode(os.urandom(32)).decode()}")
        keys.chmod(0o600)
    if not ca_cert.exists() or not ca_key.exists():
        ca = trustme.CA()
        ca.private_key_pem.write_to_path(str(ca_key))
        ca_key.chmod(0o600)
        ca.cert_pem.write_to_path(str(ca_cert))
    return {
        "CRM_NOTIFICATION_SECRET_KEYS": keys.read_text().strip(),
        "CRM_NOTIFICATION_WEBHOOK_PRIVATE_HOSTS": "localhost",
        "CRM_NOTIFICATION_WEBHOOK_CA_FILE": str(ca_cert),
    }


def write_env_file(p: Profile, env: dict[str, str]) -> None:
    """.local/dev.env: the gateway's URL, the demo tenant's four keys (CRM_API_KEY is the
    admin's, as it always was) and where every server is. Keys still valid are kept."""
    import demo  # imports the gateway's stores: only when the stack is up to use them

    known = read_env_file(p.env_file)
    keys = demo.prepare_with({**os.environ, **env}, known)
    url = f"http://127.0.0.1:{p.port(8080)}"
    lines = [
        f"CRM_GATEWAY_URL={url}",
        f"CRM_API_KEY={keys['CRM_ADMIN_KEY']}",
        f"CRM_TENANT_ID={demo.TENANT}",
    ]
    lines += [f"{k}={v}" for k, v in keys.items()]
    private = ("CRM_HTTP_PORT", "CRM_JWT_KEYS")  # the signing keys stay with the gateway
    private += ("CRM_NOTIFICATION_SECRET_KEYS",)  # and the webhook key with the service
    lines += [f"{k}={v}" for k, v in env.items() if k not in private]
    p.env_file.parent.mkdir(parents=True, exist_ok=True)
    p.env_file.write_text("\n".join(lines) + "\n")
    p.env_file.chmod(0o600)


def read_env_file(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {k: v for k, v in pairs}


def down(p: Profile) -> None:
    state = load_state(p)
    pids: dict[str, int] = state.get("pids", {})  # type: ignore[assignment]
    # Stop the platform first and the database last, so nothing writes to a closed store.
    platform = [name for name in pids if name != "mongo"]
    for group in (platform, ["mongo"] if "mongo" in pids else []):
        for name in group:
            if alive(pids[name]):
                os.killpg(pids[name], signal.SIGTERM)
        _wait_gone([pids[name] for name in group], 20)
        for name in group:
            if alive(pids[name]):
                print(f"{name} did not stop within 20 s of SIGTERM; killing it")
                os.killpg(pids[name], signal.SIGKILL)
    started: dict[str, bool] = state.get("started", {})  # type: ignore[assignment]
    if started.get("rabbitmq"):
        infra.stop_rabbitmq()
    if started.get("redis"):
        infra.stop_redis()
    (p.state_dir / "state.json").unlink(missing_ok=True)
    print(f"the {p.name} stack is stopped")


def _wait_gone(pids: list[int], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(alive(pid) for pid in pids):
        time.sleep(0.1)


def status(p: Profile) -> None:
    state = load_state(p)
    pids: dict[str, int] = state.get("pids", {})  # type: ignore[assignment]
    if not pids:
        print(f"the {p.name} stack is not running")
        return
    by_name = {str(proc["name"]): proc for proc in processes(p)}
    print(f"{'process':<22}{'pid':>8}  {'state':<8}{'serves':<24}metrics")
    for name, pid in pids.items():
        proc = by_name.get(name)
        serves = f"127.0.0.1:{p.port(27018)} (mongo)" if name == "mongo" else ""
        if proc:
            kind, port = proc["check"]  # type: ignore[misc]
            serves = {"grpc": f"gRPC :{port}", "http": f"HTTP :{port}", "ready": "AMQP consumer"}[
                kind
            ]
        metrics = f":{proc['metrics']}/metrics" if proc else ""
        print(f"{name:<22}{pid:>8}  {'up' if alive(pid) else 'DOWN':<8}{serves:<24}{metrics}")
    if p.env_file.exists():
        print(
            f"\ncredentials and URLs: {p.env_file.relative_to(ROOT)}  (source it, then call $CRM_GATEWAY_URL)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=("prepare", "up", "down", "status"))
    parser.add_argument("--profile", choices=sorted(PROFILES), default="dev")
    args = parser.parse_args()
    profile = PROFILES[args.profile]
    if args.command == "prepare":
        prepare()
    elif args.command == "up":
        up(profile)
    else:
        {"down": down, "status": status}[args.command](recorded(profile))


if __name__ == "__main__":
    main()
