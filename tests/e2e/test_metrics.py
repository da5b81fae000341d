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


def _load_metric_refs():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "deploy" / "metric_refs.py"
    spec = importlib.util.spec_from_file_location("metric_refs", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, path.parents[2]


KUBE_STATE_METRICS = {"kube_pod_container_status_restarts_total"}  # scraped from kube-state-metrics


def test_every_metric_in_dashboards_and_alerts_is_served_by_a_process(stack):
    refs, root = _load_metric_refs()
    served: set[str] = set()
    for port in PORTS.values():
        for family in text_string_to_metric_families(scrape(port)):
            served.add(family.name)
            served.update(
                f"{family.name}{suffix}" for suffix in ("_total", "_bucket", "_sum", "_count")
            )
            served.update(sample.name for sample in family.samples)
    missing = refs.metric_names_used(root) - KUBE_STATE_METRICS - served
    assert not missing, f"dashboards or alerts query metrics no process serves: {sorted(missing)}"
