"""Dashboards and alert rules: generated files are current, every metric they query is
one the code defines, and promtool accepts (and exercises) the rules."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from crm_runtime import metrics
from crm_runtime.config import SERVICES
from deploy_support import DEPLOY, REPO_ROOT
from metric_refs import dashboard_exprs, metric_names_in, metric_names_used, rule_groups
from prometheus_client import REGISTRY
from prometheus_client.metrics import MetricWrapperBase

# Metrics from outside the platform that dashboards and alerts may use. Only this one.
ALLOWED_EXTERNAL_METRICS = frozenset({"kube_pod_container_status_restarts_total"})
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None,
    reason="promtool is not on PATH (Debian package `prometheus`; `make test` installs it)",
)


def exported_metric_names() -> set[str]:
    """The series names crm_runtime.metrics makes Prometheus scrape."""
    registered = {family.name for family in REGISTRY.collect()}
    names: set[str] = set()
    for collector in vars(metrics).values():
        if not isinstance(collector, MetricWrapperBase):
            continue
        for family in collector.describe():
            assert family.name in registered, f"{family.name} is not in the default registry"
            names |= {family.name + suffix for suffix in SUFFIXES[family.type]}
    return names


def load_generator() -> Any:
    path = DEPLOY / "dashboards" / "generate.py"
    spec = importlib.util.spec_from_file_location("crm_dashboards_generate", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dashboards_are_the_generator_output() -> None:
    generator = load_generator()
    boards = generator.build_dashboards()
    assert set(boards) == {f"{s}.json" for s in SERVICES} | {"gateway.json", "overview.json"}
    on_disk = {p.name for p in (DEPLOY / "dashboards").glob("*.json")}
    assert on_disk == set(boards), "run deploy/dashboards/generate.py"
    for name, board in boards.items():
        committed = (DEPLOY / "dashboards" / name).read_text(encoding="utf-8")
        assert committed == generator.render(board), f"{name} is stale: run generate.py"


def test_dashboards_cover_the_signals() -> None:
    wanted = {
        "crm_grpc_server_requests_total",
        "crm_grpc_server_request_duration_seconds_bucket",
        "crm_events_handled_total",
        "crm_events_dead_lettered_total",
        "crm_outbox_lag_seconds",
        "crm_domain_events_total",
    }
    for name, exprs in dashboard_exprs(REPO_ROOT).items():
        used = set().union(*(metric_names_in(e) for e in exprs))
        if name == "gateway.json":
            assert {"crm_http_requests_total", "crm_http_request_duration_seconds_bucket"} <= used
        else:
            assert wanted <= used, f"{name} misses {sorted(wanted - used)}"


def test_every_queried_metric_is_defined_in_the_runtime() -> None:
    used = metric_names_used(REPO_ROOT)
    assert used, "no metric found: the extraction is broken"
    unknown = used - exported_metric_names() - ALLOWED_EXTERNAL_METRICS
    assert not unknown, f"not defined in crm_runtime.metrics: {sorted(unknown)}"


def test_metric_extraction_reads_promql() -> None:
    expr = (
        'histogram_quantile(0.99, sum by (le, method) (rate(a_bucket{code=~"x|y"}[5m]))) '
        "> 1e3 and on (pod) b offset 1h unless ignoring (le) c:recorded:rate5m"
    )
    assert metric_names_in(expr) == {"a_bucket", "b", "c:recorded:rate5m"}
    assert metric_names_in("label_values(crm_process_ready, namespace)") == {"crm_process_ready"}


def test_alert_rules_cover_the_required_alerts() -> None:
    doc = yaml.safe_load((DEPLOY / "alerts" / "crm-rules.yaml").read_text(encoding="utf-8"))
    assert doc["apiVersion"] == "monitoring.coreos.com/v1" and doc["kind"] == "PrometheusRule"
    alerts = {r["alert"]: r for g in rule_groups(REPO_ROOT) for r in g["rules"] if "alert" in r}
    for name in (
        "CrmGrpcServerErrors",
        "CrmHttpServerErrors",
        "CrmGrpcLatencyBudgetBurnFast",
        "CrmGrpcLatencyBudgetBurnSlow",
        "CrmHttpLatencyBudgetBurnFast",
        "CrmHttpLatencyBudgetBurnSlow",
        "CrmOutboxLagging",
        "CrmAnalyticsLagging",
        "CrmEventsDeadLettered",
        "CrmPodRestarting",
    ):
        assert name in alerts, name
        assert alerts[name]["labels"]["severity"] in {"warning", "critical"}
        assert alerts[name]["annotations"]["summary"], name


def write_groups(folder: Path, strip_annotations: bool = False) -> Path:
    groups = rule_groups(REPO_ROOT)
    if strip_annotations:
        groups = [
            {**g, "rules": [{k: v for k, v in r.items() if k != "annotations"} for r in g["rules"]]}
            for g in groups
        ]
    path = folder / "crm-rules.groups.yaml"
    path.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False), encoding="utf-8")
    return path


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL
    return subprocess.run([PROMTOOL, *args], capture_output=True, text=True, timeout=60)


@needs_promtool
def test_promtool_accepts_the_rules(tmp_path: Path) -> None:
    result = promtool("check", "rules", str(write_groups(tmp_path)))
    assert result.returncode == 0, result.stdout + result.stderr


def series(name: str, labels: dict[str, str], values: str) -> dict[str, str]:
    rendered = ", ".join(f'{k}="{v}"' for k, v in labels.items())
    return {"series": f"{name}{{{rendered}}}", "values": values}


def firing(alert: str, at: str, **labels: str) -> dict[str, Any]:
    return {"eval_time": at, "alertname": alert, "exp_alerts": [{"exp_labels": labels}]}


@needs_promtool
def test_alerts_fire_on_synthetic_series(tmp_path: Path) -> None:
    """The alert logic (expressions, `for`, labels) on made-up series; annotation text is
    left out here, its templates are checked by `promtool check rules` above."""
    rules = write_groups(tmp_path, strip_annotations=True)
    lead = {"namespace": "crm", "service": "lead"}
    call = {**lead, "method": "/crm.lead.v1.LeadService/CreateLead"}
    grpc = "crm_grpc_server_request_duration_seconds"
    case = {
        "interval": "1m",
        "input_series": [
            series(
                "crm_events_dead_lettered_total",
                {**lead, "service": "payment", "event_type": "ContractSigned"},
                "0 0 1 1 1",
            ),
            series("crm_outbox_lag_seconds", lead, "900x30"),
            *(
                series(
                    "crm_analytics_lag_seconds_bucket",
                    {
                        "namespace": "crm",
                        "service": "analytics",
                        "event_type": "LeadCreated",
                        "le": le,
                    },
                    values,
                )
                for le, values in (("30", "0+1x30"), ("60", "0+10x30"), ("+Inf", "0+10x30"))
            ),
            series("crm_grpc_server_requests_total", {**call, "code": "INTERNAL"}, "0+6x30"),
            series("crm_grpc_server_requests_total", {**call, "code": "OK"}, "0+54x30"),
            series(f"{grpc}_bucket", {**call, "le": "0.25"}, "0+40x30"),
            series(f"{grpc}_count", call, "0+60x30"),
            series(
                "crm_http_requests_total",
                {
                    "namespace": "crm",
                    "service": "gateway",
                    "route": "/v1/leads",
                    "method": "GET",
                    "status": "200",
                },
                "0+60x30",
            ),
        ],
        "alert_rule_test": [
            firing(
                "CrmEventsDeadLettered",
                "4m",
                severity="warning",
                namespace="crm",
                service="payment",
                event_type="ContractSigned",
            ),
            firing("CrmOutboxStalled", "20m", severity="critical", **lead),
            firing("CrmOutboxLagging", "20m", severity="warning", **lead),
            firing("CrmAnalyticsLagging", "20m", severity="warning", namespace="crm"),
            firing("CrmGrpcServerErrors", "20m", severity="critical", **lead),
            firing("CrmGrpcLatencyBudgetBurnFast", "20m", severity="critical", **lead),
            {"eval_time": "20m", "alertname": "CrmHttpServerErrors", "exp_alerts": []},
            {"eval_time": "20m", "alertname": "CrmProcessNotReady", "exp_alerts": []},
        ],
    }
    spec = {"rule_files": [rules.name], "evaluation_interval": "1m", "tests": [case]}
    test_file = tmp_path / "crm-rules.test.yaml"
    test_file.write_text(json.dumps(spec), encoding="utf-8")
    result = promtool("test", "rules", str(test_file))
    assert result.returncode == 0, result.stdout + result.stderr
