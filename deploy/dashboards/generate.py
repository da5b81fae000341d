"""Write the Grafana dashboards in this folder: one per service, the gateway, an overview.

    .venv/bin/python deploy/dashboards/generate.py

The JSON files are generated so that eight dashboards do not drift apart by hand edits;
tests/deploy checks that the committed files equal this script's output and that every
metric they query is defined in crm_runtime.metrics. Every series carries the `service`
and `process` labels set by the code, plus `namespace` from the Prometheus scrape.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from crm_runtime.config import SERVICES

HERE = Path(__file__).resolve().parent
RATE = "$__rate_interval"
# gRPC codes that mean the server failed (client mistakes such as INVALID_ARGUMENT or
# NOT_FOUND are not errors of the service). The alert rules use the same list.
GRPC_SERVER_ERRORS = "UNKNOWN|INTERNAL|UNAVAILABLE|DATA_LOSS|DEADLINE_EXCEEDED|UNIMPLEMENTED"

Panel = dict[str, Any]


def sel(service: str | None, extra: str = "") -> str:
    """A label selector scoped to the chosen namespace (and service, when given)."""
    parts = ['namespace="$namespace"']
    if service:
        parts.append(f'service="{service}"')
    if extra:
        parts.append(extra)
    return "{" + ", ".join(parts) + "}"


def panel(title: str, expr: str, legend: str, unit: str = "short", **extra: str) -> Panel:
    """One query per panel; `extra` may set kind (the panel type) and description."""
    return {
        "type": extra.get("kind", "timeseries"),
        "title": title,
        "description": extra.get("description", ""),
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}},
        "targets": [{"expr": expr, "legendFormat": legend, "refId": "A"}],
    }


def row(title: str) -> Panel:
    return {"type": "row", "title": title, "collapsed": False, "panels": []}


def summed(by: str, metric: str, selector: str, fn: str = "rate", window: str = RATE) -> str:
    return f"sum by ({by}) ({fn}({metric}{selector}[{window}]))"


def p99(metric: str, selector: str, by: str) -> str:
    return f"histogram_quantile(0.99, {summed(f'le, {by}', metric + '_bucket', selector)})"


def legend(*labels: str) -> str:
    return " ".join("{{" + label + "}}" for label in labels)


def grpc_panels(service: str | None, by: str) -> list[Panel]:
    metric = "crm_grpc_server_requests_total"
    total = summed(by, metric, sel(service))
    failed = summed(by, metric, sel(service, f'code=~"{GRPC_SERVER_ERRORS}"'))
    return [
        row("api: gRPC requests"),
        panel("Requests per second", total, legend(by), "reqps"),
        panel(
            "Server error ratio",
            f"({failed}) / ({total})",
            legend(by),
            "percentunit",
            description=f"Share of calls that ended in {GRPC_SERVER_ERRORS}.",
        ),
        panel(
            "Latency p99",
            p99("crm_grpc_server_request_duration_seconds", sel(service), by),
            legend(by),
            "s",
        ),
        panel(
            "Non-OK responses by code",
            summed("code", metric, sel(service, 'code!="OK"')),
            legend("code"),
            "reqps",
        ),
    ]


def http_panels(by: str) -> list[Panel]:
    metric = "crm_http_requests_total"
    total = summed(by, metric, sel("gateway"))
    failed = summed(by, metric, sel("gateway", 'status=~"5.."'))
    return [
        row("gateway: HTTP requests"),
        panel("Requests per second", total, legend(by), "reqps"),
        panel("5xx ratio", f"({failed}) / ({total})", legend(by), "percentunit"),
        panel(
            "Latency p99",
            p99("crm_http_request_duration_seconds", sel("gateway"), by),
            legend(by),
            "s",
        ),
        panel(
            "Responses by status",
            summed("status", metric, sel("gateway")),
            legend("status"),
            "reqps",
        ),
    ]


def worker_panels(service: str | None, by: str) -> list[Panel]:
    metric = "crm_events_handled_total"
    return [
        row("worker: event handlers"),
        panel(
            "Events handled per second",
            summed(f"{by}, outcome", metric, sel(service)),
            legend(by, "outcome"),
            "ops",
        ),
        panel(
            "Handler errors per second",
            summed(by, metric, sel(service, 'outcome="error"')),
            legend(by),
            "ops",
        ),
        panel(
            "Handler latency p99",
            p99("crm_event_handler_duration_seconds", sel(service), by),
            legend(by),
            "s",
        ),
        panel(
            "Dead-lettered events",
            summed(by, "crm_events_dead_lettered_total", sel(service), "increase"),
            legend(by),
            description="Events a handler gave up on; they wait in the dead-letter queue.",
        ),
    ]


def outbox_panels(service: str | None, by: str) -> list[Panel]:
    """Lag, backlog and failures are per service; publications also per event type."""
    s = sel(service)
    return [
        row("outbox relay"),
        panel(
            "Outbox lag",
            f"max by (service) (crm_outbox_lag_seconds{s})",
            legend("service"),
            "s",
            description="Age of the oldest event written but not yet published.",
        ),
        panel(
            "Pending outbox events",
            f"sum by (service) (crm_outbox_pending_events{s})",
            legend("service"),
        ),
        panel(
            "Published per second", summed(by, "crm_outbox_published_total", s), legend(by), "ops"
        ),
        panel(
            "Publish failures per second",
            summed("service", "crm_outbox_publish_failures_total", s),
            legend("service"),
            "ops",
        ),
    ]


def business_panels(service: str | None, by: str) -> list[Panel]:
    metric, s = "crm_domain_events_total", sel(service)
    return [
        row("business events"),
        panel("Domain events per second", summed(by, metric, s), legend(by), "ops"),
        panel(
            "Domain events in the time range",
            summed(by, metric, s, "increase", "$__range"),
            legend(by),
            kind="bargauge",
        ),
    ]


def process_panels(service: str | None) -> list[Panel]:
    if service == "gateway":
        containers = "gateway"
    elif service:
        containers = f"{service}-(api|worker)"
    else:
        containers = f"({'|'.join(SERVICES)})-(api|worker)|gateway"
    restarts = summed(
        "container",
        "kube_pod_container_status_restarts_total",
        f'{{namespace="$namespace", container=~"{containers}"}}',
        "increase",
        "1h",
    )
    return [
        row("processes"),
        panel(
            "Ready processes",
            f"sum by (service, process) (crm_process_ready{sel(service)})",
            legend("service", "process"),
        ),
        panel(
            "Container restarts (1h)",
            restarts,
            legend("container"),
            description="From kube-state-metrics.",
        ),
    ]


def layout(panels: list[Panel]) -> list[Panel]:
    """Rows span the width; other panels flow two per line (or three for stats)."""
    x = y = 0
    out = []
    for number, item in enumerate(panels, start=1):
        item = {"id": number, **item}
        if item["type"] == "row":
            if x:
                y, x = y + 8, 0
            item["gridPos"] = {"h": 1, "w": 24, "x": 0, "y": y}
            y += 1
        else:
            item["gridPos"] = {"h": 8, "w": 12, "x": x, "y": y}
            x += 12
            if x >= 24:
                y, x = y + 8, 0
        out.append(item)
    return out


def dashboard(uid: str, title: str, panels: list[Panel], description: str) -> dict[str, Any]:
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": ["crm"],
        "editable": True,
        "schemaVersion": 39,
        "version": 1,
        "time": {"from": "now-6h", "to": "now"},
        "refresh": "1m",
        "timezone": "browser",
        "links": [{"type": "dashboards", "tags": ["crm"], "asDropdown": True, "title": "CRM"}],
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "label": "Data source",
                    "type": "datasource",
                    "query": "prometheus",
                    "current": {},
                    "hide": 0,
                },
                {
                    "name": "namespace",
                    "label": "Namespace",
                    "type": "query",
                    "datasource": {"type": "prometheus", "uid": "${datasource}"},
                    "query": {"query": "label_values(crm_process_ready, namespace)", "refId": "ns"},
                    "definition": "label_values(crm_process_ready, namespace)",
                    "refresh": 2,
                    "current": {},
                    "hide": 0,
                    "sort": 1,
                },
            ]
        },
        "panels": layout(panels),
    }


def build_dashboards() -> dict[str, dict[str, Any]]:
    """File name -> dashboard, for every dashboard this folder holds."""
    boards = {}
    for service in SERVICES:
        panels = (
            grpc_panels(service, "method")
            + worker_panels(service, "event_type")
            + outbox_panels(service, "event_type")
            + business_panels(service, "event_type")
            + process_panels(service)
        )
        boards[f"{service}.json"] = dashboard(
            f"crm-{service}",
            f"CRM / {service}",
            panels,
            f"The {service} service: its gRPC api, its worker's event handlers and outbox "
            "relay, and the domain events it records.",
        )
    boards["gateway.json"] = dashboard(
        "crm-gateway",
        "CRM / gateway",
        http_panels("route") + process_panels("gateway"),
        "The HTTP gateway: traffic, errors and latency per route template.",
    )
    boards["overview.json"] = dashboard(
        "crm-overview",
        "CRM / overview",
        http_panels("service")
        + grpc_panels(None, "service")
        + worker_panels(None, "service")
        + outbox_panels(None, "service")
        + business_panels(None, "service")
        + process_panels(None),
        "Every service side by side; open a service's own dashboard for the detail.",
    )
    return boards


def render(board: dict[str, Any]) -> str:
    return json.dumps(board, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    for name, board in build_dashboards().items():
        (HERE / name).write_text(render(board), encoding="utf-8")
        print(f"wrote {HERE / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
