"""Every process serves valid Prometheus text on its metrics port."""

from __future__ import annotations

import shutil
import subprocess

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

SERVICES = ("lead", "opportunity", "contract", "payment", "notification", "analytics")
OFFSET = 1000  # the test profile's ports
PORTS = {"gateway": 9100 + OFFSET}
for i, name in enumerate(SERVICES):
    PORTS[f"{name}-api"] = 9101 + i + OFFSET
    PORTS[f"{name}-worker"] = 9201 + i + OFFSET


def scrape(port: int) -> str:
    response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    response.raise_for_status()
    return response.text


@pytest.mark.parametrize("process", sorted(PORTS))
def test_metrics_are_valid_prometheus_text(stack, process):
    text = scrape(PORTS[process])
    families = {f.name for f in text_string_to_metric_families(text)}
    assert "crm_process_ready" in families
    if shutil.which("promtool"):
        lint = subprocess.run(
            ["promtool", "check", "metrics"], input=text, capture_output=True, text=True
        )
        assert "error" not in lint.stderr.lower(), lint.stderr
