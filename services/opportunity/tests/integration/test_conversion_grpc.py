"""ConvertLead end to end over gRPC (ADR 17): the opportunity service plans from the lead
service's GetLead, has it marked, then writes account, contact and opportunity with
their events in one transaction; retries, races, refusals and a crash between the mark
and the write all end in exactly one set of records or none."""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

import grpc
import pytest
from conversion_grpc_support import ADMIN, OTHER_TENANT, REP
from crm.common.v1 import common_pb2
from crm.lead.v1 import lead_pb2 as lpb
from crm.opportunity.v1 import opportunity_pb2 as pb
from crm_runtime.errors import FailedPrecondition
from crm_runtime.principal import Principal
from crm_runtime.testing.workers import wait_for
from opportunity.conversion.completion import ConversionRecovery
from opportunity.conversion.domain.plan import LeadSnapshot
from opportunity.conversion.use_cases import (
    ConversionApp,
    ConversionRequest,
    LeadDirectory,
    LeadUnreachable,
    Unavailable,
)

pytest_plugins = ["conversion_grpc_support"]  # fixtures: stack


def convert(stack, lead_id, key="", principal=REP, **fields) -> pb.ConvertLeadResponse:
    request = pb.ConvertLeadRequest(lead_id=lead_id, idempotency_key=key, **fields)
    return stack.opportunities.ConvertLead(request, metadata=principal.to_metadata())


def counts(stack) -> tuple[int, int, int]:
    db = stack.db
    return (
        db.accounts.count_documents({}),
        db.contacts.count_documents({}),
        db.opportunities.count_documents({}),
    )


def events(stack, event_type: str) -> int:
    return stack.db.outbox.count_documents({"event_type": event_type})


def lead_of(stack, lead_id) -> lpb.Lead:
    return stack.leads.GetLead(lpb.GetLeadRequest(id=lead_id), metadata=ADMIN.to_metadata()).lead


def test_a_qualified_lead_becomes_account_contact_and_opportunity(stack):
    lead = stack.qualified(product_line="云平台")
    amount = common_pb2.Money(currency="CNY", units=123, nanos=450_000_000)
    done = convert(stack, lead.id, "k1", opportunity=pb.OpportunityInput(amount=amount))
    assert done.account_created
    assert (done.account.name, done.account.source_lead_id, done.account.source) == (
        "上海云图科技有限公司",
        lead.id,
        "web",
    )
    assert (done.contact.name, done.contact.phone, done.contact.primary) == (
        "李雷",
        "+8613800138000",
        True,
    )
    assert done.contact.account_id == done.account.id
    opp = done.opportunity
    assert (opp.name, opp.account_id, opp.primary_contact_id, opp.source) == (
        "上海云图科技有限公司 – 云平台",
        done.account.id,
        done.contact.id,
        "web",
    )
    assert (opp.amount.units, opp.amount.nanos, opp.owner_id) == (123, 450_000_000, "rep-a")
    marked = lead_of(stack, lead.id)
    assert marked.status == lpb.LEAD_STATUS_CONVERTED
    assert (marked.account_id, marked.contact_id, marked.opportunity_id) == (
        done.account.id,
        done.contact.id,
        opp.id,
    )
    assert counts(stack) == (1, 1, 1)
    for kind in ("AccountCreated", "ContactAdded", "OpportunityCreated"):
        assert events(stack, kind) == 1, kind


def test_a_retry_with_the_same_key_answers_the_same_records(stack):
    lead = stack.qualified()
    first = convert(stack, lead.id, "same-key")
    again = convert(stack, lead.id, "same-key")
    assert (again.account.id, again.contact.id, again.opportunity.id) == (
        first.account.id,
        first.contact.id,
        first.opportunity.id,
    )
    assert again.account_created
    assert counts(stack) == (1, 1, 1)
    assert events(stack, "OpportunityCreated") == 1
    with pytest.raises(grpc.RpcError) as other_key:
        convert(stack, lead.id, "another-key")
    assert other_key.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert first.account.id in other_key.value.details()
    other_lead = stack.qualified(company="北京星河贸易有限公司", phone="13900139000")
    with pytest.raises(grpc.RpcError) as reused:
        convert(stack, other_lead.id, "same-key")
    assert reused.value.code() is grpc.StatusCode.INVALID_ARGUMENT


def test_concurrent_conversions_of_one_lead_make_one_set(stack):
    lead = stack.qualified()

    def attempt(i: int) -> str:
        try:
            return convert(stack, lead.id, f"race-{i}").opportunity.id
        except grpc.RpcError as exc:
            assert exc.code() in (grpc.StatusCode.ABORTED, grpc.StatusCode.FAILED_PRECONDITION)
            return ""

    with ThreadPoolExecutor(4) as pool:
        won = [x for x in pool.map(attempt, range(4)) if x]
    assert len(won) == 1
    assert counts(stack) == (1, 1, 1)
    assert lead_of(stack, lead.id).opportunity_id == won[0]


def test_only_a_qualified_lead_converts_and_a_refusal_writes_nothing(stack):
    lead = stack.qualified()
    stack.leads.ChangeLeadStatus(
        lpb.ChangeLeadStatusRequest(
            id=lead.id, status=lpb.LEAD_STATUS_DISQUALIFIED, reason="无预算"
        ),
        metadata=REP.to_metadata(),
    )
    with pytest.raises(grpc.RpcError) as refused:
        convert(stack, lead.id, "k")
    assert refused.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert "disqualified" in refused.value.details()
    assert counts(stack) == (0, 0, 0)
    assert stack.db.conversions.count_documents({}) == 0


@dataclass
class DisqualifiedMeanwhile:
    """Someone disqualifies the lead between our GetLead and our mark."""

    inner: LeadDirectory
    stack: object

    def get(self, principal: Principal, lead_id: str) -> LeadSnapshot:
        found = self.inner.get(principal, lead_id)
        self.stack.leads.ChangeLeadStatus(  # type: ignore[attr-defined]
            lpb.ChangeLeadStatusRequest(
                id=lead_id, status=lpb.LEAD_STATUS_DISQUALIFIED, reason="竞品签约"
            ),
            metadata=REP.to_metadata(),
        )
        return found

    def mark(self, principal: Principal, lead_id: str, **ids: str) -> LeadSnapshot:
        return self.inner.mark(principal, lead_id, **ids)


def test_a_lead_disqualified_before_the_mark_gets_409_and_nothing_is_written(stack):
    lead = stack.qualified()
    apps = stack.apps_with(lambda inner: DisqualifiedMeanwhile(inner, stack))
    with pytest.raises(Exception) as refused:
        apps.conversions.convert(REP, ConversionRequest(lead.id, "k-race"))
    assert "cannot convert" in str(refused.value) and "disqualified" in str(refused.value)
    assert counts(stack) == (0, 0, 0)
    assert events(stack, "AccountCreated") == 0
    record = stack.db.conversions.find_one({"idempotency_key": "k-race"})
    assert record["state"] == "refused"
    assert stack.db.conversion_claims.count_documents({}) == 0
    assert stack.db.account_keys.count_documents({}) == 0
    assert lead_of(stack, lead.id).status == lpb.LEAD_STATUS_DISQUALIFIED


@dataclass
class CrashAfterMark:
    """The mark lands, then the caller never hears back (a crash or a lost answer)."""

    inner: LeadDirectory

    def get(self, principal: Principal, lead_id: str) -> LeadSnapshot:
        return self.inner.get(principal, lead_id)

    def mark(self, principal: Principal, lead_id: str, **ids: str) -> LeadSnapshot:
        self.inner.mark(principal, lead_id, **ids)
        raise LeadUnreachable("connection reset")


def _crash(stack) -> tuple[lpb.Lead, dict]:
    lead = stack.qualified()
    apps = stack.apps_with(CrashAfterMark)
    with pytest.raises(Unavailable):
        apps.conversions.convert(REP, ConversionRequest(lead.id, "k-crash"))
    assert counts(stack) == (0, 0, 0)
    assert lead_of(stack, lead.id).status == lpb.LEAD_STATUS_CONVERTED
    assert stack.db.conversions.find_one({"idempotency_key": "k-crash"})["state"] == "pending"
    assert wait_for(lambda: stack.lead_db.outbox.find_one({"event_type": "LeadConverted"}))
    envelope = stack.lead_db.outbox.find_one({"event_type": "LeadConverted"})["envelope"]
    return lead, envelope


def test_the_lead_converted_event_completes_a_conversion_cut_short(stack):
    lead, envelope = _crash(stack)
    recovery = ConversionRecovery(stack.apps.deals.storage)
    assert recovery.on_lead_converted(envelope)
    assert not recovery.on_lead_converted(envelope)  # the same event again: nothing
    assert counts(stack) == (1, 1, 1)
    marked = lead_of(stack, lead.id)
    assert stack.db.opportunities.find_one({"_id": marked.opportunity_id})["source_lead_id"] == (
        lead.id
    )
    retry = convert(stack, lead.id, "k-crash")
    assert retry.opportunity.id == marked.opportunity_id
    assert counts(stack) == (1, 1, 1)
    assert events(stack, "OpportunityCreated") == 1


def test_a_retry_completes_a_conversion_cut_short_and_the_event_then_changes_nothing(stack):
    lead, envelope = _crash(stack)
    retry = convert(stack, lead.id, "k-crash")
    assert retry.account.id == lead_of(stack, lead.id).account_id
    assert ConversionRecovery(stack.apps.deals.storage).on_lead_converted(envelope)
    assert counts(stack) == (1, 1, 1)
    assert events(stack, "AccountCreated") == 1


def test_a_lead_attaches_to_the_account_the_duplicate_check_finds(stack):
    existing = stack.opportunities.CreateAccount(
        pb.CreateAccountRequest(account=pb.AccountInput(name="上海云图科技有限公司 ")),
        metadata=ADMIN.to_metadata(),
    ).account
    lead = stack.qualified()
    done = convert(stack, lead.id, "k-attach")
    assert not done.account_created
    assert done.account.id == existing.id
    assert done.contact.account_id == existing.id and not done.contact.primary
    assert counts(stack) == (1, 1, 1)


def test_bad_overrides_and_hidden_leads_are_refused_before_anything_is_stored(stack):
    lead = stack.qualified()
    bad = pb.OpportunityInput(amount=common_pb2.Money(currency="cny", units=-1))
    with pytest.raises(grpc.RpcError) as invalid:
        convert(stack, lead.id, "k-bad", opportunity=bad)
    assert invalid.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "opportunity.amount.currency" in invalid.value.details()
    with pytest.raises(grpc.RpcError) as dry_run:  # the contact's own rules, named
        convert(stack, lead.id, "k-bad", contact=pb.ContactInput(email="not-an-email"))
    assert dry_run.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "contact.email" in dry_run.value.details()
    with pytest.raises(grpc.RpcError) as hidden:
        convert(stack, lead.id, "k-t2", principal=OTHER_TENANT)
    assert hidden.value.code() is grpc.StatusCode.NOT_FOUND
    assert counts(stack) == (0, 0, 0)
    assert stack.db.conversions.count_documents({}) == 0


@dataclass
class NeverMarks:
    """The mark never reaches the lead service (the caller died before it)."""

    inner: LeadDirectory

    def get(self, principal: Principal, lead_id: str) -> LeadSnapshot:
        return self.inner.get(principal, lead_id)

    def mark(self, principal: Principal, lead_id: str, **ids: str) -> LeadSnapshot:
        raise LeadUnreachable("connection refused")


def test_a_stale_attempt_is_taken_over_only_after_the_lease(stack):
    lead = stack.qualified()
    with pytest.raises(Unavailable):
        stack.apps_with(NeverMarks).conversions.convert(REP, ConversionRequest(lead.id, "k-old"))
    with pytest.raises(grpc.RpcError) as young:  # within the lease: being converted
        convert(stack, lead.id, "k-new")
    assert young.value.code() is grpc.StatusCode.ABORTED
    later = ConversionApp(stack.apps.deals.storage, stack.lead_client, lease=timedelta(0))
    done = later.convert(REP, ConversionRequest(lead.id, "k-new"))
    old = stack.db.conversions.find_one({"idempotency_key": "k-old"})
    assert (old["state"], done.opportunity.id) == (
        "abandoned",
        lead_of(stack, lead.id).opportunity_id,
    )
    assert counts(stack) == (1, 1, 1)
    with pytest.raises(FailedPrecondition):  # the abandoned key keeps its answer
        later.convert(REP, ConversionRequest(lead.id, "k-old"))
