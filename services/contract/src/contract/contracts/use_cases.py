"""Contract use cases: draft from a deal and its issued quote (read from the opportunity
service before the transaction) or from scratch, read (any version), list, and save a
change of a draft (the next version, under the caller's expected version). Numbers come
from the tenant's yearly counter in the drafting transaction, so two drafts at once
never share one."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any, Protocol

from crm_runtime.clock import utcnow
from crm_runtime.errors import (
    FailedPrecondition,
    FieldViolation,
    NotFound,
    ValidationFailed,
    check_version,
    require,
)
from crm_runtime.principal import Principal

from contract.contracts.domain import contract as rules
from contract.contracts.domain import lifecycle
from contract.contracts.domain.approval import Rule, policy_problems
from contract.contracts.domain.contract import (
    Content,
    Contract,
    ContractClause,
    Origin,
    Party,
    Signatory,
    Signature,
)
from contract.contracts.domain.instalments import Instalment, given_problems
from contract.contracts.domain.lines import Line, LineInput, computed, input_problems
from contract.contracts.domain.sources import (
    AccountSnapshot,
    ContactSnapshot,
    DealSnapshot,
    QuoteSnapshot,
    check_deal,
    check_quote,
    customer,
)
from contract.contracts.store import (
    ContractFilter,
    ContractRepository,
    PolicyRepository,
    list_query,
)
from contract.domain.money import is_currency
from contract.indexes import NEWEST_FIRST, VERSION_SORT
from contract.paging import one_page
from contract.ports import ContractStorage, Tables
from contract.templates.domain import Template
from contract.templates.store import TemplateRepository


class OpportunityUnreachable(Exception):
    """The opportunity service did not answer: nothing was drafted; retry."""


class OpportunityDirectory(Protocol):
    """The opportunity service as drafting sees it (the caller's principal travels)."""

    def deal(self, principal: Principal, opportunity_id: str) -> DealSnapshot: ...

    def quote(self, principal: Principal, quote_id: str, version: int) -> QuoteSnapshot: ...

    def account(self, principal: Principal, account_id: str) -> AccountSnapshot: ...

    def contact(self, principal: Principal, contact_id: str) -> ContactSnapshot | None: ...


@dataclass(frozen=True)
class DraftRequest:
    template_id: str
    opportunity_id: str = ""
    quote_id: str = ""
    quote_version: int = 0
    account_id: str = ""  # from scratch
    currency: str = ""  # from scratch; default CNY
    title: str = ""
    lines: tuple[LineInput, ...] = ()  # from scratch; with a quote, its lines
    payment_terms: tuple[Instalment, ...] = ()  # default: the template's, else 100 % on signing
    start_date: date | None = None
    end_date: date | None = None
    field_values: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Change:
    """A saved change of a draft: only the fields named are changed."""

    title: str | None = None
    lines: tuple[LineInput, ...] | None = None
    payment_terms: tuple[Instalment, ...] | None = None
    start_date: date | None = None
    end_date: date | None = None
    dates: frozenset[str] = frozenset()  # which of start_date / end_date to set
    field_values: tuple[tuple[str, str], ...] | None = None
    clauses: dict[str, str] | None = None


ON_SIGNING = (Instalment(1, "合同款", Decimal(100), None, "on_signing"),)


def new_id() -> str:
    return str(uuid.uuid4())


def _field_problems(
    template: Template, values: tuple[tuple[str, str], ...]
) -> list[FieldViolation]:
    declared = {f.key: f for f in template.content.fields}
    found = []
    for key, value in values:
        f = declared.get(key)
        if f is None:
            found.append(
                FieldViolation(f"field_values.{key}", "is not a merge field of the template")
            )
        elif f.type == "date" and value:
            try:
                rules.parse_date(value, key)
            except ValidationFailed:
                found.append(FieldViolation(f"field_values.{key}", "must be a date YYYY-MM-DD"))
    return found


class ContractApp:
    def __init__(
        self,
        storage: ContractStorage,
        opportunities: OpportunityDirectory,
        clock: Callable[[], datetime] = utcnow,
        make_id: Callable[[], str] = new_id,
    ) -> None:
        self.storage = storage
        self.opportunities = opportunities
        self.clock = clock
        self.new_id = make_id

    # Drafting --------------------------------------------------------------------------

    def _sources(
        self, principal: Principal, req: DraftRequest
    ) -> tuple[
        tuple[Line, ...],
        str,
        AccountSnapshot,
        ContactSnapshot | None,
        DealSnapshot | None,
        QuoteSnapshot | None,
    ]:
        if req.opportunity_id:
            if req.lines:
                raise ValidationFailed(
                    [
                        FieldViolation(
                            "contract.lines",
                            "come from the quote when drafting from an opportunity",
                        )
                    ]
                )
            deal = self.opportunities.deal(principal, req.opportunity_id)
            check_deal(deal)
            quote_id = req.quote_id or deal.won_quote_id
            if not quote_id:
                raise ValidationFailed(
                    [FieldViolation("quote_id", "is required: the deal has no accepted quote")]
                )
            quote = self.opportunities.quote(principal, quote_id, req.quote_version)
            lines = check_quote(quote, deal)
            account = self.opportunities.account(principal, deal.account_id)
            contact = (
                self.opportunities.contact(principal, deal.primary_contact_id)
                if deal.primary_contact_id
                else None
            )
            return lines, quote.currency, account, contact, deal, quote
        if req.quote_id:
            raise ValidationFailed(
                [FieldViolation("opportunity_id", "is required with a quote_id")]
            )
        if not req.account_id:
            raise ValidationFailed(
                [FieldViolation("account_id", "is required when drafting without an opportunity")]
            )
        currency = req.currency or "CNY"
        found = input_problems(req.lines, "contract.lines")
        if not is_currency(currency):
            found.append(
                FieldViolation(
                    "currency", "must be an ISO 4217 code this service knows, such as CNY"
                )
            )
        if found:
            raise ValidationFailed(found)
        account = self.opportunities.account(principal, req.account_id)
        return computed(req.lines, currency), currency, account, None, None, None

    def draft(self, principal: Principal, req: DraftRequest) -> Contract:
        if not req.template_id:
            raise ValidationFailed([FieldViolation("template_id", "is required")])
        require(given_problems(req.payment_terms))
        lines, currency, account, contact, deal, quote = self._sources(principal, req)
        now = self.clock()

        def work(tables: Tables) -> Contract:
            template = TemplateRepository(tables, principal.tenant_id).get(req.template_id)
            if template is None or not template.content.active:
                raise ValidationFailed(
                    [FieldViolation("template_id", "names no active contract template")]
                )
            found = _field_problems(template, req.field_values)
            if found:
                raise ValidationFailed(found)
            defaults = tuple(
                (f.key, f.default_value) for f in template.content.fields if f.default_value
            )
            given = dict(req.field_values)
            values = tuple(sorted({**dict(defaults), **given}.items()))
            content = Content(
                title=req.title
                or (deal.name if deal else f"{template.content.name} - {account.name}"),
                lines=lines,
                payment_terms=req.payment_terms or ON_SIGNING,
                clauses=tuple(
                    ContractClause(c.key, c.title, c.text, c.standard, c.text)
                    for c in template.content.clauses
                ),
                field_values=values,
                start_date=req.start_date,
                end_date=req.end_date,
            )
            contracts = ContractRepository(tables, principal.tenant_id)
            owner = deal.owner_id if deal else principal.user_id
            team = deal.team_id if deal else principal.team_id
            contract = rules.draft(
                contract_id=self.new_id(),
                tenant_id=principal.tenant_id,
                number=contracts.next_number(now.year),
                currency=currency,
                content=content,
                parties=(customer(account, contact),),
                origin=Origin(
                    opportunity_id=deal.id if deal else "",
                    quote_id=quote.id if quote else "",
                    quote_version=quote.version if quote else 0,
                    quote_number=quote.number if quote else "",
                    template_id=template.id,
                    template_version=template.version,
                    template_code=template.content.code,
                    kind=template.content.kind,
                ),
                account_id=account.id,
                account_name=account.name,
                owner_id=owner,
                team_id=team,
                by=principal.user_id,
                now=now,
            )
            contracts.add(contract)
            return contract

        return self.storage.run(work)

    # Reading ---------------------------------------------------------------------------

    def _visible(
        self, principal: Principal, contracts: ContractRepository, contract_id: str
    ) -> Contract:
        found = contracts.get(contract_id)
        if found is None or not found.visible_to(principal):
            raise NotFound(f"contract {contract_id} not found")
        return found

    def get(self, principal: Principal, contract_id: str = "", number: str = "") -> Contract:
        def work(tables: Tables) -> Contract:
            contracts = ContractRepository(tables, principal.tenant_id)
            if contract_id:
                return self._visible(principal, contracts, contract_id)
            found = contracts.by_number(number)
            if found is None or not found.visible_to(principal):
                raise NotFound(f"contract {number} not found")
            return found

        return self.storage.run(work)

    def page(
        self, principal: Principal, filter_: ContractFilter, limit: int, cursor: str
    ) -> tuple[list[Contract], str]:
        if (
            filter_.value_min is not None
            and filter_.value_max is not None
            and filter_.value_min > filter_.value_max
        ):
            raise ValidationFailed([FieldViolation("value_max", "must not be below value_min")])
        query = list_query(filter_, principal)

        def fetch(size: int, after: tuple[Any, str] | None) -> list[Contract]:
            return self.storage.run(
                lambda t: ContractRepository(t, principal.tenant_id).page(query, size, after)
            )

        return one_page(
            NEWEST_FIRST, limit, cursor, fetch, lambda c: {"created_at": c.created_at, "_id": c.id}
        )

    def versions(
        self, principal: Principal, contract_id: str, limit: int, cursor: str
    ) -> tuple[list[Contract], str]:
        self.get(principal, contract_id)

        def fetch(size: int, after: tuple[Any, str] | None) -> list[Contract]:
            return self.storage.run(
                lambda t: ContractRepository(t, principal.tenant_id).versions_page(
                    contract_id, size, after
                )
            )

        return one_page(
            VERSION_SORT,
            limit,
            cursor,
            fetch,
            lambda c: {"version": c.version, "_id": f"{c.id}:{c.version}"},
        )

    def version(self, principal: Principal, contract_id: str, version: int) -> Contract:
        def work(tables: Tables) -> Contract:
            contracts = ContractRepository(tables, principal.tenant_id)
            self._visible(principal, contracts, contract_id)
            found = contracts.version(contract_id, version)
            if found is None:
                raise NotFound(f"contract {contract_id} has no version {version}")
            return found

        return self.storage.run(work)

    # Changing --------------------------------------------------------------------------

    def update(
        self, principal: Principal, contract_id: str, change: Change, expected_version: int
    ) -> Contract:
        if change.lines is not None:
            require(input_problems(change.lines, "contract.lines"))
        if change.payment_terms is not None:
            require(given_problems(change.payment_terms))

        def work(tables: Tables) -> Contract:
            contracts = ContractRepository(tables, principal.tenant_id)
            current = self._visible(principal, contracts, contract_id)
            check_version(current.label, current.version, expected_version)
            if current.status not in rules.EDITABLE:
                raise FailedPrecondition(
                    f"{current.label} is {current.status}: only a draft is edited"
                )
            content = current.content
            if change.title is not None:
                content = replace(content, title=change.title)
            if change.lines is not None:
                content = replace(content, lines=computed(change.lines, current.currency))
            if change.payment_terms is not None:
                content = replace(content, payment_terms=change.payment_terms)
            if "start_date" in change.dates:
                content = replace(content, start_date=change.start_date)
            if "end_date" in change.dates:
                content = replace(content, end_date=change.end_date)
            if change.field_values is not None:
                template = TemplateRepository(tables, principal.tenant_id).get(
                    current.origin.template_id, current.origin.template_version
                )
                if template is not None:
                    found = _field_problems(template, change.field_values)
                    if found:
                        raise ValidationFailed(found)
                content = replace(content, field_values=tuple(sorted(change.field_values)))
            if change.clauses is not None:
                content = replace(
                    content, clauses=rules.edited_clauses(content.clauses, change.clauses)
                )
            saved = rules.save_change(current, content, principal.user_id, self.clock())
            if saved is not current:
                contracts.save(saved, current.version)
            return saved

        return self.storage.run(work)

    # Lifecycle ---------------------------------------------------------------------------

    def _move(
        self,
        principal: Principal,
        contract_id: str,
        expected_version: int,
        move: Callable[[Contract, datetime], Contract],
    ) -> Contract:
        def work(tables: Tables) -> Contract:
            contracts = ContractRepository(tables, principal.tenant_id)
            current = self._visible(principal, contracts, contract_id)
            check_version(current.label, current.version, expected_version)
            moved = move(current, self.clock())
            contracts.save(moved, current.version)
            return moved

        return self.storage.run(work)

    def submit(self, principal: Principal, contract_id: str, expected_version: int) -> Contract:
        """Into approval: the chain the tenant's policy chooses for this contract."""

        def work(tables: Tables) -> Contract:
            contracts = ContractRepository(tables, principal.tenant_id)
            current = self._visible(principal, contracts, contract_id)
            check_version(current.label, current.version, expected_version)
            rules, _ = PolicyRepository(tables, principal.tenant_id).get()
            moved = lifecycle.submit(current, rules, principal.user_id, self.clock(), self.new_id)
            contracts.save(moved, current.version)
            return moved

        return self.storage.run(work)

    # The tenant's approval policy ------------------------------------------------------

    def policy(self, principal: Principal) -> tuple[tuple[Rule, ...], int]:
        return self.storage.run(lambda t: PolicyRepository(t, principal.tenant_id).get())

    def replace_policy(
        self, principal: Principal, rules: tuple[Rule, ...], expected_version: int
    ) -> tuple[tuple[Rule, ...], int]:
        """The whole ordered policy, under the caller's expected version; contracts
        submitted already keep their chain."""
        require(policy_problems(rules))

        def work(tables: Tables) -> tuple[tuple[Rule, ...], int]:
            policies = PolicyRepository(tables, principal.tenant_id)
            _, current = policies.get()
            check_version("the contract approval policy", current, expected_version)
            return rules, policies.replace(rules, current)

        return self.storage.run(work)

    def decide(
        self, principal: Principal, contract_id: str, step_id: str, approve: bool, comment: str
    ) -> Contract:
        """One step's decision, once: of two deciders at once one wins, the other 409."""
        return self._move(
            principal,
            contract_id,
            0,
            lambda c, now: lifecycle.decide(c, step_id, approve, comment, principal, now),
        )

    def send_for_signature(
        self, principal: Principal, contract_id: str, expected_version: int
    ) -> Contract:
        return self._move(
            principal,
            contract_id,
            expected_version,
            lambda c, now: lifecycle.send_for_signature(c, principal.user_id, now),
        )

    def sign(
        self,
        principal: Principal,
        contract_id: str,
        signatories: tuple[Signatory, ...],
        signed_date: date | None,
        file_sha256: str,
        expected_version: int,
    ) -> Contract:
        if signed_date is None:
            raise ValidationFailed([FieldViolation("signed_date", "is required")])

        def move(c: Contract, now: datetime) -> Contract:
            signature = Signature(
                "manual", signatories, signed_date, file_sha256, principal.user_id, now
            )
            return lifecycle.sign(c, signature, now)

        return self._move(principal, contract_id, expected_version, move)

    def complete(self, principal: Principal, contract_id: str, expected_version: int) -> Contract:
        return self._move(
            principal,
            contract_id,
            expected_version,
            lambda c, now: lifecycle.complete(c, principal.user_id, now),
        )

    def terminate(
        self, principal: Principal, contract_id: str, reason: str, expected_version: int
    ) -> Contract:
        return self._move(
            principal,
            contract_id,
            expected_version,
            lambda c, now: lifecycle.terminate(c, reason, principal.user_id, now),
        )


class ContractChecks:
    """The worker's timer: expires active contracts past their end date, each once
    (the version-checked save makes a second replica's attempt a no-op)."""

    def __init__(self, storage: ContractStorage, clock: Callable[[], datetime] = utcnow) -> None:
        self.storage = storage
        self.clock = clock

    def run(self, limit: int = 100) -> int:
        now = self.clock()
        done = 0
        for tenant, contract_id in self.storage.due_for_expiry(now, limit):
            done += self.storage.run(
                partial(self._expire, tenant=tenant, contract_id=contract_id, now=now)
            )
        return done

    @staticmethod
    def _expire(tables: Tables, tenant: str, contract_id: str, now: datetime) -> int:
        contracts = ContractRepository(tables, tenant)
        current = contracts.get(contract_id)
        if current is None or current.status != "active":
            return 0
        contracts.save(lifecycle.expire(current, now), current.version)
        return 1


__all__ = [
    "Change",
    "ContractApp",
    "ContractChecks",
    "DraftRequest",
    "OpportunityDirectory",
    "OpportunityUnreachable",
    "Party",
]
