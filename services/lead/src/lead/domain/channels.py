"""Lead sources (channels) and the names users write for them in spreadsheets."""

from __future__ import annotations

SOURCES = ("web", "wechat", "trade_show", "third_party", "referral", "phone", "import", "api")

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
