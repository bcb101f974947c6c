"""Counts, sentiment splits, breakdowns and time series of counted mentions.

Every number is an exact SQL count of distinct counted mentions under the scope and window
(see ``analytics.scope``); nothing is sampled or estimated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, Engine

from analytics.scope import Period, Scope, checked, midnight
from hark.errors import ErrorCode, HarkError
from store import analytics as analytics_store

SENTIMENTS = ("negative", "neutral", "positive")
UNLABELLED = "unlabelled"  # sentiment not derived yet
DIMENSIONS = analytics_store.DIMENSIONS
Granularity = Literal["day", "week"]


def check_dimension(dimension: str) -> None:
    if dimension not in DIMENSIONS:
        raise HarkError(
            ErrorCode.VALIDATION,
            f"unknown dimension {dimension!r}; one of {', '.join(sorted(DIMENSIONS))}",
        )


def check_sentiment(sentiment: str | None) -> None:
    if sentiment is not None and sentiment not in SENTIMENTS:
        raise HarkError(ErrorCode.VALIDATION, f"unknown sentiment {sentiment!r}")


def topic_version(conn: Connection, scope: Scope, *keys: str) -> int | None:
    """The active taxonomy version when the scope or a key needs topics (one query saved
    otherwise)."""
    if scope.topics or "topic" in keys:
        return analytics_store.taxonomy_version(conn, workspace=scope.workspace)
    return None


def window_counts(
    engine: Engine,
    scope: Scope,
    windows: Sequence[Period],
    keys: Sequence[str] = (),
    *,
    sentiment: str | None = None,
) -> dict[tuple[Any, ...], int]:
    """``store.analytics.grouped_counts`` in one connection, taxonomy version included."""
    spans = [checked(w) for w in windows]
    with engine.connect() as conn:
        version = topic_version(conn, scope, *keys)
        return analytics_store.grouped_counts(
            conn, scope=scope, windows=spans, keys=keys, sentiment=sentiment, version=version
        )


def count(engine: Engine, scope: Scope, window: Period) -> int:
    counts = window_counts(engine, scope, [window])
    return counts.get((0,), 0)


def sentiment_counts(engine: Engine, scope: Scope, window: Period) -> dict[str, int]:
    """negative, neutral, positive, unlabelled and total (their sum)."""
    counts = window_counts(engine, scope, [window], ["sentiment"])
    out = dict.fromkeys((*SENTIMENTS, UNLABELLED), 0)
    for (_, label), n in counts.items():
        name = UNLABELLED if label is None else str(label)
        out[name] = out.get(name, 0) + n
    out["total"] = sum(counts.values())
    return out


def breakdown(
    engine: Engine,
    scope: Scope,
    window: Period,
    dimension: str,
    *,
    sentiment: str | None = None,
    limit: int = 10,
) -> list[tuple[str, int]]:
    """The ``limit`` largest values of ``dimension`` with their mention counts, largest first
    (ties by value). Mentions without a value (no location, no topic) are left out, except
    for the "sentiment" dimension where they are "unlabelled". For "topic", ``sentiment`` is
    the topic's own (aspect) sentiment, and a mention counts once under each of its topics,
    so counts may sum to more than the mentions in scope; likewise for "entity". With no
    taxonomy, topic breakdowns are empty."""
    check_dimension(dimension)
    check_sentiment(sentiment)
    counts = window_counts(engine, scope, [window], [dimension], sentiment=sentiment)
    rows: list[tuple[str, int]] = []
    for (_, value), n in counts.items():
        if value is None and dimension != "sentiment":
            continue
        rows.append((UNLABELLED if value is None else str(value), n))
    rows.sort(key=lambda r: (-r[1], r[0]))
    return rows[: max(limit, 0)]


@dataclass(frozen=True)
class Bucket:
    """Counts in [start, end): a UTC calendar day or ISO week (Monday 00:00 UTC), cut to the
    window where the window starts or ends inside it."""

    start: datetime
    total: int
    negative: int
    neutral: int
    positive: int
    unlabelled: int
    end: datetime


def bucket_start(day: date, granularity: Granularity) -> date:
    return day - timedelta(days=day.weekday()) if granularity == "week" else day


def series(engine: Engine, scope: Scope, window: Period, granularity: Granularity) -> list[Bucket]:
    """Every day or ISO week overlapping the window, zero-filled, in order. Boundaries are
    UTC midnights (a Monday for weeks) whatever the audience's time zone: the same numbers on
    every server and in every test."""
    if granularity not in ("day", "week"):
        raise HarkError(ErrorCode.VALIDATION, f"granularity must be day or week: {granularity!r}")
    w = checked(window)
    counts = window_counts(engine, scope, [w], ["day", "sentiment"])
    step = timedelta(days=7 if granularity == "week" else 1)
    tallies: dict[date, dict[str | None, int]] = {}
    for (_, day, label), n in counts.items():
        tally = tallies.setdefault(bucket_start(day, granularity), {})
        tally[label] = tally.get(label, 0) + n
    out: list[Bucket] = []
    first = bucket_start(w.start.date(), granularity)
    cursor = first
    while midnight(cursor) < w.end:
        tally = tallies.get(cursor, {})
        out.append(
            Bucket(
                start=max(midnight(cursor), w.start),
                total=sum(tally.values()),
                negative=tally.get("negative", 0),
                neutral=tally.get("neutral", 0),
                positive=tally.get("positive", 0),
                unlabelled=tally.get(None, 0),
                end=min(midnight(cursor) + step, w.end),
            )
        )
        cursor += step
    return out
