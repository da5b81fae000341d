"""Accounts and contacts through OpportunityService: duplicate
checks (tenant scoped), edits with version checks, scopes, the relationship map.

On the in-memory storage (the unit suite); what reads stored documents or the
outbox stays in integration/test_accounts_grpc.py."""

import grpc
import pytest
from accounts_calls import CODE, code
from crm.opportunity.v1 import opportunity_pb2 as pb
from crm_runtime.rpc.errors import field_violations
from opportunity_fake_support import ADMIN, account, contact, md

pytest_plugins = ["opportunity_fake_support"]


@pytest.fixture
def opportunity_stub(fake_opportunity_stub):
    return fake_opportunity_stub


REP_A = md("rep-a", scope="own")
REP_B = md("rep-b", scope="own")
OTHER_TENANT = md("admin", tenant="t2", roles=("admin",))


def test_duplicates_by_normalised_name_or_credit_code_are_refused(stub):
    first = account(stub, name="上海云图科技有限公司", unified_social_credit_code=CODE)
    for fields in (
        {"name": "上海 云图科技"},
        {"name": "另一家公司", "unified_social_credit_code": CODE},
    ):
        with pytest.raises(grpc.RpcError) as err:
            account(stub, **fields)
        assert code(err) is grpc.StatusCode.ALREADY_EXISTS
        assert first.id in err.value.details()
    found = stub.CheckAccountDuplicates(
        pb.CheckAccountDuplicatesRequest(name="上海云图科技（有限公司）"), metadata=ADMIN
    ).matches
    assert [(m.account_id, m.matched_on) for m in found] == [(first.id, "name")]


def test_another_tenant_neither_sees_the_account_nor_its_duplicates(stub):
    first = account(stub, unified_social_credit_code=CODE)
    with pytest.raises(grpc.RpcError) as err:
        stub.GetAccount(pb.GetAccountRequest(id=first.id), metadata=OTHER_TENANT)
    assert code(err) is grpc.StatusCode.NOT_FOUND
    check = pb.CheckAccountDuplicatesRequest(name=first.name, unified_social_credit_code=CODE)
    assert list(stub.CheckAccountDuplicates(check, metadata=OTHER_TENANT).matches) == []
    theirs = account(stub, OTHER_TENANT, unified_social_credit_code=CODE)  # no clash across tenants
    assert theirs.id != first.id
    listed = stub.ListAccounts(pb.ListAccountsRequest(), metadata=OTHER_TENANT).accounts
    assert [a.id for a in listed] == [theirs.id]


def test_update_by_mask_with_a_stale_version_is_409(stub):
    made = account(stub)
    changed = stub.UpdateAccount(
        pb.UpdateAccountRequest(
            id=made.id,
            account=pb.AccountInput(industry="软件", region="上海"),
            update_mask=["industry"],
            expected_version=1,
        ),
        metadata=ADMIN,
    ).account
    assert (changed.industry, changed.region, changed.version) == ("软件", "", 2)
    with pytest.raises(grpc.RpcError) as err:
        stub.UpdateAccount(
            pb.UpdateAccountRequest(
                id=made.id,
                account=pb.AccountInput(industry="制造"),
                update_mask=["industry"],
                expected_version=1,
            ),
            metadata=ADMIN,
        )
    assert code(err) is grpc.StatusCode.ABORTED
    with pytest.raises(grpc.RpcError) as err:
        stub.UpdateAccount(
            pb.UpdateAccountRequest(
                id=made.id, account=pb.AccountInput(), update_mask=["tenant_id"]
            ),
            metadata=ADMIN,
        )
    assert {v.field for v in field_violations(err.value)} == {"update_mask"}


def test_reps_see_their_own_accounts_only(stub):
    mine = account(stub, REP_A, name="甲公司")
    account(stub, REP_B, name="乙公司")
    listed = stub.ListAccounts(pb.ListAccountsRequest(), metadata=REP_A).accounts
    assert [a.id for a in listed] == [mine.id]
    with pytest.raises(grpc.RpcError) as err:
        stub.GetAccount(pb.GetAccountRequest(id=mine.id), metadata=REP_B)
    assert code(err) is grpc.StatusCode.NOT_FOUND


def test_lists_filter_search_and_page(stub):
    made = [
        account(stub, name=f"测试{i}号公司", industry="软件" if i % 2 else "制造") for i in range(5)
    ]
    page = stub.ListAccounts(
        pb.ListAccountsRequest(filter=pb.AccountFilter(industries=["软件"]), page={"limit": 1}),
        metadata=ADMIN,
    )
    assert [a.id for a in page.accounts] == [made[3].id] and page.page.next_cursor
    rest = stub.ListAccounts(
        pb.ListAccountsRequest(
            filter=pb.AccountFilter(industries=["软件"]),
            page={"limit": 5, "cursor": page.page.next_cursor},
        ),
        metadata=ADMIN,
    )
    assert [a.id for a in rest.accounts] == [made[1].id] and not rest.page.next_cursor
    found = stub.ListAccounts(
        pb.ListAccountsRequest(filter=pb.AccountFilter(text="2号")), metadata=ADMIN
    )
    assert [a.id for a in found.accounts] == [made[2].id]
    by_name = stub.ListAccounts(pb.ListAccountsRequest(sort="name"), metadata=ADMIN).accounts
    assert [a.id for a in by_name] == [a.id for a in made]


def test_contacts_and_the_relationship_map_refuse_cycles(stub):
    acme = account(stub)
    boss = contact(stub, acme.id, name="赵总", role=pb.CONTACT_ROLE_DECISION_MAKER)
    mid = contact(
        stub, acme.id, name="钱经理", role=pb.CONTACT_ROLE_INFLUENCER, reports_to_contact_id=boss.id
    )
    low = contact(
        stub,
        acme.id,
        name="孙工",
        role=pb.CONTACT_ROLE_USER,
        reports_to_contact_id=mid.id,
        email="Sun@Example.CN",
        primary=True,
    )
    assert low.email == "sun@example.cn"
    with pytest.raises(grpc.RpcError) as err:
        stub.UpdateContact(
            pb.UpdateContactRequest(
                id=boss.id,
                contact=pb.ContactInput(reports_to_contact_id=low.id),
                update_mask=["reports_to_contact_id"],
            ),
            metadata=ADMIN,
        )
    assert code(err) is grpc.StatusCode.INVALID_ARGUMENT
    [violation] = field_violations(err.value)
    assert violation.field == "reports_to_contact_id" and "cycle" in violation.description
    found = stub.GetRelationshipMap(
        pb.GetRelationshipMapRequest(account_id=acme.id), metadata=ADMIN
    )
    assert [(n.contact.id, n.depth, list(n.direct_report_ids)) for n in found.nodes] == [
        (boss.id, 0, [mid.id]),
        (mid.id, 1, [low.id]),
        (low.id, 2, []),
    ]
    assert list(found.missing_roles) == [pb.CONTACT_ROLE_FINANCE]
    other = account(stub, name="别的公司")
    with pytest.raises(grpc.RpcError) as err:
        contact(stub, other.id, reports_to_contact_id=boss.id)
    assert {v.field for v in field_violations(err.value)} == {"reports_to_contact_id"}


def test_one_primary_contact_and_contacts_follow_the_account_owner(stub):
    acme = account(stub, REP_A)
    first = contact(stub, acme.id, REP_A, primary=True)
    second = contact(stub, acme.id, REP_A, name="第二联系人", primary=True)
    got = stub.GetContact(pb.GetContactRequest(id=first.id), metadata=REP_A).contact
    assert not got.primary and second.primary
    stub.UpdateAccount(
        pb.UpdateAccountRequest(
            id=acme.id, account=pb.AccountInput(owner_id="rep-b"), update_mask=["owner_id"]
        ),
        metadata=REP_A,
    )
    listed = stub.ListContacts(pb.ListContactsRequest(account_id=acme.id), metadata=REP_B).contacts
    assert {c.id for c in listed} == {first.id, second.id}
    assert list(stub.ListContacts(pb.ListContactsRequest(), metadata=REP_A).contacts) == []
