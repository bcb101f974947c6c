"""Share of voice: each brand's (or catalog competitor's) part of the mentions of all brands,
and its negative share, in a period beside the one before, with whether the negative share
moved beyond chance. Exact counts of the scope's mentions, as everything in analytics."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from analytics.counts import window_counts
from analytics.scope import Period, Scope
from analytics.stats import two_proportion_z

SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class VoiceRow:
    value: str
    total: int
    previous_total: int
    negative: int
    previous_negative: int
    share: float  # of all brands' mentions in the period, 0..1
    previous_share: float
    negative_share: float  # of its own mentions, 0..1
    previous_negative_share: float
    p_value: float | None  # of the negative share's change; None when a side has none

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < SIGNIFICANCE


def share_of_voice(
    engine: Engine,
    scope: Scope,
    current: Period,
    previous: Period,
    *,
    dimension: str = "brand",
    limit: int = 8,
    keep: str | None = None,
) -> list[VoiceRow]:
    """The ``limit`` values of ``dimension`` ("brand" or "entity") with the most mentions in
    ``current``, most first; ``keep`` (the brief's own brand) is always among them. Shares
    of voice are of the mentions with any value of the dimension (a mention naming two
    competitors counts for each)."""
    counts = window_counts(engine, scope, [current, previous], [dimension, "sentiment"])
    totals: dict[tuple[int, str], int] = {}
    negatives: dict[tuple[int, str], int] = {}
    for (w, value, sentiment), n in counts.items():
        if value is None:
            continue
        key = (w, str(value))
        totals[key] = totals.get(key, 0) + n
        if sentiment == "negative":
            negatives[key] = negatives.get(key, 0) + n
    values = sorted({v for (w, v) in totals if w == 0}, key=lambda v: (-totals.get((0, v), 0), v))
    shown = values[:limit]
    if keep is not None and keep in values and keep not in shown:
        shown = [*shown[: limit - 1], keep]
    all_now = sum(n for (w, _), n in totals.items() if w == 0)
    all_before = sum(n for (w, _), n in totals.items() if w == 1)
    rows = []
    for v in shown:
        now, before = totals.get((0, v), 0), totals.get((1, v), 0)
        neg, neg_before = negatives.get((0, v), 0), negatives.get((1, v), 0)
        test = two_proportion_z(neg, now, neg_before, before)
        rows.append(
            VoiceRow(
                value=v,
                total=now,
                previous_total=before,
                negative=neg,
                previous_negative=neg_before,
                share=now / all_now if all_now else 0.0,
                previous_share=before / all_before if all_before else 0.0,
                negative_share=neg / now if now else 0.0,
                previous_negative_share=neg_before / before if before else 0.0,
                p_value=None if test is None else test.p_value,
            )
        )
    return rows
