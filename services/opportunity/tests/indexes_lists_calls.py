"""What the unit and integration tests of indexes lists share."""

from __future__ import annotations

import pytest
from opportunity_calls import account, cny, deal, md, move

REP_1 = md("rep-1", scope="own", team="east")


REP_2 = md("rep-2", scope="own", team="east")


@pytest.fixture
def deals(stub):
    """Five deals of two reps of team east, in two stages, with amounts and dates."""
    acme = account(stub, REP_1, name="甲方科技")
    beta = account(stub, REP_2, name="乙方贸易")
    made = {}
    for name, who, acc, amount, close in (
        ("a1", REP_1, acme, 100, "2030-01-10"),
        ("a2", REP_1, acme, 500, "2030-01-31"),
        ("a3", REP_1, acme, 900, "2030-02-01"),
        ("b1", REP_2, beta, 300, "2030-01-20"),
        ("b2", REP_2, beta, 50, ""),
    ):
        made[name] = deal(
            stub, acc.id, who, name=f"项目{name}", amount=cny(amount), expected_close_date=close
        )
    for name, who in (("a2", REP_1), ("a3", REP_1), ("b1", REP_2)):
        move(stub, made[name].id, "needs_confirmed", who)
    return made
