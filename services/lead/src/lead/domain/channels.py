"""Capture channels: where a lead came from (`source`, one code of a fixed taxonomy)
and, where it matters, which one of that kind (`channel_detail`: the trade show, the
third-party platform, who referred it, which web form).

The codes are the keys of the tenant's source weights in scoring, so every channel is
scored (settings.DEFAULT_SOURCE_POINTS has a weight for each). A lead with a detail also
carries the channel tag `<source>:<detail>` (e.g. `trade_show:2026 上海工博会`), so that
lists filter by sub-channel with the tag filter and its index; tags of that form are
derived only, so a changed source or detail changes the tag with it.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_DETAIL_LENGTH = 50


@dataclass(frozen=True)
class Channel:
    code: str
    label: str  # what Chinese sales teams call it
    detail: str  # what `channel_detail` names for it


CHANNELS = (
    Channel("web", "官网表单", "the web form or landing page"),
    Channel("wechat", "微信", "the official account, mini-program or group"),
    Channel("trade_show", "展会", "the trade show"),
    Channel("third_party", "第三方平台", "the platform (阿里巴巴, 百度, 企查查, ...)"),
    Channel("referral", "客户推荐", "who referred the lead"),
    Channel("phone", "电话咨询", "the hotline or campaign number"),
    Channel("import", "导入", "the file or batch"),
    Channel("api", "API", "the integration"),
)
SOURCES = tuple(channel.code for channel in CHANNELS)

# What Chinese sales teams write in the 线索来源 column, mapped to channel codes.
SOURCE_ALIASES = {
    "官网表单": "web",
    "官网": "web",
    "微信公众号": "wechat",
    "微信": "wechat",
    "展会": "trade_show",
    "第三方平台": "third_party",
    "客户推荐": "referral",
    "转介绍": "referral",
    "电话咨询": "phone",
}


def is_source(code: str) -> bool:
    return code in SOURCES


def channel_tag(source: str, detail: str) -> str:
    """The tag a lead of this sub-channel carries ("" without a detail)."""
    return f"{source}:{detail}" if source and detail else ""


def is_channel_tag(tag: str) -> bool:
    """Whether `tag` reads `<channel code>:<detail>`: such tags are derived from the
    lead's source and detail, never taken from a caller, so they cannot disagree."""
    code, colon, detail = tag.partition(":")
    return bool(colon and detail) and code in SOURCES
