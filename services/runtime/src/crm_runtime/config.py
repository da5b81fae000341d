"""Settings read once from the environment (12-factor), with defaults that work on a laptop.

Every process (api, worker, gateway) builds one `Settings` in its main module and passes
it down; nothing reads os.environ anywhere else and nothing connects at import time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

SERVICES = ("lead", "opportunity", "contract", "payment", "notification", "analytics")

# Local default ports. gRPC: 5005x; metrics: api 91xx, worker 92xx; gateway 8080 / 9100.
GRPC_PORTS = {name: 50051 + i for i, name in enumerate(SERVICES)}
API_METRICS_PORTS = {name: 9101 + i for i, name in enumerate(SERVICES)}
WORKER_METRICS_PORTS = {name: 9201 + i for i, name in enumerate(SERVICES)}
GATEWAY_HTTP_PORT = 8080
GATEWAY_METRICS_PORT = 9100

DEFAULT_MONGO_URI = "mongodb://127.0.0.1:27018/?retryWrites=false&directConnection=true"
DEFAULT_AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def _int(env: Mapping[str, str], key: str, default: int) -> int:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{key} must be an integer, got {raw!r}") from exc


def _float(env: Mapping[str, str], key: str, default: float) -> float:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{key} must be a number, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    """What one process needs to know about its world."""

    service: str  # "lead", ..., or "gateway"
    process: str  # "api", "worker" or "gateway"
    mongo_uri: str = DEFAULT_MONGO_URI
    mongo_db: str = ""
    amqp_uri: str = DEFAULT_AMQP_URI
    redis_url: str = DEFAULT_REDIS_URL
    grpc_host: str = "0.0.0.0"
    grpc_port: int = 0
    http_port: int = GATEWAY_HTTP_PORT
    metrics_port: int = 0
    log_level: str = "INFO"
    otlp_endpoint: str = ""
    trace_file: str = ""
    shutdown_grace_seconds: float = 10.0
    outbox_poll_seconds: float = 0.1
    service_addresses: dict[str, str] = field(default_factory=dict)
    grpc_deadline_seconds: float = 5.0
    # CRM_<SERVICE>_<NAME> variables of this service, by <NAME>: its own settings
    service_options: dict[str, str] = field(default_factory=dict)

    @property
    def database(self) -> str:
        return self.mongo_db or f"crm_{self.service}"

    @classmethod
    def from_env(cls, service: str, process: str, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        if process == "worker":
            default_metrics = WORKER_METRICS_PORTS.get(service, 0)
        elif process == "gateway":
            default_metrics = GATEWAY_METRICS_PORT
        else:
            default_metrics = API_METRICS_PORTS.get(service, 0)
        addresses = {
            name: env.get(f"CRM_{name.upper()}_ADDR", f"127.0.0.1:{GRPC_PORTS[name]}")
            for name in SERVICES
        }
        return cls(
            service=service,
            process=process,
            mongo_uri=env.get("CRM_MONGO_URI") or DEFAULT_MONGO_URI,
            mongo_db=env.get("CRM_MONGO_DB", ""),
            amqp_uri=env.get("CRM_AMQP_URI") or DEFAULT_AMQP_URI,
            redis_url=env.get("CRM_REDIS_URL") or DEFAULT_REDIS_URL,
            grpc_host=env.get("CRM_GRPC_HOST", "0.0.0.0"),
            grpc_port=_int(env, "CRM_GRPC_PORT", GRPC_PORTS.get(service, 0)),
            http_port=_int(env, "CRM_HTTP_PORT", GATEWAY_HTTP_PORT),
            metrics_port=_int(env, "CRM_METRICS_PORT", default_metrics),
            log_level=env.get("CRM_LOG_LEVEL", "INFO").upper(),
            otlp_endpoint=env.get("OTEL_EXPORTER_OTLP_ENDPOINT", ""),
            trace_file=env.get("CRM_TRACE_FILE", ""),
            shutdown_grace_seconds=_float(env, "CRM_SHUTDOWN_GRACE_SECONDS", 10.0),
            outbox_poll_seconds=_float(env, "CRM_OUTBOX_POLL_SECONDS", 0.1),
            service_addresses=addresses,
            grpc_deadline_seconds=_float(env, "CRM_GRPC_DEADLINE_SECONDS", 5.0),
            service_options={
                key.removeprefix(f"CRM_{service.upper()}_"): value
                for key, value in env.items()
                if key.startswith(f"CRM_{service.upper()}_")
            },
        )
