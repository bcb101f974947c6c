"""Time zones in reading questions and cutting calendar days: "22 February" is the brand
manager's 22 February, a DST day is 23 or 25 hours, and a question may name its own zone.

Counting in SQL by local day is tested on real SQLite and PostgreSQL in
tests/integration/test_time_zones_api.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from analytics.counts import bucket_start, next_bucket
from analytics.scope import midnight
from ask.timewindows import MAX_PERIODS, Window, read_time
from hark.settings import Settings, canonical_timezone
from store.analytics import utc_offsets

LA = ZoneInfo("America/Los_Angeles")
BERLIN = ZoneInfo("Europe/Berlin")
TEHRAN = ZoneInfo("Asia/Tehran")
REF = datetime(2015, 2, 24, 11, 0, tzinfo=UTC)  # the airline dataset's last day
SUMMER = datetime(2015, 8, 20, 12, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def spans(windows: list[Window]) -> list[tuple[datetime, datetime]]:
    return [(w.start, w.end) for w in windows]


# --- calendar periods begin at local midnights ---


def test_a_day_is_the_local_day_as_utc_instants() -> None:
    window = read_time("22 February", REF, tz=LA).window
    assert window is not None
    assert (window.start, window.end) == (at("2015-02-22T08:00"), at("2015-02-23T08:00"))
    assert window.start.tzinfo is UTC
    # A tweet posted at 05:00 UTC on the 22nd was written on the 21st in Los Angeles.
    assert not window.start <= at("2015-02-22T05:00") < window.end
    yesterday = read_time("yesterday", REF, tz=LA).window
    assert yesterday is not None and yesterday.start == at("2015-02-23T08:00")


def test_the_reference_day_is_taken_in_the_zone() -> None:
    # 03:00 UTC on the 24th is still the 23rd in Los Angeles: "today" is the 23rd there.
    early = at("2015-02-24T03:00")
    today = read_time("today", early, tz=LA).window
    assert today is not None and today.start == at("2015-02-23T08:00")


def test_weeks_and_months_across_dst_are_local() -> None:
    ref = at("2015-04-02T12:00")
    last_week = read_time("last week", ref, tz=BERLIN).window
    assert last_week is not None
    # Monday 23 March 00:00 CET to Monday 30 March 00:00 CEST: one hour short of 7 days.
    assert (last_week.start, last_week.end) == (at("2015-03-22T23:00"), at("2015-03-29T22:00"))
    assert last_week.end - last_week.start == timedelta(days=7, hours=-1)
    march = read_time("in March", ref, tz=BERLIN).window
    assert march is not None and (march.start, march.end) == (
        at("2015-02-28T23:00"),
        at("2015-03-31T22:00"),
    )


def test_a_half_hour_zone_is_exact() -> None:
    window = read_time("February 10", REF, tz=TEHRAN).window  # +03:30 in February 2015
    assert window is not None
    assert (window.start, window.end) == (at("2015-02-09T20:30"), at("2015-02-10T20:30"))


def test_the_default_stays_utc() -> None:
    window = read_time("22 February", REF).window
    assert window is not None and window.start == at("2015-02-22T00:00")
    assert read_time("22 February", REF).tz is None


# --- a question may name its zone ---


@pytest.mark.parametrize(
    ("question", "zone"),
    [
        ("mentions on 22 February in Almaty time", "Asia/Almaty"),
        ("what happened on 22 February (Almaty time)", "Asia/Almaty"),
        ("жалобы 22 февраля по московскому времени", "Europe/Moscow"),
        ("жалобы 22 февраля по МСК", "Europe/Moscow"),
        ("tweets on Feb 22 PST", "America/Los_Angeles"),
        ("tweets on Feb 22, Pacific time", "America/Los_Angeles"),
        ("tweets on Feb 22 in Lisbon time", "Europe/Lisbon"),
        ("tweets on Feb 22 in New York time", "America/New_York"),
        ("22 лютого за київським часом", "Europe/Kyiv"),
        ("22 February UTC", "UTC"),
    ],
)
def test_a_question_names_its_zone(question: str, zone: str) -> None:
    reading = read_time(question, REF, tz=LA)
    assert reading.tz is not None and str(reading.tz) == zone
    assert reading.window is not None
    start = datetime(2015, 2, 22, tzinfo=ZoneInfo(zone)).astimezone(UTC)
    assert reading.window.start == start
    # The zone's words are read as time: stripping what matched leaves no zone behind.
    stripped = question
    for part in reading.matched:
        stripped = stripped.replace(part, " ")
    assert "time" not in stripped and "времени" not in stripped and "PST" not in stripped


def test_a_fixed_offset_in_the_question() -> None:
    reading = read_time("February 22 UTC+5:30", REF, tz=LA)
    assert reading.tz == timezone(timedelta(hours=5, minutes=30))
    assert reading.window is not None and reading.window.start == at("2015-02-21T18:30")
    minus = read_time("February 22 GMT-8", REF).window
    assert minus is not None and minus.start == at("2015-02-22T08:00")


@pytest.mark.parametrize(
    "question",
    [
        "what is the best airline? est. 1926",  # lower-case abbreviations are words
        "complaints around Christmas time",
        "was the flight on time yesterday",
        "for the first time in February",
    ],
)
def test_words_that_only_look_like_zones(question: str) -> None:
    assert read_time(question, REF, tz=LA).tz is None


# --- periods to set side by side ---


def test_from_june_to_july_gives_two_periods() -> None:
    reading = read_time("complaints from June to July", SUMMER, tz=LA)
    assert [p.label for p in reading.periods] == ["June 2015", "July 2015"]
    june, july = reading.periods
    assert june.start == at("2015-06-01T07:00") and june.end == july.start
    assert july.end == at("2015-08-01T07:00")
    assert reading.window is not None
    assert (reading.window.start, reading.window.end) == (june.start, july.end)  # their union
    assert reading.baseline is None


@pytest.mark.parametrize(
    ("question", "labels"),
    [
        ("from June to August", ["June 2015", "July 2015", "August 2015"]),
        ("с июня по август", ["June 2015", "July 2015", "August 2015"]),
        ("June and August", ["June 2015", "August 2015"]),
        ("between June and August", ["June 2015", "July 2015", "August 2015"]),
        ("Q1 to Q2 2015", ["Q1 2015", "Q2 2015"]),
        ("June vs July", ["June 2015", "July 2015"]),
        ("July compared with June", ["June 2015", "July 2015"]),
        ("Feb 20 to Feb 22", []),  # a range of days is one period
        ("in July", []),
        ("since June", []),
    ],
)
def test_periods(question: str, labels: list[str]) -> None:
    assert [p.label for p in read_time(question, SUMMER).periods] == labels


def test_a_comparison_keeps_its_window_and_baseline() -> None:
    reading = read_time("June vs July", SUMMER, tz=LA)
    assert reading.window is not None and reading.window.label == "June 2015"
    assert reading.baseline is not None and reading.baseline.label == "July 2015"
    assert spans(reading.periods) == [
        (reading.window.start, reading.window.end),
        (reading.baseline.start, reading.baseline.end),
    ]


def test_each_week_of_july_is_the_iso_weeks_cut_to_july() -> None:
    reading = read_time("negative mentions each week of July", SUMMER, tz=LA)
    assert reading.granularity == "week"
    days = [(p.start.astimezone(LA).date(), p.end.astimezone(LA).date()) for p in reading.periods]
    assert days == [
        (date(2015, 7, 1), date(2015, 7, 6)),  # Wednesday to Monday: cut to July
        (date(2015, 7, 6), date(2015, 7, 13)),
        (date(2015, 7, 13), date(2015, 7, 20)),
        (date(2015, 7, 20), date(2015, 7, 27)),
        (date(2015, 7, 27), date(2015, 8, 1)),
    ]
    assert all(p.start.astimezone(LA).hour == 0 for p in reading.periods)
    assert "each week" in reading.matched


@pytest.mark.parametrize(
    ("question", "unit", "n"),
    [
        ("complaints by month from January to March", "month", 3),
        ("по неделям в июле", "week", 5),
        ("daily counts last week", "day", 7),
        ("complaints by month", "month", 0),  # no window: a unit for the series, no periods
        ("daily counts since 2010", "day", 0),  # more than MAX_PERIODS: a series instead
    ],
)
def test_granularity(question: str, unit: str, n: int) -> None:
    reading = read_time(question, SUMMER)
    assert reading.granularity == unit
    assert len(reading.periods) == n <= MAX_PERIODS


# --- buckets and offsets ---


def test_midnight_is_local_and_dst_days_are_short_or_long() -> None:
    assert midnight(date(2015, 2, 22)) == at("2015-02-22T00:00")
    assert midnight(date(2015, 2, 22), LA) == at("2015-02-22T08:00")
    spring = midnight(date(2015, 3, 30), BERLIN) - midnight(date(2015, 3, 29), BERLIN)
    autumn = midnight(date(2015, 10, 26), BERLIN) - midnight(date(2015, 10, 25), BERLIN)
    assert (spring, autumn) == (timedelta(hours=23), timedelta(hours=25))
    # Santiago skipped its midnight (00:00 -> 01:00): the day begins at 01:00 local.
    santiago = ZoneInfo("America/Santiago")
    assert midnight(date(2016, 8, 14), santiago).astimezone(santiago).hour == 1


def test_bucket_starts() -> None:
    day = date(2015, 7, 16)  # a Thursday
    assert bucket_start(day, "day") == day
    assert bucket_start(day, "week") == date(2015, 7, 13)
    assert bucket_start(day, "month") == date(2015, 7, 1)
    assert next_bucket(date(2015, 12, 1), "month") == date(2016, 1, 1)
    assert next_bucket(date(2015, 7, 13), "week") == date(2015, 7, 20)


def test_utc_offsets_find_every_change_to_the_second() -> None:
    got = utc_offsets(BERLIN, at("2015-01-01T00:00"), at("2016-01-01T00:00"))
    assert got == (
        (at("2015-01-01T00:00"), timedelta(hours=1)),
        (at("2015-03-29T01:00"), timedelta(hours=2)),
        (at("2015-10-25T01:00"), timedelta(hours=1)),
    )
    assert utc_offsets(UTC, at("1900-01-01T00:00"), at("2200-01-01T00:00")) == (
        (at("1900-01-01T00:00"), timedelta(0)),
    )
    # Tehran in 2015: +03:30, and +04:30 from 22 March to 22 September.
    tehran = utc_offsets(TEHRAN, at("2015-01-01T00:00"), at("2016-01-01T00:00"))
    assert [o for _, o in tehran] == [timedelta(hours=h, minutes=30) for h in (3, 4, 3)]


# --- the setting ---


def test_the_timezone_setting_is_validated() -> None:
    assert Settings(_env_file=None).timezone == "UTC"
    settings = Settings(_env_file=None, timezone="america/los_angeles")
    assert settings.timezone == "America/Los_Angeles" and settings.zone() == LA
    with pytest.raises(ValidationError, match="unknown time zone 'Mars/Olympus'"):
        Settings(_env_file=None, timezone="Mars/Olympus")


@pytest.mark.parametrize("name", ["", "America", "../etc/passwd", "localtime", "x" * 300])
def test_only_tz_database_keys_are_zones(name: str) -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        canonical_timezone(name)
