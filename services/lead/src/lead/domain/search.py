"""Text search on name, company and phone without a full-text index: each lead carries
the character bigrams of its name and company and the digits of its phone, and a query
matches leads holding all of the query's tokens. Works for Chinese, which MongoDB's
`$text` cannot segment, and is an exact, indexable match on any MongoDB."""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[\W_]+")
MAX_QUERY_TOKENS = 12


def _bigrams(text: str) -> set[str]:
    folded = _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())
    if len(folded) == 1:
        return {folded}
    return {folded[i : i + 2] for i in range(len(folded) - 1)}


def lead_tokens(name: str, company: str, phone: str) -> list[str]:
    tokens = _bigrams(name) | _bigrams(company)
    digits = re.sub(r"\D", "", phone)
    if digits:
        tokens.add(f"tel:{digits}")
        tokens.add(f"tel:{digits[-11:]}")  # a Chinese mobile without the +86
        tokens.add(f"tel4:{digits[-4:]}")  # the last four digits reps often search by
    return sorted(tokens)


def query_tokens(text: str) -> list[str]:
    """Tokens a lead must all hold to match `text` (digits search the phone)."""
    stripped = unicodedata.normalize("NFKC", text).strip()
    digits = re.sub(r"[\s+\-()]", "", stripped)
    if digits.isdigit():
        if len(digits) == 4:
            return [f"tel4:{digits}"]
        return [f"tel:{digits}"]
    return sorted(_bigrams(stripped))[:MAX_QUERY_TOKENS]
