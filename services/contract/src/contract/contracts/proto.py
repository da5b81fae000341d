"""crm.contract.v1 contracts <-> the contract domain."""

from __future__ import annotations

from crm.contract.v1 import contract_pb2 as pb
from crm_runtime.errors import FieldViolation, ValidationFailed
from crm_runtime.rpc.protojson import timestamp

from contract.contracts.domain.approval import Rule, Step
from contract.contracts.domain.contract import Contract, Signatory, Signature, parse_date
from contract.contracts.domain.instalments import Instalment
from contract.contracts.domain.lines import Line, LineInput
from contract.contracts.store import ContractFilter
from contract.contracts.use_cases import Change, DraftRequest
from contract.domain.money import text
from contract.proto import amount_of, day, decimal_of, money

STATUS = "CONTRACT_STATUS_"
MASKABLE = ("title", "lines", "payment_terms", "start_date", "end_date", "field_values", "clauses")


def status_number(status: str) -> int:
    return int(pb.ContractStatus.Value(STATUS + status.upper()))


def status_name(number: int, field: str) -> str:
    try:
        name = str(pb.ContractStatus.Name(number))
    except ValueError as exc:
        raise ValidationFailed([FieldViolation(field, "is not a contract status")]) from exc
    if number == 0:
        raise ValidationFailed([FieldViolation(field, "is not a contract status")])
    return name.removeprefix(STATUS).lower()


def lines_in(msgs: list[pb.ContractLine], field: str) -> tuple[LineInput, ...]:
    return tuple(
        LineInput(
            product_code=x.product_code,
            description=x.description,
            quantity=decimal_of(x.quantity, f"{field}[{i}].quantity"),
            unit=x.unit,
            unit_price=amount_of(x.unit_price, f"{field}[{i}].unit_price"),
            discount_percent=decimal_of(x.discount_percent, f"{field}[{i}].discount_percent"),
            tax_percent=decimal_of(x.tax_percent, f"{field}[{i}].tax_percent"),
        )
        for i, x in enumerate(msgs)
    )


def terms_in(msgs: list[pb.InstalmentTerm], field: str = "payment_terms") -> tuple[Instalment, ...]:
    return tuple(
        Instalment(
            sequence=i + 1,
            label=t.label,
            percent=decimal_of(t.percent, f"{field}[{i}].percent") if t.percent else None,
            amount=amount_of(t.amount, f"{field}[{i}].amount") if t.HasField("amount") else None,
            due_kind=t.due_kind or "on_signing",
            due_days=t.due_days,
            milestone=t.milestone,
        )
        for i, t in enumerate(msgs)
    )


def draft_request(msg: pb.DraftContractRequest) -> DraftRequest:
    c = msg.contract
    return DraftRequest(
        template_id=msg.template_id,
        opportunity_id=msg.opportunity_id,
        quote_id=msg.quote_id,
        quote_version=msg.quote_version,
        account_id=msg.account_id,
        currency=msg.currency,
        title=c.title,
        lines=lines_in(list(c.lines), "contract.lines"),
        payment_terms=terms_in(list(c.payment_terms)),
        start_date=parse_date(c.start_date, "start_date"),
        end_date=parse_date(c.end_date, "end_date"),
        field_values=tuple(sorted(c.field_values.items())),
    )


def change_of(msg: pb.ContractInput, mask: list[str]) -> Change:
    unknown = [m for m in mask if m not in MASKABLE]
    if unknown:
        raise ValidationFailed([FieldViolation("update_mask", f"{unknown[0]} cannot be changed")])
    if not mask:
        raise ValidationFailed([FieldViolation("update_mask", "name the fields to change")])
    named = set(mask)
    return Change(
        title=msg.title if "title" in named else None,
        lines=lines_in(list(msg.lines), "contract.lines") if "lines" in named else None,
        payment_terms=terms_in(list(msg.payment_terms)) if "payment_terms" in named else None,
        start_date=parse_date(msg.start_date, "start_date"),
        end_date=parse_date(msg.end_date, "end_date"),
        dates=frozenset(named & {"start_date", "end_date"}),
        field_values=tuple(msg.field_values.items()) if "field_values" in named else None,
        clauses={c.key: c.text for c in msg.clauses} if "clauses" in named else None,
    )


def filter_of(f: pb.ContractFilter) -> ContractFilter:
    return ContractFilter(
        statuses=tuple(status_name(s, "filter.statuses") for s in f.statuses),
        owner_ids=tuple(f.owner_ids),
        team_ids=tuple(f.team_ids),
        account_ids=tuple(f.account_ids),
        opportunity_id=f.opportunity_id,
        template_id=f.template_id,
        value_min=amount_of(f.value_min, "value_min") if f.HasField("value_min") else None,
        value_max=amount_of(f.value_max, "value_max") if f.HasField("value_max") else None,
        effective_from=day(parse_date(f.effective_from, "effective_from")),
        effective_to=day(parse_date(f.effective_to, "effective_to")),
        signed_from=day(parse_date(f.signed_from, "signed_from")),
        signed_to=day(parse_date(f.signed_to, "signed_to")),
        awaiting_caller=f.awaiting_caller,
        text=f.text,
    )


def line_to_proto(x: Line, currency: str) -> pb.ContractLine:
    return pb.ContractLine(
        line_no=x.line_no,
        product_code=x.product_code,
        description=x.description,
        quantity=text(x.quantity),
        unit=x.unit,
        unit_price=money(x.unit_price, currency),
        discount_percent=text(x.discount_percent),
        tax_percent=text(x.tax_percent),
        net_amount=money(x.net_amount, currency),
        tax_amount=money(x.tax_amount, currency),
        total=money(x.total, currency),
    )


def term_to_proto(t: Instalment, currency: str) -> pb.InstalmentTerm:
    msg = pb.InstalmentTerm(
        sequence=t.sequence,
        label=t.label,
        percent=text(t.percent) if t.percent is not None else "",
        due_kind=t.due_kind,
        due_days=t.due_days,
        milestone=t.milestone,
    )
    if t.amount is not None:
        msg.amount.CopyFrom(money(t.amount, currency))
    if t.due_kind == "days_after_signing":
        msg.due_days_after_signing = t.due_days
    return msg


def _common(c: Contract) -> dict[str, object]:
    content = c.content
    return {
        "status": status_number(c.status),
        "lines": [line_to_proto(x, c.currency) for x in content.lines],
        "value": money(c.totals.value, c.currency),
        "discount_percent": text(c.totals.discount_percent),
        "payment_terms": [term_to_proto(t, c.currency) for t in content.payment_terms],
        "start_date": day(content.start_date),
        "end_date": day(content.end_date),
        "field_values": dict(content.field_values),
        "created_by": c.created_by,
    }


def _parties(c: Contract) -> list[pb.Party]:
    return [
        pb.Party(
            role=p.role,
            name=p.name,
            account_id=p.account_id,
            contact_id=p.contact_id,
            contact_name=p.contact_name,
            contact_phone=p.contact_phone,
            address=p.address,
            credit_code=p.credit_code,
        )
        for p in c.parties
    ]


def _clauses(c: Contract) -> list[pb.Clause]:
    return [
        pb.Clause(key=x.key, title=x.title, text=x.text, standard=x.standard, edited=x.edited)
        for x in c.content.clauses
    ]


def step_to_proto(x: Step) -> pb.ApprovalStep:
    return pb.ApprovalStep(
        id=x.id,
        sequence=x.sequence,
        role=pb.ApprovalRole.Value("APPROVAL_ROLE_" + x.role.upper()),
        rule=x.rule,
        status=pb.StepStatus.Value("STEP_STATUS_" + x.status.upper()),
        approver_id=x.approver_id,
        comment=x.comment,
        decided_at=timestamp(x.decided_at),
    )


def signature_to_proto(sig: Signature | None) -> pb.Signature | None:
    if sig is None:
        return None
    return pb.Signature(
        method=pb.SIGNATURE_METHOD_MANUAL,
        signatories=[
            pb.Signatory(party=x.party, name=x.name, title=x.title) for x in sig.signatories
        ],
        signed_date=sig.signed_date.isoformat(),
        signed_at=timestamp(sig.recorded_at),
        recorded_by=sig.recorded_by,
        file_sha256=sig.file_sha256,
    )


def signatories_in(msgs: list[pb.Signatory]) -> tuple[Signatory, ...]:
    return tuple(Signatory(x.party, x.name, x.title) for x in msgs)


def contract_to_proto(c: Contract) -> pb.Contract:
    o = c.origin
    return pb.Contract(
        id=c.id,
        tenant_id=c.tenant_id,
        number=c.number,
        title=c.content.title,
        document_version=c.document_version,
        opportunity_id=o.opportunity_id,
        quote_id=o.quote_id,
        quote_version=o.quote_version,
        quote_number=o.quote_number,
        template_id=o.template_id,
        template_version=o.template_version,
        template_code=o.template_code,
        kind=o.kind,
        account_id=c.account_id,
        account_name=c.account_name,
        owner_id=c.owner_id,
        team_id=c.team_id,
        currency=c.currency,
        tax_total=money(c.totals.tax_total, c.currency),
        net_total=money(c.totals.net_total, c.currency),
        parties=_parties(c),
        clauses=_clauses(c),
        created_at=timestamp(c.created_at),
        updated_at=timestamp(c.updated_at),
        version=c.version,
        approval_steps=[step_to_proto(x) for x in c.steps],
        signature=signature_to_proto(c.signature),
        effective_date=day(c.effective_date),
        termination_reason=c.termination_reason,
        submitted_by=c.submitted_by,
        **_common(c),
    )


def version_to_proto(c: Contract) -> pb.ContractVersion:
    return pb.ContractVersion(
        contract_id=c.id,
        document_version=c.document_version,
        version=c.version,
        title=c.content.title,
        parties=_parties(c),
        clauses=_clauses(c),
        tax_total=money(c.totals.tax_total, c.currency),
        net_total=money(c.totals.net_total, c.currency),
        created_at=timestamp(c.updated_at),
        approval_steps=[step_to_proto(x) for x in c.steps],
        signature=signature_to_proto(c.signature),
        **_common(c),
    )


def rule_to_proto(r: Rule, sequence: int) -> pb.ApprovalRule:
    msg = pb.ApprovalRule(
        role=pb.ApprovalRole.Value("APPROVAL_ROLE_" + r.role.upper()),
        sequence=sequence,
        always=r.always,
        min_discount_percent=text(r.min_line_discount) if r.min_line_discount is not None else "",
        max_term_days=r.max_term_days or 0,
        standard_clause_edited=r.standard_clause_edited,
    )
    if r.min_value is not None:
        msg.min_value.CopyFrom(money(r.min_value, "CNY"))
    return msg


def policy_to_proto(rules: tuple[Rule, ...], version: int) -> pb.ApprovalPolicy:
    return pb.ApprovalPolicy(
        rules=[rule_to_proto(r, i + 1) for i, r in enumerate(rules)], version=version
    )


def rules_in(policy: pb.ApprovalPolicy) -> tuple[Rule, ...]:
    """The rules in their `sequence` order (the chain's order)."""
    ordered = sorted(enumerate(policy.rules), key=lambda x: (x[1].sequence, x[0]))
    out = []
    for i, r in ordered:
        role = pb.ApprovalRole.Name(r.role).removeprefix("APPROVAL_ROLE_").lower()
        out.append(
            Rule(
                role=role,
                always=r.always,
                min_value=amount_of(r.min_value, f"rules[{i}].min_value")
                if r.HasField("min_value")
                else None,
                min_line_discount=decimal_of(
                    r.min_discount_percent, f"rules[{i}].min_line_discount_percent"
                )
                if r.min_discount_percent
                else None,
                max_term_days=r.max_term_days or None,
                standard_clause_edited=r.standard_clause_edited,
            )
        )
    return tuple(out)
