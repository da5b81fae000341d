"""Entry point of the gateway: `python -m gateway.main`."""

from __future__ import annotations

import uvicorn
from crm_runtime import metrics
from crm_runtime.config import Settings
from crm_runtime.telemetry import setup_telemetry

from gateway.app import create_app
from gateway.config import GatewaySettings


def main() -> None:
    settings = Settings.from_env("gateway", "gateway")
    gateway = GatewaySettings.from_env()
    setup_telemetry(settings)
    metrics.serve_metrics(settings.metrics_port)
    uvicorn.run(
        create_app(settings, gateway),
        host="0.0.0.0",
        port=settings.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds),
    )


if __name__ == "__main__":
    main()
