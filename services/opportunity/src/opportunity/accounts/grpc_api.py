"""OpportunityService RPCs of accounts, contacts, follow-ups and the 360° view: proto in
-> use case -> proto out."""

from __future__ import annotations

from typing import Any, Protocol

from crm.opportunity.v1 import opportunity_pb2 as pb
from crm_runtime.principal import current_principal

from opportunity.accounts.listing import AccountQuery, ContactQuery
from opportunity.accounts.proto import (
    ROLE,
    TIER,
    account_draft,
    account_to_proto,
    contact_draft,
    contact_to_proto,
    follow_up_draft,
    follow_up_to_proto,
    map_to_proto,
    match_to_proto,
)
from opportunity.accounts.use_cases import Account360App, AccountApp, ActivityApp, ContactApp
from opportunity.deals.proto import opportunity_to_proto
from opportunity.proto import enum_name, money_to_proto, page_of


class AccountUseCases(Protocol):
    """What AccountRpcs needs of the service's use cases (opportunity.apps.OpportunityApps)."""

    @property
    def accounts(self) -> AccountApp: ...

    @property
    def contacts(self) -> ContactApp: ...

    @property
    def activity(self) -> ActivityApp: ...


class AccountRpcs:
    apps: AccountUseCases

    def CreateAccount(
        self, request: pb.CreateAccountRequest, context: Any
    ) -> pb.CreateAccountResponse:
        account = self.apps.accounts.create(
            current_principal(), account_draft(request.account), request.idempotency_key
        )
        return pb.CreateAccountResponse(account=account_to_proto(account))

    def GetAccount(self, request: pb.GetAccountRequest, context: Any) -> pb.GetAccountResponse:
        account = self.apps.accounts.get(current_principal(), request.id)
        return pb.GetAccountResponse(account=account_to_proto(account))

    def UpdateAccount(
        self, request: pb.UpdateAccountRequest, context: Any
    ) -> pb.UpdateAccountResponse:
        account = self.apps.accounts.update(
            current_principal(),
            request.id,
            account_draft(request.account),
            tuple(request.update_mask),
            request.expected_version,
        )
        return pb.UpdateAccountResponse(account=account_to_proto(account))

    def ListAccounts(
        self, request: pb.ListAccountsRequest, context: Any
    ) -> pb.ListAccountsResponse:
        f = request.filter
        query = AccountQuery(
            owner_ids=tuple(f.owner_ids),
            team_ids=tuple(f.team_ids),
            tiers=tuple(enum_name(pb.AccountTier, t, TIER) for t in f.tiers),
            industries=tuple(f.industries),
            regions=tuple(f.regions),
            tags=tuple(f.tags),
            text=f.text,
            sort=request.sort,
            limit=request.page.limit,
            cursor=request.page.cursor,
        )
        items, cursor = self.apps.accounts.page(current_principal(), query)
        return pb.ListAccountsResponse(
            accounts=[account_to_proto(a) for a in items], page=page_of(cursor)
        )

    def CheckAccountDuplicates(
        self, request: pb.CheckAccountDuplicatesRequest, context: Any
    ) -> pb.CheckAccountDuplicatesResponse:
        matches = self.apps.accounts.duplicates(
            current_principal(), request.name, request.unified_social_credit_code
        )
        return pb.CheckAccountDuplicatesResponse(matches=[match_to_proto(m) for m in matches])

    def AddContact(self, request: pb.AddContactRequest, context: Any) -> pb.AddContactResponse:
        contact = self.apps.contacts.add(current_principal(), contact_draft(request.contact))
        return pb.AddContactResponse(contact=contact_to_proto(contact))

    def GetContact(self, request: pb.GetContactRequest, context: Any) -> pb.GetContactResponse:
        contact = self.apps.contacts.get(current_principal(), request.id)
        return pb.GetContactResponse(contact=contact_to_proto(contact))

    def UpdateContact(
        self, request: pb.UpdateContactRequest, context: Any
    ) -> pb.UpdateContactResponse:
        contact = self.apps.contacts.update(
            current_principal(),
            request.id,
            contact_draft(request.contact),
            tuple(request.update_mask),
            request.expected_version,
        )
        return pb.UpdateContactResponse(contact=contact_to_proto(contact))

    def ListContacts(
        self, request: pb.ListContactsRequest, context: Any
    ) -> pb.ListContactsResponse:
        query = ContactQuery(
            account_id=request.account_id,
            roles=tuple(enum_name(pb.ContactRole, r, ROLE) for r in request.roles),
            text=request.text,
            limit=request.page.limit,
            cursor=request.page.cursor,
        )
        items, cursor = self.apps.contacts.page(current_principal(), query)
        return pb.ListContactsResponse(
            contacts=[contact_to_proto(c) for c in items], page=page_of(cursor)
        )

    def GetRelationshipMap(
        self, request: pb.GetRelationshipMapRequest, context: Any
    ) -> pb.GetRelationshipMapResponse:
        found = self.apps.contacts.relationship_map(current_principal(), request.account_id)
        return map_to_proto(found)

    def LogFollowUp(self, request: pb.LogFollowUpRequest, context: Any) -> pb.LogFollowUpResponse:
        follow_up = self.apps.activity.log_follow_up(current_principal(), follow_up_draft(request))
        return pb.LogFollowUpResponse(follow_up=follow_up_to_proto(follow_up))

    def ListFollowUps(
        self, request: pb.ListFollowUpsRequest, context: Any
    ) -> pb.ListFollowUpsResponse:
        items, cursor = self.apps.activity.follow_ups(
            current_principal(),
            request.account_id,
            request.opportunity_id,
            request.page.limit,
            request.page.cursor,
        )
        return pb.ListFollowUpsResponse(
            follow_ups=[follow_up_to_proto(f) for f in items], page=page_of(cursor)
        )


class Account360UseCases(Protocol):
    """What Account360Rpcs needs of the service's use cases (opportunity.apps.OpportunityApps)."""

    @property
    def account360(self) -> Account360App: ...


class Account360Rpcs:
    apps: Account360UseCases

    def GetAccount360Parts(
        self, request: pb.GetAccount360PartsRequest, context: Any
    ) -> pb.GetAccount360PartsResponse:
        parts = self.apps.account360.parts(
            current_principal(), request.account_id, request.opportunity_limit
        )
        return pb.GetAccount360PartsResponse(
            account=account_to_proto(parts.account),
            contacts=[contact_to_proto(c) for c in parts.contacts],
            open_opportunities=[opportunity_to_proto(o) for o in parts.open_opportunities],
            closed_opportunities=[opportunity_to_proto(o) for o in parts.closed_opportunities],
            recent_follow_ups=[follow_up_to_proto(f) for f in parts.recent_follow_ups],
            open_pipeline=money_to_proto(parts.sums.open_pipeline),
            won_total=money_to_proto(parts.sums.won_total),
        )
