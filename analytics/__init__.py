"""Numbers from code: exact counts, breakdowns, series, period comparisons, drivers of a change
and spikes, computed in SQL over counted mentions (no copies, no noise) under a scope.

The answer pipeline quotes these numbers; the language model never computes one.
"""

from __future__ import annotations

from analytics.compare import MIN_MENTIONS_PER_PERIOD, Comparison, PeriodStats, compare_periods
from analytics.counts import DIMENSIONS, Bucket, breakdown, count, sentiment_counts, series
from analytics.drivers import NO_VALUE, Driver, DriverReport, drivers
from analytics.scope import Period, Scope, Window
from analytics.spikes import Spike, spikes

__all__ = [
    "DIMENSIONS",
    "MIN_MENTIONS_PER_PERIOD",
    "NO_VALUE",
    "Bucket",
    "Comparison",
    "Driver",
    "DriverReport",
    "Period",
    "PeriodStats",
    "Scope",
    "Spike",
    "Window",
    "breakdown",
    "compare_periods",
    "count",
    "drivers",
    "sentiment_counts",
    "series",
    "spikes",
]
