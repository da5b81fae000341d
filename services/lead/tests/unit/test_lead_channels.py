"""Capture channels: one taxonomy for validation, scoring and lists; a sub-channel
becomes a derived `<source>:<detail>` tag that lists filter on."""

from datetime import UTC, datetime

import pytest
from crm_runtime.errors import ValidationFailed
from lead.domain.channels import CHANNELS, SOURCES, channel_tag, is_channel_tag
from lead.domain.lead import MAX_TAGS, LeadDraft, create_lead
from lead.domain.settings import DEFAULT_SOURCE_POINTS, LeadSettings

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def _create(**fields):
    return create_lead(
        LeadDraft(**{"name": "王芳", **fields}),
        lead_id="l1",
        tenant_id="t1",
        created_by="u1",
        now=NOW,
    )


def test_the_taxonomy_names_the_channels_users_expect_and_every_one_is_scored():
    assert SOURCES == (
        "web",
        "wechat",
        "trade_show",
        "third_party",
        "referral",
        "phone",
        "import",
        "api",
    )
    assert set(DEFAULT_SOURCE_POINTS) == set(SOURCES)
    assert all(channel.label and channel.detail for channel in CHANNELS)
    # a tenant may weigh any channel, and only channels
    LeadSettings.from_dict({"source_points": {code: 1 for code in SOURCES}})
    with pytest.raises(ValidationFailed):
        LeadSettings.from_dict({"source_points": {"fax": 1}})


def test_a_sub_channel_is_kept_and_becomes_a_tag():
    lead = _create(source="trade_show", channel_detail=" 2026  上海工博会 ", tags=("展会",))
    assert lead.channel_detail == "2026 上海工博会"
    assert lead.tags == ("展会", "trade_show:2026 上海工博会")


def test_channel_tags_are_derived_never_taken_from_the_caller():
    lead = _create(source="referral", channel_detail="王总", tags=("web:fake", "third_party:x"))
    assert lead.tags == ("referral:王总",)
    assert _create(source="web", tags=("web:fake", "官网")).tags == ("官网",)
    # a stored lead re-derived with another source gets the tag of its new channel
    again = _create(source="phone", channel_detail="王总", tags=lead.tags)
    assert again.tags == ("phone:王总",)


def test_the_channel_tag_does_not_count_against_the_tag_limit_or_length():
    tags = tuple(f"t{i}" for i in range(MAX_TAGS))
    lead = _create(source="third_party", channel_detail="阿" * 50, tags=tags)
    assert len(lead.tags) == MAX_TAGS + 1 and is_channel_tag(lead.tags[-1])
    assert _create(source="third_party", channel_detail="阿" * 50, tags=lead.tags).tags == lead.tags


def test_a_detail_has_a_length_limit():
    with pytest.raises(ValidationFailed) as err:
        _create(source="web", channel_detail="x" * 51)
    assert [(v.field, v.description) for v in err.value.violations] == [
        ("channel_detail", "must be at most 50 characters")
    ]


def test_channel_tag_shapes():
    assert channel_tag("web", "") == "" and channel_tag("web", "试用申请") == "web:试用申请"
    assert is_channel_tag("wechat:公众号") and not is_channel_tag("wechat:")
    assert not is_channel_tag("vip:yes") and not is_channel_tag("官网")
