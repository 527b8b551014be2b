"""A figure as the page, the CSV and the workbook all show it, and the small statistics
the figures share."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

Ranked = TypeVar("Ranked", float, timedelta)


@dataclass
class Table:
    """One figure as the page, the CSV and the workbook all show it: header, then rows."""

    key: str
    title: object
    columns: list[object]
    rows: list[list[object]]


def median(values: list[float]) -> float | None:
    return round(float(statistics.median(values)), 1) if values else None


def nearest_rank(values: Sequence[Ranked], percent: int) -> Ranked | None:
    """The smallest value with at least `percent` % of the values at or below it: the
    ceil(n x percent / 100)-th smallest (the 90th percentile of 10 values is the 9th)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(-(-len(ordered) * percent // 100), 1) - 1]


def p90(values: list[float]) -> float | None:
    found = nearest_rank(values, 90)
    return None if found is None else round(float(found), 1)


def share(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None
