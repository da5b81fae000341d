"""Custom field definitions and calls, shared by the unit suite (on the in-memory
storage) and the integration suite (on the embedded MongoDB)."""

from __future__ import annotations

from typing import Any

from crm.lead.v1 import lead_pb2 as pb
from crm_runtime.principal import Principal
from crm_runtime.rpc.errors import field_violations

ADMIN_A = Principal("tenant-a", "u1", ("admin",), "all").to_metadata()
ADMIN_B = Principal("tenant-b", "u2", ("admin",), "all").to_metadata()
TYPES = pb.CustomFieldType

FIELDS = [
    pb.CustomFieldDefinition(
        key="budget", label="预算", type=TYPES.CUSTOM_FIELD_TYPE_NUMBER, min_value="0", decimals=2
    ),
    pb.CustomFieldDefinition(key="visit_date", label="拜访日期", type=TYPES.CUSTOM_FIELD_TYPE_DATE),
    pb.CustomFieldDefinition(
        key="segment",
        label="客户分层",
        type=TYPES.CUSTOM_FIELD_TYPE_CHOICE,
        choices=["大客户", "中小企业"],
        required=True,
    ),
]


def define(stub: Any, fields: Any, md: Any = ADMIN_A) -> Any:
    request = pb.ReplaceCustomFieldDefinitionsRequest(fields=fields)
    return stub.ReplaceCustomFieldDefinitions(request, metadata=md).fields


def listed_fields(stub: Any, md: Any = ADMIN_A) -> Any:
    return stub.ListCustomFieldDefinitions(pb.ListCustomFieldDefinitionsRequest(), metadata=md)


def violations(err: Any) -> dict[str, str]:
    return {v.field: v.description for v in field_violations(err.value)}
