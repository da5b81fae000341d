"""The chart renders and lints for every environment, every manifest is valid for
Kubernetes 1.31, and the rendered objects keep the promises of docs/operators.md."""

from __future__ import annotations

from typing import Any

import helm_python as helm
import kubernetes_validate
import pytest
from crm_runtime.config import SERVICES
from deploy_support import (
    CHART,
    ENVIRONMENTS,
    KUBE_VERSION,
    Manifest,
    containers,
    env_values,
    of_kind,
    pod_spec,
    render,
    render_env,
)

# Everything optional switched on at once, so that every template is rendered and checked.
EVERYTHING_ON: dict[str, Any] = {
    "scheduling": {"podAntiAffinity": "required"},
    "defaults": {
        "otlpEndpoint": "http://otel-collector.observability.svc:4318",
        "env": {"CRM_OUTBOX_POLL_SECONDS": "0.2"},
        "api": {"headlessService": True, "pdb": {"minAvailable": "50%"}},
        "worker": {"autoscaling": {"enabled": True}},
    },
    "services": {"payment": {"image": {"digest": "sha256:" + "a" * 64}}},
    "gateway": {
        "ingress": {
            "enabled": True,
            "className": "nginx",
            "hosts": [{"host": "crm.test", "paths": [{"path": "/", "pathType": "Prefix"}]}],
            "tls": [{"secretName": "crm-tls", "hosts": ["crm.test"]}],
        }
    },
    "networkPolicy": {"enabled": True},
    "monitoring": {"podMonitor": {"enabled": True, "labels": {"release": "prometheus"}}},
}
CASES = {env: env_values(env) for env in ENVIRONMENTS} | {"everything-on": EVERYTHING_ON}
# Custom resources that kubernetes-validate has no schema for; anything else must validate.
CRD_GROUPS = ("monitoring.coreos.com/",)


@pytest.mark.parametrize("case", sorted(CASES))
def test_chart_lints_strictly(case: str) -> None:
    report = helm.lint(CHART, values=CASES[case], strict=True, kube_version=f"v{KUBE_VERSION}.0")
    problems = [m for m in report["messages"] if m["severity"] >= 2]
    assert not report["errors"] and not problems, report


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_manifest_is_valid_kubernetes(case: str) -> None:
    manifests = render(CASES[case])
    assert manifests
    for manifest in manifests:
        where = f"{manifest['kind']}/{manifest['metadata']['name']}"
        try:
            kubernetes_validate.validate(manifest, KUBE_VERSION, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            assert manifest["apiVersion"].startswith(CRD_GROUPS), f"no schema for {where}"
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{case}: {where} is invalid: {exc}")


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_service_has_api_and_worker_and_the_gateway_runs(case: str) -> None:
    manifests = render(CASES[case])
    deployments = of_kind(manifests, "Deployment")
    expected = {f"crm-{s}-{p}" for s in SERVICES for p in ("api", "worker")} | {"crm-gateway"}
    assert set(deployments) == expected
    services = of_kind(manifests, "Service")
    assert set(services) == {f"crm-{s}-api" for s in SERVICES} | {"crm-gateway"}
    assert set(of_kind(manifests, "ServiceAccount")) == {f"crm-{s}" for s in SERVICES} | {
        "crm-gateway"
    }
    for name, container in containers(manifests):
        process = name.rsplit("-", 1)[-1]
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports["metrics"] == 9090
        if process == "api":
            assert container["args"] == ["api"] and ports["grpc"] == 50051
        elif process == "worker":
            assert container["args"] == ["worker"] and set(ports) == {"metrics"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_pods_are_hardened(case: str) -> None:
    for name, deployment in of_kind(render(CASES[case]), "Deployment").items():
        spec = pod_spec(deployment)
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert spec["automountServiceAccountToken"] is False, name
        assert {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}} in spec["volumes"], name
        for container in spec["containers"]:
            ctx = container["securityContext"]
            assert ctx["readOnlyRootFilesystem"] is True, name
            assert ctx["allowPrivilegeEscalation"] is False, name
            assert ctx["capabilities"] == {"drop": ["ALL"]}, name
            assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"], name
            assert container["resources"]["requests"], name


def test_probes_use_grpc_health_for_apis_and_http_elsewhere() -> None:
    for name, container in containers(render_env("prod")):
        if name.endswith("-api"):
            service = name.removeprefix("crm-").removesuffix("-api")
            ready = container["readinessProbe"]["grpc"]
            assert ready == {"port": 50051, "service": f"crm.{service}.v1.{service.title()}Service"}
            assert container["livenessProbe"]["grpc"] == {"port": 50051, "service": ""}
        elif name.endswith("-worker"):
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                assert container[probe]["httpGet"] == {"path": "/metrics", "port": "metrics"}
        else:
            assert container["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}


def test_credentials_come_only_from_existing_secrets() -> None:
    for env in ENVIRONMENTS:
        manifests = render_env(env)
        assert not of_kind(manifests, "Secret"), "the chart must not carry credentials"
        for name, container in containers(manifests):
            by_name = {e["name"]: e for e in container["env"]}
            wanted = ["CRM_REDIS_URL", "CRM_MONGO_URI"]
            wanted += ["CRM_JWT_KEYS"] if name == "crm-gateway" else ["CRM_AMQP_URI"]
            for var in wanted:
                assert "secretKeyRef" in by_name[var]["valueFrom"], (env, name, var)
        for config in of_kind(manifests, "ConfigMap").values():
            assert not any("://" in v and "@" in v for v in config["data"].values())


def test_prod_secret_is_per_service() -> None:
    for name, container in containers(render_env("prod")):
        ref = {e["name"]: e for e in container["env"]}["CRM_REDIS_URL"]["valueFrom"]
        service = (
            name.removeprefix("crm-").rsplit("-", 1)[0] if name != "crm-gateway" else "gateway"
        )
        assert ref["secretKeyRef"]["name"] == f"crm-{service}-connections"


def test_gateway_reaches_every_service_api() -> None:
    data = of_kind(render_env("dev"), "ConfigMap")["crm-gateway"]["data"]
    for service in SERVICES:
        assert data[f"CRM_{service.upper()}_ADDR"] == f"crm-{service}-api:50051"
    assert data["CRM_HTTP_PORT"] == "8080" and data["CRM_METRICS_PORT"] == "9090"


def test_prod_is_redundant() -> None:
    manifests = render_env("prod")
    hpas = of_kind(manifests, "HorizontalPodAutoscaler")
    pdbs = of_kind(manifests, "PodDisruptionBudget")
    for name, deployment in of_kind(manifests, "Deployment").items():
        assert hpas[name]["spec"]["minReplicas"] >= 2, name
        assert hpas[name]["spec"]["metrics"][0]["resource"]["name"] == "cpu", name
        assert "replicas" not in deployment["spec"], f"{name}: the HPA owns replicas"
        assert name in pdbs, name
        affinity = pod_spec(deployment)["affinity"]["podAntiAffinity"]
        assert affinity["preferredDuringSchedulingIgnoredDuringExecution"], name
        zones = pod_spec(deployment)["topologySpreadConstraints"][0]
        assert zones["whenUnsatisfiable"] == "DoNotSchedule", name


def _peer_components(rule: Manifest, key: str) -> set[str]:
    return {
        peer["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
        for peer in rule.get(key, [])
        if "podSelector" in peer and "namespaceSelector" not in peer
    }


# Which services' apis each api calls over gRPC (values.yaml `calls`).
CALLS = {"opportunity": ("lead",), "contract": ("opportunity",)}


def test_network_policies_follow_the_call_graph() -> None:
    policies = of_kind(render_env("prod"), "NetworkPolicy")
    assert set(policies) == set(of_kind(render_env("prod"), "Deployment"))
    for service in SERVICES:
        api = policies[f"crm-{service}-api"]["spec"]
        callers = set().union(*(_peer_components(r, "from") for r in api["ingress"]))
        expected = {"gateway"} | {f"{c}-api" for c, callees in CALLS.items() if service in callees}
        assert callers == expected, service
        callees = set().union(*(_peer_components(r, "to") for r in api["egress"]))
        assert callees == {f"{c}-api" for c in CALLS.get(service, ())}, service
        worker = policies[f"crm-{service}-worker"]["spec"]
        assert [r["ports"] for r in worker["ingress"]] == [[{"port": 9090, "protocol": "TCP"}]]
        assert not any(_peer_components(r, "to") for r in worker["egress"]), "workers call no gRPC"
        for spec in (api, worker):
            assert all(rule.get("from") for rule in spec["ingress"]), "an empty from admits all"
    gateway = policies["crm-gateway"]["spec"]
    assert set().union(*(_peer_components(r, "to") for r in gateway["egress"])) == {
        f"{s}-api" for s in SERVICES
    }


def test_dev_is_small_and_skips_disruption_budgets() -> None:
    manifests = render_env("dev")
    assert not of_kind(manifests, "PodDisruptionBudget")
    assert not of_kind(manifests, "HorizontalPodAutoscaler")
    assert not of_kind(manifests, "NetworkPolicy")
    assert all(d["spec"]["replicas"] == 1 for d in of_kind(manifests, "Deployment").values())
