"""Counting queries behind the analytics package: exact counts of counted mentions under a
scope, grouped by window and by a key, one statement per call.

Counted = not a copy and (unless the scope includes noise) not noise. Every count is of
distinct mentions: scoping by topic or entity is an EXISTS (never a join that multiplies
rows), and grouping by one joins a row per (mention, value), which both tables key on.
The "day" key is the calendar day in a time zone (UTC unless told): a mention posted at
05:00 UTC on 22 February was written on the 21st in Los Angeles, and a brand manager there
counts it on the 21st. The UTC offsets in force over the windows are worked out in Python
(zoneinfo) and applied in SQL as a shift per stretch of constant offset, so DST and
half-hour zones are exact and both backends cut days at the very instants that
``analytics.counts.series`` computes for its bucket edges. The day expression is the only
dialect-aware part.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from itertools import pairwise
from typing import Any, Protocol

from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    FromClause,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.sql.elements import ColumnElement

from hark.dates import EARLIEST, LATEST
from hark.domain import SearchFilters
from store.enrichment import active_catalog
from store.filters import filter_conditions
from store.name_search import names_condition
from store.tables import mention_entities, mention_topics, mentions

# Dimensions that are a plain mentions column; "topic" and "entity" live in their own tables.
COLUMN_DIMENSIONS = (
    "source",
    "source_type",
    "location",
    "brand",
    "language",
    "sentiment",
    "author_type",
)
DIMENSIONS = frozenset({*COLUMN_DIMENSIONS, "topic", "entity"})
GROUP_KEYS = DIMENSIONS | {"day"}


class ScopeSpec(Protocol):
    """What a query needs of ``analytics.scope.Scope`` (kept structural: store does not
    import the analytics package)."""

    @property
    def workspace(self) -> str: ...
    @property
    def filters(self) -> SearchFilters: ...
    @property
    def topics(self) -> tuple[str, ...]: ...
    @property
    def entities(self) -> tuple[str, ...]: ...
    @property
    def main_entity_only(self) -> bool: ...
    @property
    def include_noise(self) -> bool: ...
    @property
    def text_any(self) -> tuple[tuple[str, ...], ...]: ...


class Span(Protocol):
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...


def taxonomy_version(conn: Connection, *, workspace: str) -> int | None:
    """The active taxonomy version: the only one whose topics count."""
    found = active_catalog(conn, workspace=workspace, kind="taxonomy")
    return None if found is None else found.version


def first_counted_at(
    conn: Connection, *, workspace: str, filters: SearchFilters, include_noise: bool
) -> datetime | None:
    """When the first counted mention under ``filters`` (since/until ignored) was posted:
    days before it are days without data, not days without mentions."""
    m = mentions.c
    cond = filter_conditions(workspace, filters.model_copy(update={"since": None, "until": None}))
    if not include_noise:
        cond = and_(cond, m.noise.is_(None))
    return conn.execute(select(func.min(m.created_at)).where(cond)).scalar()


def scope_condition(scope: ScopeSpec, version: int | None) -> ColumnElement[bool]:
    # Aliases: a breakdown may join the same tables outside, and EXISTS must not correlate
    # to them. Topic and entity rows are reached by mention id alone (ids are global): with
    # a workspace condition too, SQLite walks the (workspace, topic) index once per mention.
    m = mentions.c
    t = mention_topics.alias("scope_topics").c
    e = mention_entities.alias("scope_entities").c
    filters = scope.filters.model_copy(update={"since": None, "until": None})
    conds: list[ColumnElement[bool]] = [filter_conditions(scope.workspace, filters)]
    if not scope.include_noise:
        conds.append(m.noise.is_(None))
    if scope.topics:
        if version is None:  # no taxonomy: no mention has a topic
            conds.append(false())
        else:
            conds.append(
                exists().where(
                    t.mention_id == m.id,
                    t.taxonomy_version == version,
                    t.topic.in_(scope.topics),
                )
            )
    if scope.entities:
        named = [e.mention_id == m.id, e.entity.in_(scope.entities)]
        if scope.main_entity_only:
            named.append(e.main.is_(True))
        conds.append(exists().where(*named))
    conds.extend(names_condition(group) for group in scope.text_any)
    return and_(*conds)


def _day(dialect: str) -> ColumnElement[Any]:
    """The UTC calendar day of created_at. SQLite stores naive UTC text; PostgreSQL stores
    timestamptz, whose date would follow the session time zone without timezone('UTC')."""
    if dialect == "postgresql":
        return cast(func.timezone("UTC", mentions.c.created_at), Date)
    return func.date(mentions.c.created_at)


# Offsets are sampled this far apart and bisected where they change: no zone in the tz
# database changes its offset twice within a week (checked for every zone, 1970-2040).
_SAMPLE_STEP = timedelta(days=7)
_SECOND = timedelta(seconds=1)


def _offset(tz: tzinfo, at: datetime) -> timedelta:
    got = at.astimezone(tz).utcoffset()
    return timedelta(0) if got is None else got


@lru_cache(maxsize=256)
def utc_offsets(
    tz: tzinfo, start: datetime, end: datetime
) -> tuple[tuple[datetime, timedelta], ...]:
    """The stretches of constant UTC offset of ``tz`` over [start, end), as (first instant,
    offset) pairs in order; the first starts at ``start``. A change falls on a whole second
    (tz database transitions do), found by bisection."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    out = [(start, _offset(tz, start))]
    t = start
    while t < end:
        nxt = min(t + _SAMPLE_STEP, end)
        current = out[-1][1]
        if _offset(tz, nxt) != current:
            lo, hi = t, nxt  # the offset at lo is current, at hi it is not
            while hi - lo > _SECOND:
                mid = lo + (hi - lo) // 2
                lo, hi = (mid, hi) if _offset(tz, mid) == current else (lo, mid)
            change = hi.replace(microsecond=0)  # lo < change <= hi and hi - lo <= 1 s
            out.append((change, _offset(tz, change)))
            t = change
        else:
            t = nxt
    return tuple(out)


def _shifted_day(dialect: str, offset: timedelta) -> ColumnElement[Any]:
    """The calendar day of created_at + offset (the local day where that offset holds)."""
    m = mentions.c
    if not offset:
        return _day(dialect)
    if dialect == "postgresql":
        utc = func.timezone("UTC", m.created_at, type_=DateTime())
        return cast(utc + offset, Date)
    seconds = int(offset.total_seconds())
    return func.date(m.created_at, f"{seconds:+d} seconds")


def local_day(dialect: str, tz: tzinfo, windows: Sequence[Span]) -> ColumnElement[Any]:
    """The calendar day of created_at in ``tz``, exact over the windows: one shift per
    stretch of constant offset, chosen by a balanced CASE on created_at (a few comparisons
    per row even over centuries of DST changes)."""
    start = max(min(w.start for w in windows), ALL_TIME_START)
    end = min(max(w.end for w in windows), ALL_TIME_END)
    stretches = utc_offsets(tz, start, end) if start < end else ((start, _offset(tz, start)),)

    def tree(lo: int, hi: int) -> ColumnElement[Any]:
        if hi - lo == 1:
            return _shifted_day(dialect, stretches[lo][1])
        mid = (lo + hi) // 2
        return case((mentions.c.created_at < stretches[mid][0], tree(lo, mid)), else_=tree(mid, hi))

    return tree(0, len(stretches))


# A window from ALL_TIME_START to ALL_TIME_END means "no period": it applies no time condition,
# so mentions without a date (review sets without dates) count too.
ALL_TIME_START = EARLIEST
ALL_TIME_END = LATEST


def in_window(window: Span) -> ColumnElement[bool]:
    m = mentions.c
    if window.start <= ALL_TIME_START and window.end >= ALL_TIME_END:
        return true()
    return and_(m.created_at >= window.start, m.created_at < window.end)


def windows_overlap(windows: Sequence[Span]) -> bool:
    spans = sorted((w.start, w.end) for w in windows)
    return any(b[0] < a[1] for a, b in pairwise(spans))


def grouped_counts(
    conn: Connection,
    *,
    scope: ScopeSpec,
    windows: Sequence[Span],
    keys: Sequence[str] = (),
    sentiment: str | None = None,
    version: int | None = None,
    tz: tzinfo = UTC,
) -> dict[tuple[Any, ...], int]:
    """Counted mentions in scope per (window index, *values of ``keys``); only non-zero
    groups appear. A missing value (no location, no topic, unlabelled) is None. The "day"
    key is a ``date``: the calendar day in ``tz`` (a zoneinfo zone or a fixed offset).

    ``sentiment`` keeps mentions of that sentiment. Grouped by "topic", it is the topic's own
    (aspect) sentiment instead, and the None group holds the mentions of that sentiment with no
    topic of it: so each topic's count equals a breakdown of that topic, and the None group is
    what no topic explains. ``version`` is the active taxonomy version (topic scope or key).
    Disjoint windows share one statement; overlapping ones get one each (a CASE would put a
    mention in the first window only).
    """
    unknown = set(keys) - GROUP_KEYS
    if unknown or ("topic" in keys and "entity" in keys):
        raise ValueError(f"cannot group by {list(keys)}")
    if not windows:
        return {}
    if len(windows) > 1 and windows_overlap(windows):
        out: dict[tuple[Any, ...], int] = {}
        for i, w in enumerate(windows):
            one = grouped_counts(
                conn,
                scope=scope,
                windows=[w],
                keys=keys,
                sentiment=sentiment,
                version=version,
                tz=tz,
            )
            out.update({(i, *k[1:]): n for k, n in one.items()})
        return out
    rows_of = grouped_rows(
        conn, scope=scope, windows=windows, keys=keys, version=version, tz=tz, sentiment=sentiment
    )
    if rows_of is None:
        return {}
    source, where, values, period = rows_of
    if sentiment is not None and "topic" not in keys:
        where.append(mentions.c.sentiment == sentiment)
    # Group in an outer query over labelled columns, so that no expression carrying bound
    # parameters (the CASE, timezone('UTC')) has to be repeated in GROUP BY and matched by
    # PostgreSQL against its copy in the SELECT list.
    inner = (
        select(period.label("period"), *[v.label(f"k{i}") for i, v in enumerate(values)])
        .select_from(source)
        .where(*where)
        .subquery()
    )
    groups = [inner.c.period, *[inner.c[f"k{i}"] for i in range(len(values))]]
    # count(*) counts distinct mentions: the join adds one row per (mention, topic) or
    # (mention, entity), both primary keys, and a group holds one topic or entity.
    rows = conn.execute(select(*groups, func.count()).group_by(*groups))
    return {group_key(row[:-1], keys): int(row[-1]) for row in rows}


def group_key(values: Sequence[Any], keys: Sequence[str]) -> tuple[Any, ...]:
    """A result row's group as ``grouped_counts`` keys it: (window index, *key values, ...),
    the "day" value a ``date`` (SQLite gives 'YYYY-MM-DD')."""
    group = tuple(values)
    if "day" in keys:
        at = list(keys).index("day") + 1
        if isinstance(group[at], str):
            group = (*group[:at], date.fromisoformat(group[at]), *group[at + 1 :])
    return group


def grouped_rows(
    conn: Connection,
    *,
    scope: ScopeSpec,
    windows: Sequence[Span],
    keys: Sequence[str],
    version: int | None,
    tz: tzinfo,
    sentiment: str | None = None,
) -> (
    tuple[FromClause, list[ColumnElement[Any]], list[ColumnElement[Any]], ColumnElement[Any]] | None
):
    """What a grouped query over counted mentions in scope reads: its FROM (joined to topics
    or entities for those keys), its WHERE (scope and windows), each key's value and the
    window index of a row (disjoint ``windows``). With ``sentiment``, a topic key joins the
    topic's own (aspect) sentiment (see ``grouped_counts``). None when a topic key has no
    taxonomy ``version``."""
    m, t, e = mentions.c, mention_topics.c, mention_entities.c
    source: FromClause = mentions
    where: list[ColumnElement[Any]] = [scope_condition(scope, version)]
    values: list[ColumnElement[Any]] = []
    for key in keys:
        if key == "day":
            values.append(local_day(conn.dialect.name, tz, windows))
        elif key == "topic":
            if version is None:
                return None
            on = and_(t.mention_id == m.id, t.taxonomy_version == version)
            if sentiment is not None:
                on = and_(on, t.sentiment == sentiment)
                where.append(or_(t.topic.is_not(None), m.sentiment == sentiment))
            source = source.outerjoin(mention_topics, on)
            values.append(t.topic)
        elif key == "entity":
            on = e.mention_id == m.id
            if scope.main_entity_only:
                on = and_(on, e.main.is_(True))
            source = source.outerjoin(mention_entities, on)
            values.append(e.entity)
        else:
            values.append(mentions.c[key])
    if len(windows) == 1:
        period: ColumnElement[Any] = literal(0)
        where.append(in_window(windows[0]))
    else:
        period = case(*[(in_window(w), i) for i, w in enumerate(windows)])
        where.append(or_(*[in_window(w) for w in windows]))
    return source, where, values, period
