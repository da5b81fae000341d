"""Protobuf messages of crm.opportunity.v1 to domain values and back, for accounts,
contacts and follow-ups (no behaviour)."""

from __future__ import annotations

from crm.opportunity.v1 import opportunity_pb2 as pb
from crm_runtime.rpc.protojson import timestamp

from opportunity.domain.account import Account, AccountDraft, DuplicateMatch
from opportunity.domain.contact import Contact, ContactDraft
from opportunity.domain.followups import FollowUp, FollowUpDraft
from opportunity.domain.relationships import RelationshipMap
from opportunity.proto import customs_from_proto, customs_to_proto, enum_name, enum_value, when

TIER = "ACCOUNT_TIER_"
ROLE = "CONTACT_ROLE_"
KIND = "FOLLOW_UP_KIND_"


def account_draft(msg: pb.AccountInput) -> AccountDraft:
    return AccountDraft(
        name=msg.name,
        unified_social_credit_code=msg.unified_social_credit_code,
        industry=msg.industry,
        region=msg.region,
        address=msg.address,
        phone=msg.phone,
        website=msg.website,
        owner_id=msg.owner_id,
        team_id=msg.team_id,
        tier=enum_name(pb.AccountTier, msg.tier, TIER),
        tags=tuple(msg.tags),
        notes=msg.notes,
        custom_fields=customs_from_proto(msg.custom_fields),
    )


def account_to_proto(a: Account) -> pb.Account:
    return pb.Account(
        id=a.id,
        tenant_id=a.tenant_id,
        name=a.name,
        normalized_name=a.name_key,
        unified_social_credit_code=a.unified_social_credit_code,
        industry=a.industry,
        region=a.region,
        address=a.address,
        phone=a.phone,
        website=a.website,
        owner_id=a.owner_id,
        team_id=a.team_id,
        tier=enum_value(pb.AccountTier, TIER, a.tier),
        tier_reason=a.tier_reason,
        tags=list(a.tags),
        notes=a.notes,
        custom_fields=customs_to_proto(a.custom_fields),
        source_lead_id=a.source_lead_id,
        source=a.source,
        last_activity_at=timestamp(a.last_activity_at),
        created_at=timestamp(a.created_at),
        updated_at=timestamp(a.updated_at),
        version=a.version,
        created_by=a.created_by,
    )


def match_to_proto(m: DuplicateMatch) -> pb.AccountDuplicateMatch:
    return pb.AccountDuplicateMatch(
        account_id=m.account_id, name=m.name, owner_id=m.owner_id, matched_on=m.matched_on
    )


def contact_draft(msg: pb.ContactInput) -> ContactDraft:
    return ContactDraft(
        account_id=msg.account_id,
        name=msg.name,
        title=msg.title,
        department=msg.department,
        phone=msg.phone,
        email=msg.email,
        wechat=msg.wechat,
        role=enum_name(pb.ContactRole, msg.role, ROLE),
        reports_to_contact_id=msg.reports_to_contact_id,
        primary=msg.primary,
        notes=msg.notes,
        custom_fields=customs_from_proto(msg.custom_fields),
    )


def contact_to_proto(c: Contact) -> pb.Contact:
    return pb.Contact(
        id=c.id,
        tenant_id=c.tenant_id,
        account_id=c.account_id,
        name=c.name,
        title=c.title,
        department=c.department,
        phone=c.phone,
        email=c.email,
        wechat=c.wechat,
        role=enum_value(pb.ContactRole, ROLE, c.role),
        reports_to_contact_id=c.reports_to_contact_id,
        primary=c.primary,
        owner_id=c.owner_id,
        notes=c.notes,
        custom_fields=customs_to_proto(c.custom_fields),
        source_lead_id=c.source_lead_id,
        created_at=timestamp(c.created_at),
        updated_at=timestamp(c.updated_at),
        version=c.version,
    )


def map_to_proto(found: RelationshipMap) -> pb.GetRelationshipMapResponse:
    return pb.GetRelationshipMapResponse(
        account_id=found.account_id,
        nodes=[
            pb.RelationshipNode(
                contact=contact_to_proto(n.contact),
                direct_report_ids=list(n.direct_report_ids),
                depth=n.depth,
            )
            for n in found.nodes
        ],
        missing_roles=[enum_value(pb.ContactRole, ROLE, r.value) for r in found.missing_roles],
    )


def follow_up_draft(msg: pb.LogFollowUpRequest) -> FollowUpDraft:
    return FollowUpDraft(
        kind=enum_name(pb.FollowUpKind, msg.kind, KIND),
        account_id=msg.account_id,
        opportunity_id=msg.opportunity_id,
        contact_id=msg.contact_id,
        notes=msg.notes,
        next_step=msg.next_step,
        next_step_at=when(msg, "next_step_at"),
    )


def follow_up_to_proto(f: FollowUp) -> pb.FollowUp:
    return pb.FollowUp(
        id=f.id,
        account_id=f.account_id,
        opportunity_id=f.opportunity_id,
        contact_id=f.contact_id,
        kind=enum_value(pb.FollowUpKind, KIND, f.kind.value),
        notes=f.notes,
        next_step=f.next_step,
        next_step_at=timestamp(f.next_step_at),
        by_user_id=f.by_user_id,
        at=timestamp(f.at),
    )
