"""Which Prometheus metric names the dashboards and alert rules in deploy/ query.

`metric_names_used(repo_root)` is the public entry: the deploy checks compare it with the
metrics crm_runtime.metrics defines, and the end-to-end suite with what a running stack
serves. Names produced by the rule file's own recording rules are not counted (they are
derived, not scraped); names from outside the platform (kube-state-metrics) are.

The PromQL reading is deliberately small: string literals, label matchers, range
selectors and grouping clauses are cut out, then every identifier that is not a function
call, a keyword or part of a number is a metric name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGES = re.compile(r"\[[^\[\]]*\]")
_GROUPING = re.compile(
    r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)", re.IGNORECASE
)
_IDENTIFIER = re.compile(r"(?<![\w.$:])([A-Za-z_:][\w:]*)(?![\w:])(?!\s*\()")
_KEYWORDS = re.compile(
    r"(and|or|unless|bool|offset|by|without|on|ignoring|group_left|group_right"
    r"|inf|nan|start|end|atan2)",
    re.IGNORECASE,
)
# Grafana's variable query `label_values(metric, label)` is not PromQL.
_LABEL_VALUES = re.compile(r"label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*,\s*\w+\s*\)")


def metric_names_in(expr: str) -> set[str]:
    """The metric names one PromQL expression (or Grafana variable query) refers to."""
    expr = _LABEL_VALUES.sub(r" \1 ", expr)
    expr = _STRINGS.sub(" ", expr)
    expr = _MATCHERS.sub(" ", expr)
    expr = _RANGES.sub(" ", expr)
    expr = _GROUPING.sub(" ", expr)
    names = {match.group(1) for match in _IDENTIFIER.finditer(expr)}
    return {name for name in names if not _KEYWORDS.fullmatch(name)}


def _exprs_in(node: Any) -> Iterator[str]:
    """Every `expr` (panel target) and variable query anywhere in a dashboard."""
    if isinstance(node, dict):
        for key, value in node.items():
            is_query = key == "expr" or (key == "query" and "label_values" in str(value))
            if is_query and isinstance(value, str):
                yield value
            else:
                yield from _exprs_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from _exprs_in(item)


def dashboard_exprs(repo_root: Path) -> dict[str, list[str]]:
    """Dashboard file name -> the queries in it."""
    folder = Path(repo_root) / "deploy" / "dashboards"
    return {
        path.name: list(_exprs_in(json.loads(path.read_text(encoding="utf-8"))))
        for path in sorted(folder.glob("*.json"))
    }


def rule_groups(repo_root: Path) -> list[dict[str, Any]]:
    """The rule groups of every PrometheusRule in deploy/alerts (the `groups:` promtool reads)."""
    groups: list[dict[str, Any]] = []
    for path in sorted((Path(repo_root) / "deploy" / "alerts").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc and doc.get("kind") == "PrometheusRule":
                groups.extend(doc["spec"]["groups"])
    return groups


def recorded_names(repo_root: Path) -> set[str]:
    rules = [rule for group in rule_groups(repo_root) for rule in group["rules"]]
    return {rule["record"] for rule in rules if "record" in rule}


def metric_names_used(repo_root: Path | str) -> set[str]:
    """Every metric name the dashboards and alert rules query, recording rules' outputs
    excepted. Includes kube_pod_container_status_restarts_total (kube-state-metrics)."""
    root = Path(repo_root)
    exprs = [expr for queries in dashboard_exprs(root).values() for expr in queries]
    exprs += [rule["expr"] for group in rule_groups(root) for rule in group["rules"]]
    names: set[str] = set()
    for expr in exprs:
        names |= metric_names_in(str(expr))
    return names - recorded_names(root)
