"""Contract persistence over the storage seam: the current version (optimistically
locked), a frozen copy of every saved version, the tenant's yearly number counters, and
the list query (filters, data scope, the index it runs on)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from crm_runtime.principal import Principal

from contract.contracts.documents import (
    contract_from_doc,
    contract_to_doc,
    dec,
    query_tokens,
    rule_from_doc,
    rule_to_doc,
    version_key,
    version_to_doc,
)
from contract.contracts.domain.approval import DECIDED_BY, DEFAULT_POLICY, Rule
from contract.contracts.domain.contract import Contract, format_number, sequence_name
from contract.indexes import (
    CONTRACT_NUMBERS,
    CONTRACT_VERSIONS,
    CONTRACTS,
    COUNTERS,
    NEWEST_FIRST,
    POLICIES,
    VERSION_SORT,
    VERSIONS_OF_CONTRACT,
    contract_list_index,
)
from contract.ports import Doc, Tables


@dataclass(frozen=True)
class ContractFilter:
    statuses: tuple[str, ...] = ()
    owner_ids: tuple[str, ...] = ()
    team_ids: tuple[str, ...] = ()
    account_ids: tuple[str, ...] = ()
    opportunity_id: str = ""
    template_id: str = ""
    value_min: Decimal | None = None
    value_max: Decimal | None = None
    effective_from: str = ""  # start dates, inclusive
    effective_to: str = ""
    signed_from: str = ""  # signing dates, inclusive
    signed_to: str = ""
    awaiting_caller: bool = False  # the pending step is one of the caller's roles
    text: str = ""


def _one_or_in(values: tuple[str, ...]) -> Any:
    return values[0] if len(values) == 1 else {"$in": list(values)}


def list_query(f: ContractFilter, principal: Principal) -> Doc:
    """The Mongo query of a list: the filters and the caller's data scope."""
    query: Doc = {}
    for field, values in (
        ("status", f.statuses),
        ("owner_id", f.owner_ids),
        ("team_id", f.team_ids),
        ("account_id", f.account_ids),
    ):
        if values:
            query[field] = _one_or_in(values)
    if f.opportunity_id:
        query["opportunity_id"] = f.opportunity_id
    if f.template_id:
        query["template_id"] = f.template_id
    if f.text.strip():
        query["search_tokens"] = {"$all": query_tokens(f.text)}
    value: Doc = {}
    if f.value_min is not None:
        value["$gte"] = dec(f.value_min)
    if f.value_max is not None:
        value["$lte"] = dec(f.value_max)
    if value:
        query["value"] = value
    start: Doc = {}
    if f.effective_from:
        start["$gte"] = f.effective_from
    if f.effective_to:
        start["$lte"] = f.effective_to
    if start:
        query["start_date"] = {**start, "$ne": ""}
    signed: Doc = {}
    if f.signed_from:
        signed["$gte"] = f.signed_from
    if f.signed_to:
        signed["$lte"] = f.signed_to
    if signed:
        query["signed_date"] = {**signed, "$ne": ""}
    if f.awaiting_caller:
        roles = [step for step, role in DECIDED_BY.items() if role in principal.roles]
        query["pending_role"] = {"$in": roles or ["-"]}
    if principal.scope == "own":
        query["owner_id"] = principal.user_id
    elif principal.scope == "team":
        mine: list[Doc] = [{"owner_id": principal.user_id}]
        if principal.team_id:
            mine.append({"team_id": principal.team_id})
        query["$and"] = [{"$or": mine}]
    return query


class ContractRepository:
    def __init__(self, tables: Tables, tenant_id: str) -> None:
        self.tables = tables
        self.current = tables.table(CONTRACTS, tenant_id)
        self.versions = tables.table(CONTRACT_VERSIONS, tenant_id)
        self.counters = tables.table(COUNTERS, tenant_id)
        self.tenant_id = tenant_id

    def next_number(self, year: int) -> str:
        """The next number of `year`, taken in this transaction: two drafts at once both
        write the counter, so one transaction retries (or the unique index refuses)."""
        seq = self.counters.increment(f"{self.tenant_id}:{sequence_name(year)}")
        return format_number(year, seq)

    def add(self, contract: Contract) -> None:
        self.current.insert(contract_to_doc(contract))
        self.versions.insert(version_to_doc(contract))
        self.tables.record(*contract.events)

    def save(self, contract: Contract, expected_version: int) -> None:
        self.current.replace(contract_to_doc(contract), expected_version, contract.label)
        self.versions.insert(version_to_doc(contract))
        self.tables.record(*contract.events)

    def get(self, contract_id: str) -> Contract | None:
        doc = self.current.get(contract_id)
        return contract_from_doc(doc) if doc else None

    def by_number(self, number: str) -> Contract | None:
        doc = self.current.find_one({"number": number}, CONTRACT_NUMBERS.name)
        return contract_from_doc(doc) if doc else None

    def version(self, contract_id: str, version: int) -> Contract | None:
        doc = self.versions.get(version_key(contract_id, version))
        return contract_from_doc(doc) if doc else None

    def versions_page(
        self, contract_id: str, limit: int, after: tuple[Any, str] | None
    ) -> list[Contract]:
        docs = self.versions.page(
            {"contract_id": contract_id}, VERSION_SORT, limit, after, VERSIONS_OF_CONTRACT.name
        )
        return [contract_from_doc(d) for d in docs]

    def page(self, query: Doc, limit: int, after: tuple[Any, str] | None) -> list[Contract]:
        docs = self.current.page(query, NEWEST_FIRST, limit, after, contract_list_index(query))
        return [contract_from_doc(d) for d in docs]


POLICY_ID = "approval-policy"


class PolicyRepository:
    """The tenant's approval policy: the default until first replaced (version 1)."""

    def __init__(self, tables: Tables, tenant_id: str) -> None:
        self.table = tables.table(POLICIES, tenant_id)

    def get(self) -> tuple[tuple[Rule, ...], int]:
        doc = self.table.get(POLICY_ID)
        if doc is None:
            return DEFAULT_POLICY, 1
        return tuple(rule_from_doc(r) for r in doc["rules"]), int(doc["version"])

    def replace(self, rules: tuple[Rule, ...], expected_version: int) -> int:
        doc = {
            "_id": POLICY_ID,
            "rules": [rule_to_doc(r) for r in rules],
            "version": expected_version + 1,
        }
        if self.table.get(POLICY_ID) is None:
            self.table.insert(doc)  # replacing the default: two at once, one is refused
        else:
            self.table.replace(doc, expected_version, "the contract approval policy")
        return expected_version + 1
