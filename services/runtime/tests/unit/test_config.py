import pytest
from crm_runtime.config import Settings


def test_local_defaults_work_without_any_environment():
    s = Settings.from_env("lead", "api", {})
    assert s.grpc_port == 50051
    assert s.metrics_port == 9101
    assert s.database == "crm_lead"
    assert "retryWrites=false" in s.mongo_uri
    assert s.service_addresses["analytics"] == "127.0.0.1:50056"


def test_worker_metrics_port_differs_from_the_api():
    assert Settings.from_env("lead", "worker", {}).metrics_port == 9201


def test_external_servers_come_from_the_environment():
    env = {
        "CRM_MONGO_URI": "mongodb://db:27017/?replicaSet=rs0",
        "CRM_AMQP_URI": "amqp://mq",
        "CRM_REDIS_URL": "redis://cache",
        "CRM_LEAD_ADDR": "lead-api:50051",
    }
    s = Settings.from_env("gateway", "gateway", env)
    assert (s.mongo_uri, s.amqp_uri, s.redis_url) == (
        env["CRM_MONGO_URI"],
        "amqp://mq",
        "redis://cache",
    )
    assert s.service_addresses["lead"] == "lead-api:50051"


def test_a_bad_number_names_the_variable():
    with pytest.raises(ValueError, match="CRM_GRPC_PORT"):
        Settings.from_env("lead", "api", {"CRM_GRPC_PORT": "fifty"})
