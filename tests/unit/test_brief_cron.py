"""Cron expressions: parsing, Vixie's day-of-month/day-of-week rule, fire times in a zone
(across daylight-saving changes), catch-up, and the period a scheduled brief covers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest

from briefs.cron import CronError, parse
from services.brief_schedules import schedule_window

LA = ZoneInfo("America/Los_Angeles")
BERLIN = ZoneInfo("Europe/Berlin")
ALMATY = ZoneInfo("Asia/Almaty")
MOSCOW = ZoneInfo("Europe/Moscow")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def fires(expr: str, tz: tzinfo, after: datetime, count: int) -> list[datetime]:
    cron, out = parse(expr), []
    for _ in range(count):
        nxt = cron.next_after(after, tz)
        assert nxt is not None
        out.append(nxt)
        after = nxt
    return out


@pytest.mark.parametrize(
    ("expr", "field", "values"),
    [
        ("*/15 * * * *", "minutes", {0, 15, 30, 45}),
        ("5,10-12 * * * *", "minutes", {5, 10, 11, 12}),
        ("50/5 * * * *", "minutes", {50, 55}),
        ("0 9-17/4 * * *", "hours", {9, 13, 17}),
        ("0 0 * JAN,jul-AUG *", "months", {1, 7, 8}),
        ("0 0 * * MON-FRI", "weekdays", {1, 2, 3, 4, 5}),
        ("0 0 * * 5-7", "weekdays", {5, 6, 0}),
        ("0 0 * * 7", "weekdays", {0}),
        ("@weekly", "weekdays", {0}),
        ("@hourly", "minutes", {0}),
    ],
)
def test_fields(expr: str, field: str, values: set[int]) -> None:
    assert getattr(parse(expr), field) == values


@pytest.mark.parametrize(
    ("expr", "words"),
    [
        ("", "has 0 fields"),
        ("0 9 * *", "has 4 fields"),
        ("0 9 * * * *", "has 6 fields"),
        ("60 * * * *", "60 is outside 0-59"),
        ("0 24 * * *", "24 is outside 0-23"),
        ("0 0 0 * *", "0 is outside 1-31"),
        ("0 0 * 13 *", "13 is outside 1-12"),
        ("0 0 * * 8", "8 is outside 0-7"),
        ("0 0 * * FUN", "is not a number or a name"),
        ("0 0 * FOO *", "is not a number or a name"),
        ("a * * * *", "is not a number"),
        ("-1 * * * *", "is not a number"),
        ("30-10 * * * *", "runs backwards"),
        ("*/0 * * * *", "the step must be a positive number"),
        ("1,,2 * * * *", "empty list item"),
        ("0 0 30 FEB *", "never fires"),
        ("0 0 31 4,6,9,11 *", "never fires"),
        ("@fortnightly", "unknown macro"),
        ("0 0 * * *" + " " * 200, "at most 128 characters"),
    ],
)
def test_bad_expressions_say_what_is_wrong(expr: str, words: str) -> None:
    with pytest.raises(CronError) as got:
        parse(expr)
    assert words in str(got.value)


def test_both_day_fields_restricted_means_either() -> None:
    # Vixie cron: the 1st of the month OR any Monday.
    got = fires("0 9 1 * MON", UTC, utc(2015, 2, 20), 4)
    assert [d.date().isoformat() for d in got] == [
        "2015-02-23",
        "2015-03-01",
        "2015-03-02",
        "2015-03-09",
    ]
    # A day field starting with "*" restricts nothing: odd days that are Mondays.
    got = fires("0 9 */2 * MON", UTC, utc(2015, 2, 1), 3)
    assert all(d.weekday() == 0 and d.day % 2 == 1 for d in got)


def test_weekly_monday_nine_in_almaty_and_los_angeles() -> None:
    # Almaty was UTC+6 in 2015; Los Angeles is UTC-8 in February.
    assert fires("0 9 * * MON", ALMATY, utc(2015, 2, 20), 2) == [
        utc(2015, 2, 23, 3),
        utc(2015, 3, 2, 3),
    ]
    assert fires("0 9 * * MON", LA, utc(2015, 2, 20), 1) == [utc(2015, 2, 23, 17)]
    # After the spring change (8 March 2015) Monday 09:00 is 16:00 UTC.
    assert fires("0 9 * * MON", LA, utc(2015, 3, 3), 1) == [utc(2015, 3, 9, 16)]


def test_spring_forward_moves_a_skipped_fixed_time_to_the_jump() -> None:
    # 10 March 2024, Los Angeles: 02:00 PST jumps to 03:00 PDT (10:00 UTC).
    got = fires("30 2 * * *", LA, utc(2024, 3, 9, 12), 3)
    assert got == [utc(2024, 3, 10, 10), utc(2024, 3, 11, 9, 30), utc(2024, 3, 12, 9, 30)]
    # Several skipped times fire once; the jump's own minute, if it matches, is the same fire.
    assert fires("0,30 2-3 * * *", LA, utc(2024, 3, 10, 9), 3) == [
        utc(2024, 3, 10, 10),
        utc(2024, 3, 10, 10, 30),
        utc(2024, 3, 11, 9),
    ]


def test_spring_forward_skips_the_missing_hour_of_an_hourly_schedule() -> None:
    # 31 March 2024, Berlin: 02:00 CET jumps to 03:00 CEST (01:00 UTC); 02:30 never is.
    got = fires("30 * * * *", BERLIN, utc(2024, 3, 30, 23, 45), 3)
    assert got == [utc(2024, 3, 31, 0, 30), utc(2024, 3, 31, 1, 30), utc(2024, 3, 31, 2, 30)]
    assert [d.astimezone(BERLIN).hour for d in got] == [1, 3, 4]


def test_fall_back_fires_a_repeated_time_once() -> None:
    # 27 October 2024, Berlin: 03:00 CEST goes back to 02:00 CET; 02:30 happens twice.
    assert fires("30 2 * * *", BERLIN, utc(2024, 10, 26, 12), 2) == [
        utc(2024, 10, 27, 0, 30),
        utc(2024, 10, 28, 1, 30),
    ]
    hourly = fires("30 * * * *", BERLIN, utc(2024, 10, 26, 23), 4)
    assert hourly == [
        utc(2024, 10, 26, 23, 30),  # 01:30 CEST
        utc(2024, 10, 27, 0, 30),  # 02:30 CEST, the first pass
        utc(2024, 10, 27, 2, 30),  # 03:30 CET (02:30 CET, the second pass, is skipped)
        utc(2024, 10, 27, 3, 30),
    ]
    # 3 November 2024, Los Angeles: 01:30 PDT then 01:30 PST; a daily 01:30 fires once.
    assert fires("30 1 * * *", LA, utc(2024, 11, 2, 12), 2) == [
        utc(2024, 11, 3, 8, 30),
        utc(2024, 11, 4, 9, 30),
    ]
    # Asked from inside the second pass, the next fire is the next day's.
    assert parse("30 1 * * *").next_after(utc(2024, 11, 3, 9, 45), LA) == utc(2024, 11, 4, 9, 30)


def test_latest_between_is_the_one_fire_time_to_catch_up() -> None:
    weekly = parse("0 9 * * MON")
    # Down from 20 January to 24 February: four Mondays passed, only the last one runs.
    assert weekly.latest_between(utc(2015, 1, 20), utc(2015, 2, 24), LA) == utc(2015, 2, 23, 17)
    assert weekly.latest_between(utc(2015, 2, 23, 17), utc(2015, 2, 24), LA) is None
    assert weekly.latest_between(utc(2015, 2, 20), utc(2015, 2, 23, 16, 59), LA) is None
    assert weekly.latest_between(utc(2015, 2, 20), utc(2015, 2, 23, 17), LA) == utc(2015, 2, 23, 17)
    # Inside the repeated hour, the first 01:30 has passed already.
    daily = parse("30 1 * * *")
    assert daily.latest_between(utc(2024, 11, 2), utc(2024, 11, 3, 9, 40), LA) == utc(
        2024, 11, 3, 8, 30
    )
    assert daily.latest_between(utc(2024, 3, 9, 12), utc(2024, 3, 10, 9, 29), LA) is None
    assert parse("30 2 * * *").latest_between(utc(2024, 3, 9, 12), utc(2024, 3, 10, 10), LA) == utc(
        2024, 3, 10, 10
    )


def test_rare_expressions_are_found_years_ahead() -> None:
    assert parse("0 0 29 2 *").next_after(utc(2025, 1, 1), UTC) == utc(2028, 2, 29)
    # Both day fields restricted: 29 February or any Monday of February.
    assert parse("0 0 29 2 MON").next_after(utc(2025, 1, 1), UTC) == utc(2025, 2, 3)


@pytest.mark.parametrize(
    ("period", "fire", "first", "last"),
    [
        # Monday 09:00 in Moscow: the Monday-to-Sunday week just ended there.
        ("week", datetime(2015, 2, 23, 9, tzinfo=MOSCOW), "2015-02-16", "2015-02-22"),
        # On a Sunday the week is not over: the one before.
        ("week", datetime(2015, 3, 1, 23, tzinfo=MOSCOW), "2015-02-16", "2015-02-22"),
        ("day", datetime(2015, 2, 23, 0, 5, tzinfo=MOSCOW), "2015-02-22", "2015-02-22"),
        ("3d", datetime(2015, 2, 23, 9, tzinfo=MOSCOW), "2015-02-20", "2015-02-22"),
    ],
)
def test_a_scheduled_brief_covers_whole_days_before_its_fire_time(
    period: str, fire: datetime, first: str, last: str
) -> None:
    window = schedule_window(period, fire.astimezone(UTC), MOSCOW)
    start, end = window.start.astimezone(MOSCOW), window.end.astimezone(MOSCOW)
    assert (start.hour, start.minute, end.hour, end.minute) == (0, 0, 0, 0)
    assert start.date().isoformat() == first
    assert (end - timedelta(days=1)).date().isoformat() == last
    assert window.end <= fire
