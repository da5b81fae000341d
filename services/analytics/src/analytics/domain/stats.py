"""Small statistics over durations and ratios. Pure Python."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

DAY_SECONDS = 86_400


@dataclass(frozen=True)
class Spread:
    count: int
    mean: float
    median: float
    p90: float


def spread(values: Sequence[float]) -> Spread:
    """Mean, median and 90th percentile (nearest rank) of `values`; zeros when empty."""
    if not values:
        return Spread(0, 0.0, 0.0, 0.0)
    ordered = sorted(values)
    n = len(ordered)
    middle = n // 2
    median = ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    p90 = ordered[max(math.ceil(0.9 * n) - 1, 0)]
    return Spread(n, sum(ordered) / n, median, p90)


def ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def average(total: Decimal, count: int) -> Decimal:
    """Money divided by a count, to the cent (banker's rounding)."""
    if not count:
        return Decimal(0)
    return (total / count).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
