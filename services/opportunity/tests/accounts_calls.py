"""What the unit and integration tests of accounts share."""

from __future__ import annotations

CODE = "91350100M000100Y43"


def code(err):
    return err.value.code()
