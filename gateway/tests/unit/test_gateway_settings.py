import pytest
from gateway.config import GatewaySettings


def test_defaults_need_no_environment():
    settings = GatewaySettings.from_env({})
    assert settings.access_token_seconds == 900 and settings.login_account_rate == (10, 60)


def test_values_come_from_the_environment():
    settings = GatewaySettings.from_env(
        {
            "CRM_LOGIN_RATE_ACCOUNT": "5/30",
            "CRM_ACCESS_TOKEN_SECONDS": "300",
            "CRM_OIDC_ISSUER": "https://sso.acme.cn",
            "CRM_OIDC_JWKS_URL": "https://sso.acme.cn/keys",
        }
    )
    assert settings.login_account_rate == (5, 30)
    assert settings.access_token_seconds == 300
    assert settings.oidc_issuer == "https://sso.acme.cn"


@pytest.mark.parametrize(
    "env",
    [
        {"CRM_LOGIN_RATE_ACCOUNT": "many"},
        {"CRM_LOGIN_RATE_ADDRESS": "0/60"},
        {"CRM_ACCESS_TOKEN_SECONDS": "soon"},
        {"CRM_OIDC_ISSUER": "https://sso.acme.cn"},  # without its JWKS URL
    ],
)
def test_bad_values_fail_at_start_with_the_variable_named(env):
    with pytest.raises(ValueError, match="CRM_"):
        GatewaySettings.from_env(env)
