"""A Python client generated from an OpenAPI document with openapi-python-client, as an
integration team would start: for the gateway's test of its own document and the
end-to-end test of the live one. Generated into a directory the caller gives (a
temporary one), never committed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# The generator writes request bodies only for the content types it knows; the CSV
# upload of POST /v1/lead-imports is bytes to it, as its documentation advises.
_CONFIG = "content_type_overrides:\n  text/csv: application/octet-stream\n"


def generate_client(document: Path, output: Path, package: str) -> str:
    """Writes the client of `document` as `package` under `output`; returns what the
    generator printed (the caller checks it for warnings)."""
    config = output.parent / f"{package}.yaml"
    config.write_text(f"package_name_override: {package}\n{_CONFIG}")
    bin_dir = Path(sys.executable).parent  # the generator's post hooks run ruff from here
    run = subprocess.run(  # noqa: S603 (our own venv's binary)
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(document),
            "--output-path",
            str(output),
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
        check=False,
    )
    printed = run.stdout + run.stderr
    if run.returncode != 0:
        raise AssertionError(printed)
    _work_around_unset_import(output / package)
    return printed


def _work_around_unset_import(package: Path) -> None:
    """openapi-python-client 0.29.1 writes `| Unset = UNSET` for a required body of
    several content types (the public form takes JSON and urlencoded) without importing
    `Unset` (upstream issue #1451, fix pending in #1478). Add the one missing name, only
    where it is missing, so every other module is imported exactly as generated."""
    for module in package.glob("api/**/*.py"):
        text = module.read_text()
        if "| Unset = UNSET" in text and "from ...types import UNSET, Response\n" in text:
            text = text.replace(
                "from ...types import UNSET, Response\n",
                "from ...types import UNSET, Response, Unset\n",
            )
            module.write_text(text)
