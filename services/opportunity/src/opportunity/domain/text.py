"""Normal forms of what people type, and the search tokens lists match on.

An account's duplicate key ignores case, width, spaces, punctuation and the legal form
(`上海云图科技有限公司` ≡ `上海 云图科技` ≡ `上海云图科技（有限公司）`... but not a
different name). Search uses character bigrams, which work for Chinese, where MongoDB's
`$text` cannot segment, and are exact, indexable matches on any MongoDB."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[\W_]+")
# Legal forms that do not tell two companies apart, longest first.
LEGAL_FORMS = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团公司",
    "公司",
    "companylimited",
    "corporation",
    "colimited",
    "coltd",
    "limited",
    "company",
    "corp",
    "gmbh",
    "inc",
    "llc",
    "ltd",
    "co",
)
MAX_QUERY_TOKENS = 12


def clean_text(raw: str) -> str:
    """Full-width folded (NFKC), trimmed, inner white space collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", raw)).strip()


def _folded(raw: str) -> str:
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", raw).casefold())


def name_key(raw: str) -> str:
    """The key account duplicates are found on: the folded name without its legal form
    (kept when it is the whole name)."""
    key = _folded(raw)
    form = next((f for f in LEGAL_FORMS if key.endswith(f)), "")
    return key[: -len(form)] if form and len(key) > len(form) else key


def bigrams(text: str) -> set[str]:
    folded = _folded(text)
    if len(folded) == 1:
        return {folded}
    return {folded[i : i + 2] for i in range(len(folded) - 1)}


def search_tokens(*texts: str, phone: str = "", email: str = "", code: str = "") -> list[str]:
    """Tokens a record carries: bigrams of its texts, phone digits, email, credit code."""
    tokens: set[str] = set()
    for text in texts:
        tokens |= bigrams(text)
    digits = re.sub(r"\D", "", phone)
    if digits:
        tokens |= {f"tel:{digits}", f"tel:{digits[-11:]}", f"tel4:{digits[-4:]}"}
    if email:
        tokens.add(f"mail:{email.lower()}")
    if code:
        tokens.add(f"code:{code.upper()}")
    return sorted(tokens)


def query_tokens(text: str) -> list[str]:
    """Tokens a record must all hold to match `text` (digits search phones, an email
    its address, an 18-character code the credit code)."""
    stripped = unicodedata.normalize("NFKC", text).strip()
    digits = re.sub(r"[\s+\-()]", "", stripped)
    if digits.isdigit():
        return [f"tel4:{digits}"] if len(digits) == 4 else [f"tel:{digits}"]
    if "@" in stripped and " " not in stripped:
        return [f"mail:{stripped.lower()}"]
    if len(stripped) == 18 and stripped.isalnum() and stripped.isascii():
        return [f"code:{stripped.upper()}"]
    return sorted(bigrams(stripped))[:MAX_QUERY_TOKENS]
