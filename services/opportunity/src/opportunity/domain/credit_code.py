"""The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from
an alphabet of 31 (digits and capitals without I, O, Z, S, V), the last one a check
character computed from the other seventeen. A typo in a code is caught here rather
than becoming a second customer that the duplicate check cannot see."""

from __future__ import annotations

import unicodedata

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {ch: i for i, ch in enumerate(ALPHABET)}
# Weight of position i (1-based) is 3^(i-1) mod 31.
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
LENGTH = 18


def normalise_code(raw: str) -> str:
    """Upper-cased, full-width folded, spaces and hyphens removed."""
    folded = unicodedata.normalize("NFKC", raw).upper()
    return "".join(ch for ch in folded if ch not in " -\u3000")


def check_character(first17: str) -> str:
    total = sum(VALUES[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def code_problem(code: str) -> str:
    """Why `code` (normalised) is not a credit code; "" when it is one."""
    if len(code) != LENGTH:
        return f"must be {LENGTH} characters, got {len(code)}"
    bad = sorted({ch for ch in code if ch not in VALUES})
    if bad:
        return f"contains {''.join(bad)!r}: only digits and capitals other than I, O, Z, S, V"
    if not code[2:8].isdigit():
        return "characters 3 to 8 are the administrative division code, all digits"
    expected = check_character(code[:17])
    if code[17] != expected:
        return f"check character is {code[17]!r} but the code's first 17 give {expected!r}"
    return ""
