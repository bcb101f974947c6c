"""Reads the period a question asks about, and the period it compares with, as UTC windows.

Rules first, in code: calendar words ("last week", "в феврале", "өткен аптада"), rolling
windows ("last 7 days"), dates and date ranges in the eight languages. dateparser is only a
narrow fallback for a month name with a day number in an order the rules do not know.

Semantics (the planner and the docs rely on these):
- "last week" / "на прошлой неделе" is the previous ISO week (Monday to Sunday); "this week"
  is the whole current ISO week; "last month", "this year", "Q1" are calendar periods too.
- "last 7 days", "past week", "за последнюю неделю", "the last week" are rolling: N days
  ending at the end of the reference day, the reference day included. "recently" is
  RECENT_DAYS (7) rolling days; "most recent" is an ordering, not a period.
- A month, day or quarter without a year is the latest one that starts on or before the
  reference day ("March" read on 2015-02-24 is March 2014). In a range, a later year-less part
  takes whichever year keeps the range shortest ("Feb 17 to Feb 26" stays in 2015, "Dec 20 to
  Jan 5" crosses the new year), and an earlier one follows a later part's stated year. A
  year-less baseline follows the window's stated year ("February 2014 vs January").
- Several periods on one side of a comparison are read as one: the span from the earliest
  start to the latest end ("Feb 17 to Feb 20", "January and February").
- "since X" / "с X" runs from X to the end of the reference day.
- Ambiguous month words ("may", "march", "jan", Persian "می", Kazakh "қазан") and bare years
  count only next to a time preposition, a comparison word, a day or a year.
- A baseline stated with no window ("vs last week") makes the window the time after the
  baseline up to the end of the reference day ("this week so far").

Time zones: calendar periods begin and end at local midnights of the zone `read_time` is given
(the workspace's), returned as UTC instants: "22 February" in Los Angeles is 08:00 UTC on the
22nd to 08:00 UTC on the 23rd. A question that names its own zone ("in Almaty time",
"по московскому времени", "UTC", "PST", "UTC+5") is read in that zone instead, and says so
in `TimeReading.tz`.

Periods to set side by side (`TimeReading.periods`, in time order): the units of a range of
whole weeks, months, quarters or years ("from June to August" is June, July and August;
"June and August" just those two), both sides of a stated comparison ("June vs July"), or the
window cut into days, weeks or months when the question asks for them ("each week of July"
is the ISO weeks of July cut to July; `TimeReading.granularity` is then "week"). `window`
stays what it is without them (a range's union, a comparison's first side).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from itertools import pairwise
from zoneinfo import ZoneInfo

from ask import time_lexicon as lx
from hark.text import fold_keeping_offsets


@dataclass(frozen=True)
class Window:
    start: datetime  # inclusive, tz-aware UTC
    end: datetime  # exclusive, tz-aware UTC
    label: str  # how it was read, e.g. "last 7 days (2015-02-18 – 2015-02-24)"


Unit = lx.Unit
# More periods than this are a series, not a list to set side by side: `periods` stays empty
# (the planner asks `analytics.series` with `granularity` instead).
MAX_PERIODS = 62


@dataclass(frozen=True)
class TimeReading:
    window: Window | None
    baseline: Window | None
    matched: list[str]
    # The zone the question named ("in Almaty time"), in which all of the above were read;
    # None: the zone read_time was given.
    tz: tzinfo | None = None
    # Calendar periods to set side by side, in time order (see the module docstring); empty
    # when the question names one period.
    periods: list[Window] = field(default_factory=list)
    # "each week", "by month", "по дням": the unit the question wants its window cut into.
    granularity: Unit | None = None


@dataclass(frozen=True)
class _Atom:
    """One time expression: either fixed dates, or a month/day/quarter awaiting a year."""

    start: int
    end: int
    fixed: tuple[date, date, str] | None = None  # start, exclusive end, label
    month: int = 0
    day: int = 0
    day2: int = 0
    quarter: int = 0
    year: int | None = None
    lang: str = "en"


def _span(a: _Atom, year: int) -> tuple[date, date] | None:
    try:
        if a.quarter:
            first = date(year, 3 * a.quarter - 2, 1)
            return first, lx.add_months(first, 3)
        if not a.day:
            return date(year, a.month, 1), lx.add_months(date(year, a.month, 1), 1)
        last = date(year, a.month, a.day2 or a.day)
        return date(year, a.month, a.day), last + timedelta(days=1)
    except ValueError:  # 31 April, or 29 February in a common year
        return None


def _known(a: _Atom) -> tuple[date, date, str] | None:
    """Its dates when they do not depend on a neighbour: relative, or with a stated year."""
    if a.fixed or a.year is None:
        return a.fixed
    got = _span(a, a.year)
    return None if got is None else (*got, lx.period_name(*got))


def _nearest(a: _Atom, anchor: date, *, before: bool) -> tuple[date, date, str]:
    """The latest occurrence starting on or before `anchor`, or the earliest on or after it."""
    for k in range(9):  # 29 February can be eight years away
        got = _span(a, anchor.year - k if before else anchor.year + k)
        if got and (got[0] <= anchor if before else got[0] >= anchor):
            return (*got, lx.period_name(*got))
    raise ValueError(a)  # unreachable: every day-month pair occurs within eight years


def _has_context(text: str, start: int, end: int) -> bool:
    return bool(lx.CONTEXT.search(text, max(0, start - 24), start) or lx.FOLLOW.match(text, end))


def _atom(kind: str, m: re.Match[str], text: str, ref: date) -> _Atom | None:
    s, e, g = m.start(), m.end(), m.groupdict()
    if kind in ("ymd", "mdy"):
        y, mo, d = int(g["y"]), int(g["m"]), int(g["d"])
        mo, d = (d, mo) if kind == "mdy" and mo > 12 else (mo, d)
        a = _Atom(s, e, month=mo, day=d, year=y)
        return a if _span(a, y) else None
    if kind == "md":
        word = g.get("m") or g["m2"]
        month, lang = lx.month_of(word)
        year = g.get("y") or g.get("y2")
        day, day2 = int(g.get("d") or 0), int(g.get("d2") or 0)
        if not day and not year and lx.AMBIGUOUS.fullmatch(word) and not _has_context(text, s, e):
            return None
        a = _Atom(
            s, e, month=month, day=day, day2=day2, year=int(year) if year else None, lang=lang
        )
        ok = day2 == 0 or day2 > day
        return a if ok and _span(a, a.year or 2000) else None  # 2000: a leap year
    if kind == "q":
        return _Atom(s, e, quarter=int(g["q"]), year=int(g["y"]) if g.get("y") else None)
    if kind == "year":
        y = int(g["y"])
        if e - s == 4 and not _has_context(text, s, e):
            return None  # a bare number like a flight or a count
        return _Atom(s, e, fixed=(date(y, 1, 1), date(y + 1, 1, 1), str(y)), year=y)
    return _Atom(s, e, fixed=lx.relative(kind, m, ref))


def _find_atoms(question: str, text: str, ref: date) -> list[_Atom]:
    found = [
        a
        for kind, pattern in lx.PATTERNS
        for m in pattern.finditer(text)
        if (a := _atom(kind, m, text, ref))
    ]
    chosen: list[_Atom] = []
    for a in sorted(found, key=lambda a: (a.start - a.end, a.start)):  # longest first
        if all(a.end <= b.start or a.start >= b.end for b in chosen):
            chosen.append(a)
    chosen.sort(key=lambda a: a.start)
    for i, a in enumerate(chosen):
        if a.month and not a.day and a.year is None:
            wider = _fallback(question, text, a, ref)
            after = chosen[i + 1].start if i + 1 < len(chosen) else len(text)
            if (i == 0 or chosen[i - 1].end <= wider.start) and wider.end <= after:
                chosen[i] = wider
    return chosen


_LEFT = re.compile(r"(?<!\w)\d{1,2}\w{0,3}(?:[\s,]+(?:the|day|of|числа|число))*[\s,]+$")
# A bare number after a month is too often a count ("in February, 22 flights"): want "the"
# or an ordinal ending.
_RIGHT = re.compile(
    r"[\s,]+(?:the[\s,]+\d{1,2}(?:st|nd|rd|th)?|\d{1,2}(?:st|nd|rd|th|-?го|-?е))"
    r"(?:[\s,]+(?:19|20)\d\d)?(?!\w)"
)


def _fallback(question: str, text: str, a: _Atom, ref: date) -> _Atom:
    """A month name with a day number in an order the rules do not read ("the 22nd day of
    February", "February, the 22nd"): ask dateparser about that substring only."""
    left = _LEFT.search(text, max(0, a.start - 24), a.start)
    right = _RIGHT.match(text, a.end)
    if not (left or right):
        return a
    s, e = left.start() if left else a.start, right.end() if right else a.end
    import dateparser  # here: importing it costs ~0.2 s and most questions never need it

    base = datetime(ref.year, ref.month, ref.day)
    settings = {"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past", "REQUIRE_PARTS": ["day"]}
    got = dateparser.parse(question[s:e], languages=[a.lang], settings=settings)
    numbers = [int(n) for n in re.findall(r"\d+", text[s:e])]
    if got is None or got.month != a.month or got.day not in numbers:
        return a  # dateparser read something else than the words we showed it
    return replace(a, start=s, end=e, day=got.day, year=got.year if got.year in numbers else a.year)


def _joined(text: str, a: _Atom, b: _Atom) -> bool:
    gap = text[a.end : b.start]
    return bool(gap.strip()) and bool(lx.CONNECTOR.fullmatch(gap))


def _split(text: str, atoms: list[_Atom]) -> tuple[list[_Atom], list[_Atom], tuple[int, int]]:
    """Window atoms, baseline atoms, and the span of the comparison words (or (0, 0))."""
    for m in lx.COMPARE_PRE.finditer(text):
        after = [a for a in atoms if a.start >= m.end()]
        if after and lx.COMPARE_GAP.fullmatch(text, m.end(), after[0].start):
            # The baseline is the run of periods joined to the marker ("vs Feb 20 and 21");
            # a period after it is the window again ("по сравнению с X в этом месяце").
            n = 1
            while n < len(after) and _joined(text, after[n - 1], after[n]):
                n += 1
            return [a for a in atoms if a not in after[:n]], after[:n], m.span()
    for m in lx.COMPARE_POST.finditer(text):
        before = [a for a in atoms if a.end <= m.start()]
        if before and not text[before[-1].end : m.start()].strip():
            return [a for a in atoms if a is not before[-1]], [before[-1]], m.span()
    verb = lx.COMPARE_VERB.search(text)
    if verb and atoms and verb.end() <= atoms[0].start:
        for i, (a, b) in enumerate(pairwise(atoms)):
            if lx.COMPARE_JOIN.fullmatch(text, a.end, b.start):
                return atoms[: i + 1], atoms[i + 1 :], (a.end, b.start)
    return atoms, [], (0, 0)


def _since(text: str, a: _Atom, marker: tuple[int, int], nxt: _Atom | None) -> bool:
    """'since March', 'с марта', 'наурыздан бастап', 'მარტიდან': up to the reference day."""
    if a.day2 or (nxt and lx.CONNECTOR.fullmatch(text, a.end, nxt.start)):
        return False
    if marker[1] and marker[1] <= a.start and not text[marker[1] : a.start].strip():
        return False  # the "с" of "по сравнению с", not "since"
    before = lx.SINCE_BEFORE.search(text, max(0, a.start - 24), a.start)
    return bool(
        before or lx.SINCE_AFTER.match(text, a.end) or text[a.start : a.end].endswith("დან")
    )


def _spans(group: list[_Atom], limit: date) -> list[tuple[date, date, str]]:
    """The dates of each atom of one side, year-less ones placed by the rules above."""
    spans: list[tuple[date, date, str]] = []
    for i, a in enumerate(group):
        got = _known(a)
        if got is None and spans:
            # The reading that keeps the period shortest: "Feb 17 to Feb 26" read on Feb 24 is
            # one 2015 span, and "Feb 21 and Feb 20" does not run into 2016.
            first, last = spans[0][0], spans[-1][1]
            options = (_nearest(a, limit, before=True), _nearest(a, spans[-1][0], before=False))
            got = min(options, key=lambda o: max(o[1], last) - min(o[0], first))
        elif got is None:
            later = next((k for b in group[i + 1 :] if (k := _known(b))), None)
            got = _nearest(a, later[0] if later else limit, before=True)
        spans.append(got)
    return spans


def _any_since(text: str, group: list[_Atom], marker: tuple[int, int]) -> bool:
    nexts = [*group[1:], None]
    return any(_since(text, a, marker, b) for a, b in zip(group, nexts, strict=True))


def _read(
    text: str, group: list[_Atom], marker: tuple[int, int], ref: date, limit: date
) -> tuple[date, date, str] | None:
    """One side of a comparison as (start, end, label), or None when it has no atoms."""
    if not group:
        return None
    spans = _spans(group, limit)
    start, end = min(s[0] for s in spans), max(s[1] for s in spans)
    label = spans[0][2] if len(spans) == 1 else lx.days_label(start, end)
    if _any_since(text, group, marker):
        end = max(end, ref + timedelta(days=1))
        label = f"since {label.split(' (')[0]} ({lx.days_label(start, end)})"
    return start, end, label


def _previous(start: date, end: date) -> tuple[date, date, str]:
    """The period of equal length just before; whole months shift by whole months."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if start.day == 1 and end.day == 1:
        a = lx.add_months(start, -months)
    else:
        a = start - (end - start)
    return a, start, f"previous period ({lx.period_name(a, start)})"


def _matched(
    question: str,
    text: str,
    atoms: list[_Atom],
    marker: tuple[int, int],
    extra: list[tuple[int, int]],
) -> list[str]:
    spans = [marker] if marker != (0, 0) else []
    spans += extra
    for a in atoms:
        before = lx.PREPOSITION.search(text, max(0, a.start - 24), a.start)
        after = lx.SINCE_AFTER.match(text, a.end)
        spans.append((before.start() if before else a.start, after.end() if after else a.end))
    merged: list[list[int]] = []
    for s, e in sorted(spans):
        if merged and (s <= merged[-1][1] or lx.CONNECTOR.fullmatch(text, merged[-1][1], s)):
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [question[s:e].strip() for s, e in merged]


def read_time(
    question: str, reference: datetime, *, compare: bool = False, tz: tzinfo = UTC
) -> TimeReading:
    """Read the window a question asks about and the baseline it compares with.

    `reference` is "now" for relative words (naive means UTC); day boundaries are taken in
    `tz` (a zoneinfo or datetime.timezone, not pytz), or in the zone the question names. With
    `compare=True` and no stated baseline, the baseline is the period just before the window.
    """
    text = fold_keeping_offsets(question)
    named = _zone(question, text)
    unit = _granularity(text)
    zone = named[0] if named else tz
    taken = [found[1:] for found in (named, unit) if found]  # spans that are not periods
    aware = reference if reference.tzinfo else reference.replace(tzinfo=UTC)
    ref = aware.astimezone(zone).date()
    atoms = [
        a
        for a in _find_atoms(question, text, ref)
        if all(a.end <= s or a.start >= e for s, e in taken)
    ]
    win_atoms, base_atoms, marker = _split(text, atoms)
    window = _read(text, win_atoms, marker, ref, ref)
    explicit = any(a.year is not None for a in win_atoms)
    base_limit = window[0] if window and explicit else ref
    baseline = _read(text, base_atoms, marker, ref, base_limit)
    stated = baseline is not None
    if baseline is None:
        marker = (0, 0)
        if window and compare:
            baseline = _previous(window[0], window[1])
    elif window is None and baseline[1] <= ref:
        start, end = baseline[1], ref + timedelta(days=1)
        window = (start, end, f"after the baseline ({lx.days_label(start, end)})")

    periods: list[tuple[date, date, str]] = []
    if unit and window:
        periods = _cut(window[0], window[1], unit[0])
    elif stated and window and baseline and (window[1] <= baseline[0] or baseline[1] <= window[0]):
        periods = sorted([window, baseline])
    elif window and len(win_atoms) > 1 and not _any_since(text, win_atoms, marker):
        periods = _named_periods(text, win_atoms, _spans(win_atoms, ref))

    def utc(got: tuple[date, date, str] | None) -> Window | None:
        if got is None:
            return None
        a, b, label = got
        return Window(_utc(a, zone), _utc(b, zone), label)

    return TimeReading(
        utc(window),
        utc(baseline),
        _matched(question, text, atoms, marker, taken),
        tz=named[0] if named else None,
        periods=[w for p in periods if (w := utc(p))],
        granularity=unit[0] if unit else None,
    )


def _utc(d: date, tz: tzinfo) -> datetime:
    return datetime.combine(d, time(), tzinfo=tz).astimezone(UTC)


def _zone(question: str, text: str) -> tuple[tzinfo, int, int] | None:
    """The first time zone the question names, with its span."""
    found: list[tuple[int, int, tzinfo]] = []
    for key, pattern in lx.ZONE_PATTERNS:
        for m in pattern.finditer(text):
            word = question[m.start() : m.end()].split()[-1]
            if word.casefold() in lx.ZONE_ABBREVIATIONS and not word.isupper():
                continue
            found.append((m.start(), m.end(), ZoneInfo(key)))
    for m in lx.ZONE_OFFSET.finditer(text):
        minutes = int(m["h"]) * 60 + int(m["min"] or 0)
        if minutes <= 14 * 60:
            sign = -1 if m["sign"] in "-−" else 1
            found.append((m.start(), m.end(), timezone(sign * timedelta(minutes=minutes))))
    found += [
        (m.start(), m.end(), ZoneInfo(city))
        for m in lx.ZONE_CITY.finditer(text)
        if (city := lx.zone_of(m["city"]))
    ]
    if not found:
        return None
    # The earliest; of those starting together, the longest ("UTC+5" over "UTC").
    s, e, zone = min(found, key=lambda f: (f[0], f[0] - f[1]))
    return zone, s, e


def _granularity(text: str) -> tuple[Unit, int, int] | None:
    """The unit the question asks its window cut into ("each week", "по месяцам")."""
    found = [
        (m.start(), m.end(), unit) for unit, p in lx.GRANULARITY_PATTERNS for m in p.finditer(text)
    ]
    if not found:
        return None
    s, e, unit = min(found)
    return unit, s, e


_MONTHS_IN = {"month": 1, "quarter": 3, "year": 12}


def _unit_of(a: date, b: date) -> str | None:
    """Which whole calendar unit [a, b) is: "week", "month", "quarter", "year" or None."""
    if b - a == timedelta(days=7) and a.weekday() == 0:
        return "week"
    months = (b.year - a.year) * 12 + b.month - a.month
    if a.day == 1 and b.day == 1 and months in (1, 3, 12) and (a.month - 1) % months == 0:
        return {1: "month", 3: "quarter", 12: "year"}[months]
    return None


def _floor(d: date, unit: str) -> date:
    if unit == "week":
        return d - timedelta(days=d.weekday())
    if unit == "day":
        return d
    first = (d.month - 1) // _MONTHS_IN[unit] * _MONTHS_IN[unit] + 1
    return date(d.year, first, 1)


def _step(d: date, unit: str) -> date:
    if unit in ("day", "week"):
        return d + timedelta(days=7 if unit == "week" else 1)
    return lx.add_months(d, _MONTHS_IN[unit])


def _cut(start: date, end: date, unit: str) -> list[tuple[date, date, str]]:
    """[start, end) cut into calendar units, the first and last cut to it; none when there
    would be more than MAX_PERIODS."""
    out: list[tuple[date, date, str]] = []
    cursor = _floor(start, unit)
    while cursor < end:
        after = _step(cursor, unit)
        a, b = max(cursor, start), min(after, end)
        out.append((a, b, lx.period_name(a, b)))
        if len(out) > MAX_PERIODS:
            return []
        cursor = after
    return out


def _named_periods(
    text: str, group: list[_Atom], spans: list[tuple[date, date, str]]
) -> list[tuple[date, date, str]]:
    """The units of a range of whole weeks, months, quarters or years ("from June to
    August": three months), or the listed ones ("June and August": two); none otherwise."""
    units = {_unit_of(a, b) for a, b, _ in spans}
    if len(units) != 1 or None in units:
        return []
    unit = units.pop()
    assert unit is not None
    listed = all(lx.AND.fullmatch(text, x.end, y.start) for x, y in pairwise(group))
    if listed and not lx.BETWEEN.search(text, max(0, group[0].start - 24), group[0].start):
        return sorted(set(spans))
    return _cut(min(a for a, _, _ in spans), max(b for _, b, _ in spans), unit)
