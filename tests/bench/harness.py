"""What the lead benchmarks share: the test-profile stack on a database of the run's own,
the embedded MongoDB started the way the stack starts it, a bare keep-alive HTTP/1.1
client, a closed-loop load driver, and CPU time per process read from /proc.

Not a test module and not product code: scripts in tests/bench import it by file name.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pymongo import MongoClient

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy" / "local"))
import infra  # noqa: E402  (deploy/local/infra.py: the stack's own server commands)

STACK = [sys.executable, str(ROOT / "deploy" / "local" / "stack.py")]
TEST_STATE = ROOT / ".local" / "test"
ENV_FILE = TEST_STATE / "dev.env"
BENCH_STATE = ROOT / ".local" / "bench"
UNLIMITED = tuple(
    f"--{k}={v}"
    for k, v in {
        "credential-rate": "1e6",
        "credential-burst": "1e6",
        "tenant-rate": "1e6",
        "tenant-burst": "1e6",
    }.items()
)


def read_env(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return dict(pairs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stack_is_up() -> bool:
    if not ENV_FILE.exists():
        return False
    try:
        url = read_env(ENV_FILE)["CRM_GATEWAY_URL"]
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except (httpx.HTTPError, KeyError):
        return False


def mongo_uri(port: int) -> str:
    return f"mongodb://127.0.0.1:{port}/?retryWrites=false&directConnection=true"


@contextmanager
def embedded_mongo(storage: Path, *, durable: bool = True, fresh: bool = False) -> Iterator[Server]:
    """SecantusDB on a free port with files in `storage`, started with the stack's own
    flags (`--sync-on-commit` when `durable`), stopped with SIGTERM (a clean checkpoint)."""
    if fresh:
        shutil.rmtree(storage, ignore_errors=True)
    storage.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = infra.mongo_command(ROOT / ".venv", port, storage)
    if not durable:
        command.remove("--sync-on-commit")
    with open(storage.parent / f"{storage.name}.log", "ab") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        infra.wait_for_port("127.0.0.1", port, 120, "SecantusDB")
        yield Server("mongo", proc.pid, mongo_uri(port))
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=600)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass(frozen=True)
class Server:
    name: str
    pid: int
    address: str


@dataclass
class Stack:
    env: dict[str, str]
    reused: bool
    pids: dict[str, int] = field(default_factory=dict)


@contextmanager
def test_stack(storage: Path | None = None) -> Iterator[Stack]:
    """The test-profile stack (ports + 1000). A running one is reused as it is;
    otherwise it is started on a fresh database of this run's own (files under
    .local/bench/stack-mongo), so every run starts from the same empty store, and
    stopped afterwards. With `storage`, the stack is started on that (seeded) database
    as it is, and a running stack is an error: it would not see the seeded data."""
    if stack_is_up():
        if storage is not None:
            raise SystemExit(
                "a test-profile stack is running: stop it (deploy/local/stack.py down "
                f"--profile test) so that this benchmark can start one on {storage}"
            )
        state = json.loads((TEST_STATE / "state.json").read_text())
        yield Stack(read_env(ENV_FILE), reused=True, pids=dict(state["pids"]))
        return
    database = storage or BENCH_STATE / "stack-mongo"
    with embedded_mongo(database, fresh=storage is None) as mongo:
        os.environ["CRM_MONGO_URI"] = mongo.address
        try:
            subprocess.run([*STACK, "up", "--profile", "test"], check=True, timeout=300)
            try:
                state = json.loads((TEST_STATE / "state.json").read_text())
                pids = {**state["pids"], "mongo": mongo.pid}
                yield Stack(read_env(ENV_FILE), reused=False, pids=pids)
            finally:
                subprocess.run([*STACK, "down", "--profile", "test"], check=False, timeout=120)
        finally:
            del os.environ["CRM_MONGO_URI"]


def admin_cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "gateway.admin", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()


def cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """CPU time so far (user + system) of each named process, from /proc."""
    found = {}
    for name, pid in pids.items():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[name] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return found


def percentile(ordered: list[float], share: float) -> float:
    return ordered[int(share * (len(ordered) - 1))]


def summary(latencies: list[float], elapsed: float, failed: int = 0) -> dict[str, Any]:
    """Throughput and latency of the calls that succeeded; failures are counted apart."""
    ordered = sorted(latencies)
    return {
        "requests": len(ordered) + failed,
        "failed": failed,
        "per_second": len(ordered) / elapsed,
        "p50_ms": 1000 * statistics.median(ordered) if ordered else float("nan"),
        "p99_ms": 1000 * percentile(ordered, 0.99) if ordered else float("nan"),
    }


async def drive(
    total: int, concurrency: int, call: Callable[[int], Awaitable[bool]]
) -> dict[str, Any]:
    """`total` calls by `concurrency` closed-loop workers; call(i) gets a unique i and
    says whether it succeeded."""
    latencies: list[float] = []
    failed = issued = 0

    async def worker() -> None:
        nonlocal issued, failed
        while issued < total:
            i, issued = issued, issued + 1
            started = time.perf_counter()
            if await call(i):
                latencies.append(time.perf_counter() - started)
            else:
                failed += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return summary(latencies, time.perf_counter() - started, failed)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def retry_after(self) -> float | None:
        """Seconds to wait before retrying, when the server said so (429, 503)."""
        value = self.headers.get("retry-after")
        return float(value) if self.status in (429, 503) and value else None


class KeepAlive:
    """A bare HTTP/1.1 client on one keep-alive connection (Content-Length bodies only).
    httpx costs ~4 ms of CPU per request on this machine, more than the gateway; the
    client shares two cores with the stack, so it must cost next to nothing."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.address = (host, port)
        self.head = "".join(f"{k}: {v}\r\n" for k, v in {"Host": host, **headers}.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> Answer:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(*self.address)
        assert self.reader is not None
        extra = f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n" if body else ""
        self.writer.write(f"{method} {path} HTTP/1.1\r\n{self.head}{extra}\r\n".encode() + body)
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        fields = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in head[1:])}
        content = await self.reader.readexactly(int(fields["content-length"]))
        return Answer(int(head[0].split()[1]), fields, content)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


class Pool:
    """`size` keep-alive connections to one HTTP server, one per concurrent caller."""

    def __init__(self, url: str, size: int, headers: dict[str, str]) -> None:
        host, port = url.removeprefix("http://").rsplit(":", 1)
        self.free: asyncio.Queue[KeepAlive] = asyncio.Queue()
        for _ in range(size):
            self.free.put_nowait(KeepAlive(host, int(port), headers))

    async def request(self, method: str, path: str, body: bytes = b"") -> Answer:
        connection = await self.free.get()
        try:
            return await connection.request(method, path, body)
        finally:
            self.free.put_nowait(connection)

    async def post(self, path: str, body: bytes) -> Answer:
        return await self.request("POST", path, body)

    async def get(self, path: str) -> Answer:
        return await self.request("GET", path)

    def close(self) -> None:
        while not self.free.empty():
            self.free.get_nowait().close()


def wait_for_ports(ports: list[int], seconds: float) -> None:
    for port in ports:
        infra.wait_for_port("127.0.0.1", port, seconds, f"bench server on {port}")


class MongoTop:
    """Operations and server time per collection between two readings of `top`
    (SecantusDB and mongod both keep it): where the database's time goes."""

    def __init__(self, uri: str) -> None:
        self.client: MongoClient[dict[str, Any]] = MongoClient(uri)

    def totals(self) -> dict[str, tuple[int, int]]:
        found = self.client.admin.command("top")["totals"]
        return {
            ns: (int(v["total"]["count"]), int(v["total"]["time"]))
            for ns, v in found.items()
            if ns != "note"
        }

    @staticmethod
    def per_request(
        before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]], requests: int
    ) -> dict[str, tuple[float, float]]:
        """{namespace: (operations, server ms) per request}, busiest first."""
        spent = {
            ns: (count - before.get(ns, (0, 0))[0], micros - before.get(ns, (0, 0))[1])
            for ns, (count, micros) in after.items()
        }
        busiest = sorted(spent.items(), key=lambda item: -item[1][1])
        return {
            ns: (round(count / requests, 2), round(micros / 1000 / requests, 2))
            for ns, (count, micros) in busiest
            if count
        }

    def close(self) -> None:
        self.client.close()


class RawStack:
    """tests/bench/raw_stack.py's two servers, in subprocesses of this run."""

    def __init__(self, mongo_uri: str) -> None:
        self.grpc_port, self.http_port = free_port(), free_port()
        script = str(Path(__file__).resolve().parent / "raw_stack.py")
        BENCH_STATE.mkdir(parents=True, exist_ok=True)
        self.log = open(BENCH_STATE / "raw-stack.log", "ab")  # noqa: SIM115 (closed in stop)
        grpc_server = ["grpc", "--port", str(self.grpc_port), "--mongo-uri", mongo_uri]
        http_server = [
            "http",
            "--port",
            str(self.http_port),
            "--grpc",
            f"127.0.0.1:{self.grpc_port}",
        ]
        self.grpc = subprocess.Popen(
            [sys.executable, script, *grpc_server], stdout=self.log, stderr=subprocess.STDOUT
        )
        self.http = subprocess.Popen(
            [sys.executable, script, *http_server], stdout=self.log, stderr=subprocess.STDOUT
        )
        wait_for_ports([self.grpc_port, self.http_port], 60)
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.pids = {"raw-http": self.http.pid, "raw-grpc": self.grpc.pid}

    def stop(self) -> None:
        for proc in (self.http, self.grpc):
            proc.terminate()
        for proc in (self.http, self.grpc):
            proc.wait(timeout=30)
        self.log.close()


def shared_pids(stack: Stack) -> dict[str, int]:
    """The database and every worker: busy for either path (workers react to events)."""
    return {n: pid for n, pid in stack.pids.items() if n == "mongo" or n.endswith("-worker")}


def with_costs(
    pids: dict[str, int], top: MongoTop, load: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """load()'s figures (drive()'s) with what each request cost: CPU ms per process from
    /proc (the workers, which react to events after the answer, summed) and database
    operations and server time per collection from `top`."""
    before, top_before = cpu_seconds(pids), top.totals()
    figures = load()
    after, top_after = cpu_seconds(pids), top.totals()
    done = max(figures["requests"] - figures["failed"], 1)
    figures["mongo_per_request"] = MongoTop.per_request(top_before, top_after, done)
    spent = {name: after[name] - before[name] for name in after if name in before}
    workers = sum(v for name, v in spent.items() if name.endswith("-worker"))
    spent = {name: v for name, v in spent.items() if not name.endswith("-worker")}
    spent["all workers"] = workers
    figures["cpu_ms_per_request"] = {name: round(1000 * v / done, 2) for name, v in spent.items()}
    return figures


def ratios(phases: list[dict[str, Any]], path: str, raw: str) -> dict[str, float]:
    """`path` over `raw`, each the mean of its phases: throughput, p50 and p99."""

    def mean(name: str, key: str) -> float:
        values = [float(p[key]) for p in phases if p["path"] == name]
        return sum(values) / len(values)

    return {
        f"{path}_over_raw_throughput": mean(path, "per_second") / mean(raw, "per_second"),
        f"{path}_over_raw_p50": mean(path, "p50_ms") / mean(raw, "p50_ms"),
        f"{path}_over_raw_p99": mean(path, "p99_ms") / mean(raw, "p99_ms"),
    }


def phase_lines(phases: list[dict[str, Any]], labels: dict[str, str], unit: str) -> list[str]:
    """Two lines per measured phase: throughput, latency and CPU per request, then the
    database's operations and server time per request on its busiest collections."""
    lines = []
    for p in phases:
        cpu = ", ".join(f"{k} {v:.2f} ms" for k, v in p["cpu_ms_per_request"].items())
        notes = f"  FAILED: {p['errors']}" if p.get("errors") else ""
        if p.get("retried_after"):
            notes += f"  retried after Retry-After: {p['retried_after']} (HTTP status: count)"
        lines.append(
            f"round {p['round']} {labels[p['path']]:<22} {p['per_second']:7.1f} req/s  "
            f"p50 {p['p50_ms']:7.1f} ms  p99 {p['p99_ms']:7.1f} ms  CPU/request: {cpu}{notes}"
        )
        busiest = list(p["mongo_per_request"].items())[:6]
        lines.append(
            f"    database per {unit} (operations / server wall ms): "
            + ", ".join(f"{ns} {n:g} / {ms:g}" for ns, (n, ms) in busiest)
        )
    return lines


def clean_up_tenant(uri: str, database: str, tenant: str) -> None:
    """Take a run's records (one tenant of one service's database) and the raw stack's
    writes out of a reused stack's database, so that later runs do not carry them."""
    client: MongoClient[dict[str, Any]] = MongoClient(uri)
    try:
        client.drop_database("crm_bench_raw")
        db = client[database]
        for name in db.list_collection_names(filter={"name": {"$not": {"$regex": "^system\\."}}}):
            db[name].delete_many({"tenant_id": tenant})
    finally:
        client.close()


def seeded_database(
    storage: Path,
    name: str,
    total: int,
    version: int,
    seed: Callable[[str], dict[str, Any]],
    reseed: bool = False,
) -> dict[str, Any]:
    """The seed's figures for a database of `total` records in `storage`, seeding it by
    seed(uri) (not durable: a crash means seeding again) unless an earlier run did with
    the same `version`; `reused` says which."""
    if not reseed and storage.exists():
        with embedded_mongo(storage) as mongo, MongoClient(mongo.address) as client:
            meta = client["crm_bench_meta"].seed.find_one({"_id": name})
        if meta and meta["records"] == total and meta["version"] == version:
            return {**{k: v for k, v in meta.items() if k != "_id"}, "reused": True}
    print(f"seeding {total:,} {name} into {storage} (once; later runs reuse it)", flush=True)
    with embedded_mongo(storage, durable=False, fresh=True) as mongo:
        figures = {"records": total, "version": version, **seed(mongo.address)}
        with MongoClient(mongo.address) as client:
            client["crm_bench_meta"].seed.replace_one({"_id": name}, figures, upsert=True)
    return {**figures, "reused": False}


def plan_of(explained: dict[str, Any]) -> dict[str, Any]:
    """An explain() answer in short: its stages, innermost last, and what it read."""
    stages, node = [], explained["queryPlanner"]["winningPlan"]
    while node:
        stages.append(node["stage"] + (f" {node['indexName']}" if "indexName" in node else ""))
        node = node.get("inputStage")
    stats = explained.get("executionStats", {})
    return {
        "stages": " <- ".join(stages),
        "keys_examined": stats.get("totalKeysExamined"),
        "docs_examined": stats.get("totalDocsExamined"),
    }
