"""What the deploy checks share: paths, the environments, and rendering the chart with
Helm's own engine (the helm-python-sdk binding of Helm's Go SDK; no binary, no cluster)."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import helm_python as helm
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
CHART = REPO_ROOT / "charts" / "crm"
DEPLOY = REPO_ROOT / "deploy"
ENVIRONMENTS = ("dev", "staging", "prod")
KUBE_VERSION = "1.31"
RELEASE = "crm"
NAMESPACE = "crm"

Manifest = dict[str, Any]


def env_values(env: str) -> dict[str, Any]:
    """The values file of one environment, as Helm would read it with -f."""
    loaded = yaml.safe_load((DEPLOY / f"values-{env}.yaml").read_text(encoding="utf-8"))
    return loaded or {}


def render(values: dict[str, Any] | None = None) -> list[Manifest]:
    """Every manifest the chart renders for `values` (NOTES.txt left out)."""
    return list(_render(json.dumps(values or {}, sort_keys=True)))


@functools.cache
def _render(values_json: str) -> tuple[Manifest, ...]:
    with helm.Chart.load(str(CHART)) as chart:
        files = chart.render(values=json.loads(values_json), name=RELEASE, namespace=NAMESPACE)
    manifests = []
    for path, text in sorted(files.items()):
        if not path.endswith((".yaml", ".yml")):
            continue
        manifests.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return tuple(manifests)


def render_env(env: str) -> list[Manifest]:
    return render(env_values(env))


def of_kind(manifests: list[Manifest], kind: str) -> dict[str, Manifest]:
    """The manifests of one kind, by object name."""
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == kind}


def pod_spec(deployment: Manifest) -> Manifest:
    spec: Manifest = deployment["spec"]["template"]["spec"]
    return spec


def containers(manifests: list[Manifest]) -> Iterator[tuple[str, Manifest]]:
    """(deployment name, container) for every container of every Deployment."""
    for name, deployment in of_kind(manifests, "Deployment").items():
        for container in pod_spec(deployment)["containers"]:
            yield name, container


def chart_services() -> list[str]:
    """The services the chart's own values.yaml declares."""
    values = yaml.safe_load((CHART / "values.yaml").read_text(encoding="utf-8"))
    return sorted(values["services"])


def dockerfiles() -> list[Path]:
    found = [REPO_ROOT / "gateway" / "Dockerfile"]
    found += sorted((REPO_ROOT / "services").glob("Dockerfile"))
    found += sorted((REPO_ROOT / "services").glob("*/Dockerfile"))
    return [path for path in found if path.exists()]
