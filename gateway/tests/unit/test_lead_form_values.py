"""What the gateway does alone with web forms and custom values: origins kept as
browsers send them, custom values typed into the proto and back out as typed JSON."""

import pytest
from crm.common.v1.common_pb2 import CustomFieldValue as Value
from gateway.schemas.lead_forms import normalise_origin
from gateway.schemas.values import custom_fields_in, custom_fields_out


@pytest.mark.parametrize(
    ("raw", "origin"),
    [
        ("https://www.example.cn", "https://www.example.cn"),
        ("HTTPS://WWW.Example.CN:443/", "https://www.example.cn"),
        ("http://localhost:8000", "http://localhost:8000"),
        ("http://[::1]:80", "http://[::1]"),
        ("https://www.example.cn/form", ""),
        ("https://www.example.cn?x=1", ""),
        ("https://user:pw@www.example.cn", ""),
        ("ftp://www.example.cn", ""),
        ("www.example.cn", ""),
        ("https://www.example.cn:99999", ""),
        ("null", ""),
    ],
)
def test_origins_are_normalised_or_refused(raw, origin):
    assert normalise_origin(raw) == origin


def test_json_values_go_in_by_their_json_type():
    values = custom_fields_in({"a": "50000", "b": 50000, "c": 0.1, "d": None, "e": 1e20})
    assert values == [
        Value(key="a", text="50000"),
        Value(key="b", number="50000"),
        Value(key="c", number="0.1"),
        Value(key="e", number="1e+20"),
    ]


def test_stored_values_come_out_typed():
    out = custom_fields_out(
        [
            Value(key="n", number="50000.00"),
            Value(key="f", number="1234567890.12345"),
            Value(key="d", date="2026-12-01"),
            Value(key="c", choice="大客户"),
            Value(key="t", text="zw"),
        ]
    )
    assert out == {"n": 50000, "f": 1234567890.12345, "d": "2026-12-01", "c": "大客户", "t": "zw"}
    assert isinstance(out["n"], int) and repr(out["f"]) == "1234567890.12345"
