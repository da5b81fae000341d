"""schemathesis against the live /openapi.json: no 5xx, no response that breaks the
document, every error problem+json, whatever the input. `positive_data_acceptance` is
left out: the document states types and lengths, while rules such as "a valid phone
number" live in the domain and are rightly answered 422."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_the_api_survives_schemathesis(stack):
    cli = Path(sys.executable).parent / "schemathesis"
    result = subprocess.run(
        [
            str(cli),
            "run",
            f"{stack['CRM_GATEWAY_URL']}/openapi.json",
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
            "-H",
            f"Authorization: Bearer {stack['CRM_API_KEY']}",
            "--max-examples",
            "100",
            "-n",
            "2",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
