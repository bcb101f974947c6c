"""Days with unusually many mentions: each day against the days just before it.

A day's expected count is the median of the previous ``baseline_days`` days (days before the
window count, so the first days of a window have a baseline too) and its spread is the MAD,
floored at the Poisson spread sqrt(median) (and 1). Median and MAD rather than mean and
standard deviation: yesterday's spike must not inflate today's baseline and hide a second one.
Days are whole calendar days in ``tz`` (UTC unless told: a spike on "the 22nd" must be the
audience's 22nd), also where the window starts or ends inside one; a DST day is a day.

Days before the scope's first dated mention are not zeros but days without data (a feed not
yet ingested); a day with fewer than MIN_BASELINE_DAYS days of data before it is not judged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, timedelta, tzinfo

from sqlalchemy import Engine

from analytics.counts import check_sentiment, topic_version
from analytics.scope import Period, Scope, Window, checked, midnight
from analytics.stats import robust_z
from hark.errors import ErrorCode, HarkError
from store import analytics as analytics_store

MIN_BASELINE_DAYS = 7
# A "spike" of a handful of mentions is not news, whatever its z: after two quiet weeks, three
# mentions in a day are z = 3 under the Poisson floor.
MIN_SPIKE_COUNT = 5


@dataclass(frozen=True)
class Spike:
    day: date  # calendar day in the time zone spikes() was given
    count: int  # counted mentions in scope that day (of the sentiment, if one was asked)
    expected: float  # median of the baseline days
    z: float  # (count - expected) / max(1.4826 * MAD, sqrt(expected), 1)
    baseline_days: int  # days of data the baseline had


def spikes(
    engine: Engine,
    scope: Scope,
    window: Period,
    *,
    sentiment: str | None = None,
    baseline_days: int = 14,
    min_z: float = 3.0,
    min_count: int = MIN_SPIKE_COUNT,
    tz: tzinfo = UTC,
) -> list[Spike]:
    """Days of the window whose count is at least ``min_z`` robust deviations above their
    baseline and at least ``min_count``, in date order."""
    check_sentiment(sentiment)
    if baseline_days < 1:
        raise HarkError(ErrorCode.VALIDATION, "baseline_days must be at least 1")
    w = checked(window)
    first = w.start.astimezone(tz).date()
    last = (w.end - timedelta(microseconds=1)).astimezone(tz).date()
    span = Window(
        midnight(first - timedelta(days=baseline_days), tz), midnight(last + timedelta(1), tz)
    )
    # The population the scope is drawn from, sentiment aside: its first mention marks where
    # the data begins.
    population = scope.filters.model_copy(update={"sentiments": []})
    with engine.connect() as conn:
        version = topic_version(conn, scope)
        counts = analytics_store.grouped_counts(
            conn,
            scope=scope,
            windows=[span],
            keys=["day"],
            sentiment=sentiment,
            version=version,
            tz=tz,
        )
        begun = analytics_store.first_counted_at(
            conn,
            workspace=scope.workspace,
            filters=population,
            include_noise=scope.include_noise,
        )
    if begun is None:
        return []
    data_from = (begun if begun.tzinfo else begun.replace(tzinfo=UTC)).astimezone(tz).date()
    daily: dict[date, int] = {day: n for (_, day), n in counts.items()}
    needed = min(MIN_BASELINE_DAYS, baseline_days)
    out: list[Spike] = []
    day = first
    while day <= last:
        before = [day - timedelta(days=k) for k in range(1, baseline_days + 1)]
        known = [daily.get(d, 0) for d in before if d >= data_from]
        n = daily.get(day, 0)
        if len(known) >= needed and n >= min_count:
            r = robust_z(n, known)
            if r.z >= min_z:
                out.append(Spike(day, n, r.median, r.z, len(known)))
        day += timedelta(days=1)
    return out
