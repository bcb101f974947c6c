"""What a number is computed over: a scope (which mentions) and a window (which time).

A mention is *counted* when it is no copy (``duplicate_of IS NULL``) and not noise
(``noise IS NULL``, unless ``include_noise``). Windows are explicit arguments of every windowed
function, so ``filters.since``/``filters.until`` are ignored there: one question may compare two
windows under the same scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo
from typing import Protocol

from hark.domain import SearchFilters
from hark.errors import ErrorCode, HarkError

SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class Scope:
    workspace: str
    # sources, source types, languages, brands, locations, sentiments and the rating range
    # apply; since/until are ignored by windowed functions (windows are explicit).
    filters: SearchFilters = field(default_factory=SearchFilters)
    topics: tuple[str, ...] = ()  # the mention has any of these topics (active taxonomy)
    entities: tuple[str, ...] = ()  # the mention names any of these entity ids
    # With entities: they must be its main subject. Breakdowns by entity then count main
    # subjects only, too.
    main_entity_only: bool = False
    include_noise: bool = False
    # The text contains, for every group, any of its spellings (a name no catalog knows or a
    # word of the question, read from the texts: see ask/names.py); each casing is listed.
    text_any: tuple[tuple[str, ...], ...] = ()

    def __post_init__(self) -> None:
        # Callers (the planner, JSON) hand lists; tuples keep the scope hashable and frozen.
        object.__setattr__(self, "topics", tuple(self.topics))
        object.__setattr__(self, "entities", tuple(self.entities))
        object.__setattr__(self, "text_any", tuple(tuple(g) for g in self.text_any))


class Period(Protocol):
    """Anything with a UTC ``start`` (inclusive) and ``end`` (exclusive), such as
    ``ask.timewindows.Window``."""

    @property
    def start(self) -> datetime: ...

    @property
    def end(self) -> datetime: ...


@dataclass(frozen=True)
class Window:
    start: datetime  # inclusive, tz-aware
    end: datetime  # exclusive, tz-aware


def checked(period: Period) -> Window:
    """The period as a UTC Window; naive or empty periods are caller errors."""
    start, end = period.start, period.end
    if start.tzinfo is None or end.tzinfo is None:
        raise HarkError(ErrorCode.VALIDATION, "analytics windows need timezone-aware times")
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if start >= end:
        raise HarkError(ErrorCode.VALIDATION, f"window start {start} is not before its end {end}")
    return Window(start, end)


def days(window: Period) -> float:
    """Length in days (fractional): the unit of every per-day rate."""
    return (window.end - window.start).total_seconds() / SECONDS_PER_DAY


def midnight(day: date, tz: tzinfo = UTC) -> datetime:
    """The first instant of a calendar day in ``tz``, as UTC: where day, week and month
    buckets begin. Across a DST change a day is 23 or 25 hours long; where a zone skips
    midnight itself, the day begins at the first local time it has."""
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)
