"""Standard five-field cron expressions and their fire times in a time zone.

``minute hour day-of-month month day-of-week``, each field ``*``, a value, a range ``a-b``, a
step ``*/n``, ``a-b/n`` or ``a/n`` (from ``a`` to the field's end), or a comma list of those;
months and days of the week also by name (JAN-DEC, SUN-SAT; 0 and 7 are both Sunday). The
macros @yearly, @annually, @monthly, @weekly, @daily, @midnight and @hourly stand for their
usual expressions. As in Vixie cron, when both day fields are restricted a day matches
either of them (``0 9 1 * MON``: the 1st and every Monday); when one of them starts with
``*`` a day must match both.

Fire times are wall times in the schedule's zone. Across daylight-saving changes:

- a wall time the spring change skips (02:30 when clocks jump from 02:00 to 03:00) fires at
  the instant of the jump (03:00 new time) for expressions with fixed hours, so a daily
  brief is never lost; expressions whose hour field starts with ``*`` (every hour, every two
  hours) skip it, since their next hour comes anyway. Several skipped times fire once.
- a wall time the autumn change repeats (01:30 twice) fires once, at its first occurrence.

Written here rather than taken from croniter: it is small, and the DST rules above are ours
to state and test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

MAX_LENGTH = 128
# Rare expressions (29 February on a Monday) fire years apart; a search ends after this.
HORIZON_DAYS = 366 * 29
# More than any wall-clock change (daylight saving, or a zone changing its offset), so a
# backward search that starts this far past a wall time cannot miss a fire time.
WALL_MARGIN = timedelta(hours=26)

MONTH_NAMES = {
    name: n
    for n, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1
    )
}
DAY_NAMES = {name: n for n, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}
MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
# (name, lowest, highest, names)
_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, MONTH_NAMES),
    ("day of week", 0, 7, DAY_NAMES),
)
_DIGITS = re.compile(r"[0-9]{1,4}")
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # February as in leap years


class CronError(ValueError):
    """An expression that is not valid cron, with what is wrong in words."""


@dataclass(frozen=True)
class Cron:
    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool  # the day-of-month field starts with "*"
    any_weekday: bool  # the day-of-week field starts with "*"
    fixed_hours: bool  # the hour field does not start with "*"

    def matches_day(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        dom = day.day in self.days
        dow = day.isoweekday() % 7 in self.weekdays
        # Vixie cron: a "*" day field restricts nothing, so the other one decides alone.
        return (dom and dow) if self.any_day or self.any_weekday else (dom or dow)

    def next_after(self, after: datetime, tz: tzinfo) -> datetime | None:
        """The first fire time (UTC) strictly after ``after``; None if there is none within
        HORIZON_DAYS."""
        after = after.astimezone(UTC)
        # A wall time before ``after``'s own resolves to an instant at or before ``after``
        # (instants grow with wall times under the rules above), so the search starts there.
        start = after.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0)
        for wall in self._walls_forward(start):
            fire = self.instant(wall, tz)
            if fire is not None and fire > after:
                return fire
        return None

    def latest_between(self, after: datetime, until: datetime, tz: tzinfo) -> datetime | None:
        """The latest fire time ``t`` (UTC) with ``after < t <= until``, or None."""
        after, until = after.astimezone(UTC), until.astimezone(UTC)
        if until <= after:
            return None
        # Wall times past ``until``'s own can still be earlier instants (the first pass of an
        # hour the autumn change repeats), hence the margin.
        start = until.astimezone(tz).replace(tzinfo=None) + WALL_MARGIN
        floor = after.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0)
        for wall in self._walls_backward(start):
            if wall < floor:
                return None
            fire = self.instant(wall, tz)
            if fire is None or fire > until:
                continue
            return fire if fire > after else None
        return None

    def instant(self, wall: datetime, tz: tzinfo) -> datetime | None:
        """When the naive wall time ``wall`` fires in ``tz`` (UTC), by the DST rules above;
        None for a skipped wall time that this expression does not move."""
        first = wall.replace(tzinfo=tz)  # fold=0: the first of a repeated wall time
        utc = first.astimezone(UTC)
        if utc.astimezone(tz).replace(tzinfo=None) == wall:
            return utc
        return _gap_end(wall, tz) if self.fixed_hours else None

    def _walls_forward(self, start: datetime) -> Iterator[datetime]:
        times = self._times()
        day = start.date()
        for _ in range(HORIZON_DAYS):
            if self.matches_day(day):
                for at in times:
                    wall = datetime.combine(day, at)
                    if wall >= start:
                        yield wall
            day += timedelta(days=1)

    def _walls_backward(self, start: datetime) -> Iterator[datetime]:
        times = self._times()[::-1]
        day = start.date()
        for _ in range(HORIZON_DAYS):
            if self.matches_day(day):
                for at in times:
                    wall = datetime.combine(day, at)
                    if wall <= start:
                        yield wall
            day -= timedelta(days=1)

    def _times(self) -> list[time]:
        return [time(h, m) for h in sorted(self.hours) for m in sorted(self.minutes)]


def _gap_end(wall: datetime, tz: tzinfo) -> datetime:
    """The instant the clock jumped over the skipped wall time ``wall``: the first instant
    whose wall time is later than it (found by halving; transitions fall on whole seconds)."""
    lo = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)  # the offset after: before the jump
    hi = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)  # the offset before: after it
    if lo > hi:
        lo, hi = hi, lo
    step = timedelta(seconds=1)
    while hi - lo > step:
        mid = lo + (hi - lo) / 2
        mid = mid.replace(microsecond=0)
        if mid.astimezone(tz).replace(tzinfo=None) > wall:
            hi = mid
        else:
            lo = mid
    return hi


def parse(text: str) -> Cron:
    """The expression in ``text``; CronError says what is wrong."""
    if len(text) > MAX_LENGTH:
        raise CronError(f"a cron expression has at most {MAX_LENGTH} characters")
    source = text.strip()
    expanded = MACROS.get(source.lower(), source)
    if expanded.startswith("@"):
        raise CronError(f"unknown macro {source!r}; one of {', '.join(MACROS)}")
    parts = expanded.split()
    if len(parts) != 5:
        raise CronError(
            f"{source!r} has {len(parts)} fields; cron needs 5: minute hour day-of-month "
            "month day-of-week (e.g. '0 9 * * MON')"
        )
    values = [_field(part, *spec) for part, spec in zip(parts, _FIELDS, strict=True)]
    minutes, hours, days, months, weekdays = values
    cron = Cron(
        text=source,
        minutes=frozenset(minutes),
        hours=frozenset(hours),
        days=frozenset(days),
        months=frozenset(months),
        weekdays=frozenset(d % 7 for d in weekdays),
        any_day=parts[2].startswith("*"),
        any_weekday=parts[4].startswith("*"),
        fixed_hours=not parts[1].startswith("*"),
    )
    if cron.any_weekday and not any(
        d <= _MONTH_DAYS[m - 1] for m in cron.months for d in cron.days
    ):
        raise CronError(f"{source!r} never fires: no month in it has those days")
    return cron


def _field(text: str, name: str, low: int, high: int, names: dict[str, int]) -> set[int]:
    out: set[int] = set()
    for item in text.split(","):
        if not item:
            raise CronError(f"{name} field {text!r} has an empty list item")
        span, slash, step_text = item.partition("/")
        step = 1
        if slash:
            if not _DIGITS.fullmatch(step_text) or int(step_text) == 0:
                raise CronError(f"{name} field {text!r}: the step must be a positive number")
            step = int(step_text)
        if span == "*":
            first, last = low, high
        else:
            start_text, dash, end_text = span.partition("-")
            first = _value(start_text, name, low, high, names, text)
            # "a/n" runs from a to the field's end, as in Vixie cron.
            last = (
                _value(end_text, name, low, high, names, text)
                if dash
                else (high if slash else first)
            )
            if last < first:
                raise CronError(f"{name} field {text!r}: the range {span} runs backwards")
        out.update(range(first, last + 1, step))
    return out


def _value(text: str, name: str, low: int, high: int, names: dict[str, int], field: str) -> int:
    key = text.upper()
    if key in names:
        return names[key]
    if not _DIGITS.fullmatch(text):
        hint = f" or a name ({', '.join(names)})" if names else ""
        raise CronError(f"{name} field {field!r}: {text!r} is not a number{hint}")
    value = int(text)
    if not low <= value <= high:
        raise CronError(f"{name} field {field!r}: {value} is outside {low}-{high}")
    return value
