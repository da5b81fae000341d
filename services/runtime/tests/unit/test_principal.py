import pytest
from crm_runtime.errors import Unauthenticated
from crm_runtime.principal import Principal, current_principal, reset_current, set_current


def test_metadata_round_trip():
    p = Principal("t1", "u1", ("sales_rep", "marketing"), "team", "team-9", "key-1")
    assert Principal.from_metadata(p.to_metadata()) == p


def test_bytes_metadata_is_decoded():
    md = [(k, v.encode()) for k, v in Principal("t1", "u1").to_metadata()]
    assert Principal.from_metadata(md).tenant_id == "t1"


@pytest.mark.parametrize(
    "md",
    [
        [],
        [("x-crm-tenant-id", "t1")],
        [("x-crm-user-id", "u1")],
        [("x-crm-tenant-id", "t1"), ("x-crm-user-id", "u1"), ("x-crm-scope", "everything")],
    ],
)
def test_missing_or_bad_identity_is_rejected(md):
    with pytest.raises(Unauthenticated):
        Principal.from_metadata(md)


def test_current_principal_is_scoped_to_the_call():
    with pytest.raises(Unauthenticated):
        current_principal()
    token = set_current(Principal("t1", "u1"))
    assert current_principal().user_id == "u1"
    reset_current(token)
    with pytest.raises(Unauthenticated):
        current_principal()
