"""What the contract tests share: a tenant's principals, a template, and an opportunity
service answering from dictionaries (the seam drafting reads through)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from contract.contracts.domain.lines import LineInput, computed, totals
from contract.contracts.domain.sources import (
    AccountSnapshot,
    ContactSnapshot,
    DealSnapshot,
    QuoteSnapshot,
)
from contract.templates.domain import Clause, MergeField, TemplateContent
from crm_runtime.errors import FieldViolation, ValidationFailed
from crm_runtime.principal import Principal

TENANT = "t-1"
REP = Principal(TENANT, "rep-1", ("sales_rep",), "own", "team-1")
OTHER_REP = Principal(TENANT, "rep-2", ("sales_rep",), "own", "team-2")
LEGAL = Principal(TENANT, "legal-1", ("legal",), "all")
FINANCE = Principal(TENANT, "fin-1", ("finance",), "all")
DIRECTOR = Principal(TENANT, "gm-1", ("sales_director",), "all")
STRANGER = Principal("t-2", "rep-9", ("sales_rep",), "all")

SALES = TemplateContent(
    name="销售合同（标准）",
    code="SALES-STD",
    kind="sales",
    fields=(
        MergeField("customer.name", "客户名称", "party", "account", True),
        MergeField("delivery_date", "交货日期", "date"),
        MergeField("contract.total", "合同总额", "money", "contract"),
    ),
    clauses=(
        Clause("subject", "合同标的", "乙方向甲方{{customer.name}}提供软件。", True),
        Clause("payment", "付款方式", "按附件分期付款，总额{{contract.total}}。", True),
    ),
)

LINES = (
    LineInput(
        "CLOUD-ENT", "企业版年费", Decimal(3), "套", Decimal("1999.99"), Decimal(10), Decimal(13)
    ),
    LineInput(
        "SVC-DAY", "实施服务", Decimal("2.5"), "人天", Decimal("1200"), Decimal(0), Decimal(6)
    ),
)


def issued_quote(deal_id: str = "opp-1", status: str = "issued") -> QuoteSnapshot:
    lines = computed(LINES, "CNY")
    sums = totals(lines)
    return QuoteSnapshot(
        "q-1",
        2,
        "Q-2026-000007",
        status,
        deal_id,
        "CNY",
        lines,
        sums.net_total,
        sums.tax_total,
        sums.value,
    )


@dataclass
class FakeOpportunities:
    deals: dict[str, DealSnapshot] = field(default_factory=dict)
    quotes: dict[str, QuoteSnapshot] = field(default_factory=dict)
    accounts: dict[str, AccountSnapshot] = field(default_factory=dict)
    contacts: dict[str, ContactSnapshot] = field(default_factory=dict)

    @classmethod
    def won_deal(
        cls, status: str = "won", stage: str = "won", quote_status: str = "issued"
    ) -> FakeOpportunities:
        return cls(
            deals={
                "opp-1": DealSnapshot(
                    "opp-1", "云图ERP项目", status, stage, "acc-1", "c-1", "rep-1", "team-1", "q-1"
                )
            },
            quotes={"q-1": issued_quote(status=quote_status)},
            accounts={
                "acc-1": AccountSnapshot(
                    "acc-1",
                    "上海云图科技有限公司",
                    "上海市浦东新区",
                    "91350100M000100Y43",
                    "rep-1",
                    "team-1",
                )
            },
            contacts={"c-1": ContactSnapshot("c-1", "王芳", "+8613800000000")},
        )

    def _get(self, table: dict, key: str, field_: str):  # type: ignore[no-untyped-def, type-arg]
        if key not in table:
            raise ValidationFailed([FieldViolation(field_, "names nothing you can see")])
        return table[key]

    def deal(self, principal: Principal, opportunity_id: str) -> DealSnapshot:
        return self._get(self.deals, opportunity_id, "opportunity_id")  # type: ignore[no-any-return]

    def quote(self, principal: Principal, quote_id: str, version: int) -> QuoteSnapshot:
        return self._get(self.quotes, quote_id, "quote_id")  # type: ignore[no-any-return]

    def account(self, principal: Principal, account_id: str) -> AccountSnapshot:
        return self._get(self.accounts, account_id, "account_id")  # type: ignore[no-any-return]

    def contact(self, principal: Principal, contact_id: str) -> ContactSnapshot | None:
        return self.contacts.get(contact_id)
