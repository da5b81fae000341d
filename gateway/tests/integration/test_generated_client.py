"""A client generated from the gateway's OpenAPI document with openapi-python-client, as
an integration team would start: the generator warns about nothing, so no schema and no
operation is dropped, and every module it writes imports.

The document is the app's own, built in-process (no stack, no store); the client is
generated into a temporary directory at test time and never committed.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from pathlib import Path

from crm_runtime.config import Settings
from crm_runtime.testing.generated_client import generate_client
from gateway.app import create_app

PACKAGE = "crm_platform_client"


def test_the_generated_client_has_no_warnings_and_imports(tmp_path: Path) -> None:
    document = tmp_path / "openapi.json"
    document.write_text(
        json.dumps(create_app(Settings.from_env("gateway", "gateway", {})).openapi())
    )
    output = tmp_path / "client"
    printed = generate_client(document, output, PACKAGE)
    assert "warning" not in printed.lower(), printed
    assert "Unable to" not in printed and "Skipping" not in printed, printed

    sys.path.insert(0, str(output))
    try:
        package = importlib.import_module(PACKAGE)
        names = [m.name for m in pkgutil.walk_packages(package.__path__, f"{PACKAGE}.")]
        for name in names:
            importlib.import_module(name)
    finally:
        sys.path.remove(str(output))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]
    assert f"{PACKAGE}.api.lead_forms.submit_v1_forms_form_key_leads_post" in names
