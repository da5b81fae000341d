"""Bad values stop the render with a message that names the offending key
(values.schema.json, enforced by Helm), or the rule the templates check."""

from __future__ import annotations

from typing import Any

import helm_python as helm
import pytest
from deploy_support import CHART, render


def render_error(values: dict[str, Any]) -> str:
    with pytest.raises(helm.HelmError) as caught:
        render(values)
    return str(caught.value)


def test_wrong_type_names_the_field() -> None:
    message = render_error({"services": {"lead": {"api": {"replicas": "three"}}}})
    assert "/services/lead/api/replicas" in message
    assert "want integer" in message


def test_missing_required_setting_names_the_field() -> None:
    message = render_error({"services": {"payment": {"grpcService": None}}})
    assert "/services/payment" in message and "grpcService" in message


def test_missing_connection_secret_names_the_field() -> None:
    message = render_error({"defaults": {"connections": {"existingSecret": None}}})
    assert "/defaults/connections" in message and "existingSecret" in message


def test_unknown_key_is_reported() -> None:
    message = render_error({"defaults": {"worker": {"replica": 2}}})
    assert "/defaults/worker" in message and "'replica'" in message


def test_enumerations_are_checked() -> None:
    message = render_error({"scheduling": {"podAntiAffinity": "always"}})
    assert "/scheduling/podAntiAffinity" in message and "preferred" in message


def test_root_user_is_refused() -> None:
    assert "/security/runAsUser" in render_error({"security": {"runAsUser": 0}})


def test_call_to_an_unknown_service_is_refused() -> None:
    message = render_error({"services": {"opportunity": {"calls": ["leads"]}}})
    assert 'services.opportunity.calls names "leads"' in message


def test_autoscaling_bounds_are_checked() -> None:
    bounds = {"enabled": True, "minReplicas": 5, "maxReplicas": 2}
    message = render_error({"services": {"lead": {"worker": {"autoscaling": bounds}}}})
    assert "lead-worker: autoscaling.minReplicas (5) is greater than maxReplicas (2)" in message


def test_ingress_needs_a_host() -> None:
    message = render_error({"gateway": {"ingress": {"enabled": True}}})
    assert "gateway.ingress.hosts" in message


def test_lint_reports_bad_values_as_errors() -> None:
    report = helm.lint(CHART, values={"ports": {"grpc": "fifty"}}, strict=True)
    assert any("/ports/grpc" in error for error in report["errors"])
