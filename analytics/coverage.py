"""Which part of a period the data covers, so rates compare like with like.

A month of which the collection holds one day, or a day that ends three hours into it, is no
whole period: its count against a whole one reads as "+1237 % per day". A period is *partial*
when the collection starts after it begins or ends before it ends (beyond a small slack), or
when, over a week or more, fewer than half of its days have any data (bursty collections).
Coverage looks at the collection (every counted mention of the workspace, of the asked
sources), not at the question's filters: a day nobody named the brand is still a day of data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from analytics.counts import window_counts
from analytics.scope import Period, Scope, checked
from hark.domain import AuthorType, SearchFilters
from store import coverage as coverage_store
from store.analytics import ALL_TIME_END, ALL_TIME_START

UTC_ZONE = ZoneInfo("UTC")
MIN_SHARE_OF_DAYS = 0.5  # over a week or more, fewer days with data than this is partial
SLACK_SHARE = 0.1  # of the period's length, missed at either end before it counts as partial


@dataclass(frozen=True)
class Coverage:
    first: datetime | None  # first mention in the period (any filter but sources)
    last: datetime | None
    days_with_data: int  # local calendar days of the period with any mention
    days: int  # local calendar days the period touches
    partial: bool

    @property
    def empty(self) -> bool:
        return self.first is None

    def covered_days(self) -> float:
        """The days a per-day rate divides by: the days with data of a partial period."""
        return float(max(self.days_with_data if self.partial else self.days, 1))


def is_all_time(period: Period) -> bool:
    return period.start <= ALL_TIME_START and period.end >= ALL_TIME_END


def collection_span(
    engine: Engine, workspace: str, sources: list[str] | None = None
) -> tuple[datetime, datetime] | None:
    """First and last posting time of the workspace's mentions (of ``sources``)."""
    with engine.connect() as conn:
        return coverage_store.span(conn, workspace=workspace, sources=sources or [])


def local_days(start: datetime, end: datetime, tz: tzinfo) -> int:
    first = start.astimezone(tz).date()
    last = (end - timedelta(microseconds=1)).astimezone(tz).date()
    return (last - first).days + 1


def coverage(
    engine: Engine,
    workspace: str,
    period: Period,
    *,
    sources: list[str] | None = None,
    tz: tzinfo = UTC_ZONE,
    collection: tuple[datetime, datetime] | None = None,
) -> Coverage:
    """``collection``: the workspace's first and last mention (``collection_span``), when a
    caller covers several periods and reads it once."""
    w = checked(period)
    sources = sources or []
    with engine.connect() as conn:
        whole = collection or coverage_store.span(conn, workspace=workspace, sources=sources)
        inside = coverage_store.window_span(conn, workspace=workspace, sources=sources, window=w)
    days = local_days(w.start, w.end, tz)
    if inside is None or whole is None:
        return Coverage(None, None, 0, days, partial=True)
    first_all, last_all = (t.astimezone(tz) for t in whole)
    length = w.end - w.start
    slack = min(timedelta(days=1), max(timedelta(hours=1), length * SLACK_SHARE))
    # Days with data: one GROUP BY over the local day (noise and the brands' own posts are
    # data of the collection too), not a read of every timestamp.
    collection_scope = Scope(
        workspace,
        SearchFilters(sources=sources, author_types=[AuthorType.CUSTOMER, AuthorType.BRAND]),
        include_noise=True,
    )
    with_data = len(window_counts(engine, collection_scope, [w], ["day"], tz=tz))
    partial = (
        first_all - w.start > slack
        or w.end - last_all > slack
        or (days >= 7 and with_data < MIN_SHARE_OF_DAYS * days)
    )
    return Coverage(inside[0], inside[1], with_data, days, partial)
