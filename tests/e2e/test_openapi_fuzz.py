"""schemathesis against the live /openapi.json with every check: no 5xx, no response
that breaks the document, every error problem+json, and no request the document allows
refused for a rule it hides. The exceptions, each with its reason, are in
openapi_exceptions.py and nowhere else.

It runs twice, with credentials of a tenant of its own (never the demo key): an admin's
API key (100 examples per operation), and a signed-in admin's access token (15: the same
operations, to prove the second kind of credential goes through every route). Each run
takes one to two minutes alone, so it has its own time limit rather than the suite's
two minutes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from identity_support import operations
from openapi_exceptions import ACCEPTANCE, ACCEPTED_STATUSES, EXCEPTIONS, WHOLE_OPERATION

HERE = Path(__file__).resolve().parent


def config_toml(spec: dict) -> str:
    """A schemathesis config: every check on (`--checks all` on the command line would
    override the operations' settings), each excepted check off for its operation, and
    the exceptions module's hook."""
    lines = [
        f"hooks = {json.dumps(str(HERE / 'openapi_exceptions.py'))}",
        "checks.enabled = true",  # every check, as `--checks all`
        f"checks.{ACCEPTANCE}.expected-statuses = {json.dumps(list(ACCEPTED_STATUSES))}",
    ]
    known = {(method.lower(), path) for method, path, _ in operations(spec)}
    for entry in EXCEPTIONS:
        assert (entry.method.lower(), entry.path) in known, f"{entry}: the operation is gone"
        lines += [
            "",
            "[[operations]]",
            # One operation by its name: include-path and include-method in one block
            # match either (an OR), which would widen an exception to every GET.
            f"include-name = {json.dumps(f'{entry.method} {entry.path}')}",
            "enabled = false"
            if entry.check == WHOLE_OPERATION
            else f"checks.{entry.check}.enabled = false",
        ]
    return "\n".join(lines) + "\n"


@pytest.mark.timeout(480)
@pytest.mark.parametrize(("credential", "examples"), [("api key", 100), ("access token", 15)])
def test_the_api_survives_schemathesis(
    stack, live_spec, tenant_factory, credential, examples, tmp_path
):
    # A tenant per run: the second does not read through what the first wrote.
    tenant = tenant_factory()
    token = tenant.admin_key if credential == "api key" else tenant.person("admin")[1]
    config = tmp_path / "schemathesis.toml"
    config.write_text(config_toml(live_spec))
    cli = Path(sys.executable).parent / "schemathesis"
    result = subprocess.run(
        [
            str(cli),
            "--config-file",
            str(config),
            "run",
            f"{stack['CRM_GATEWAY_URL']}/openapi.json",
            "-H",
            f"Authorization: Bearer {token}",
            "--max-examples",
            str(examples),
            "-n",
            "2",
            # A slow answer is not a wrong one: the embedded MongoDB is one process working
            # off the events the fuzzer's writes queue up, and a read behind that backlog
            # took over schemathesis' 10 s default, and once over 30 s (GET /v1/audit-log,
            # a page of a tenant's thousands of entries: the embedded store reads every
            # match before the page), on a loaded two-core machine.
            "--request-timeout",
            "60",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=420,
        check=False,
    )
    (tmp_path / "schemathesis.out").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout[-12000:] + result.stderr[-2000:]
