"""Time windows read from questions, in each of Hark's languages, against a fixed "now".

The reference is Tuesday 2015-02-24 11:00 UTC (the airline dataset's last day), so "last week"
is Mon 16 – Sun 22 February and "this week" Mon 23 February – Sun 1 March.
"""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from ask.time_lexicon import RECENT_DAYS
from ask.timewindows import TimeReading, Window, read_time

REF = datetime(2015, 2, 24, 11, 0, tzinfo=UTC)


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def span(reading: Window | None) -> tuple[str, str] | None:
    """(first day, last day) inclusive, which reads better in a table than exclusive ends."""
    if reading is None:
        return None
    return reading.start.date().isoformat(), (reading.end - timedelta(days=1)).date().isoformat()


LAST_WEEK = ("2015-02-16", "2015-02-22")
THIS_WEEK = ("2015-02-23", "2015-03-01")
LAST_7 = ("2015-02-18", "2015-02-24")
TODAY = ("2015-02-24", "2015-02-24")
YESTERDAY = ("2015-02-23", "2015-02-23")
FEB = ("2015-02-01", "2015-02-28")
JAN = ("2015-01-01", "2015-01-31")
FEB_22 = ("2015-02-22", "2015-02-22")
FEB_17_20 = ("2015-02-17", "2015-02-20")
SINCE_MARCH = ("2014-03-01", "2015-02-24")

WINDOWS = {
    "en": [
        ("What did people say today?", TODAY),
        ("complaints yesterday", YESTERDAY),
        ("delays the day before yesterday", ("2015-02-22", "2015-02-22")),
        ("How was last week?", LAST_WEEK),
        ("anything this week", THIS_WEEK),
        ("in the last 7 days", LAST_7),
        ("over the past week", LAST_7),
        ("past two weeks", ("2015-02-11", "2015-02-24")),
        ("last 2 months", ("2014-12-25", "2015-02-24")),
        ("last month", JAN),
        ("this month", FEB),
        ("this year", ("2015-01-01", "2015-12-31")),
        ("last year", ("2014-01-01", "2014-12-31")),
        ("what happened recently", LAST_7),
        ("3 days ago", ("2015-02-21", "2015-02-21")),
        ("a week ago", LAST_WEEK),
        ("what happened on Feb 22", FEB_22),
        ("February 22", FEB_22),
        ("Feb 22 2015", FEB_22),
        ("February 22nd, 2015", FEB_22),
        ("the 22nd of February", FEB_22),
        ("2015-02-22", FEB_22),
        ("22.02.2015", FEB_22),
        ("2/22/2015", FEB_22),
        ("22/02/2015", FEB_22),
        ("in February", FEB),
        ("February 2014", ("2014-02-01", "2014-02-28")),
        ("since March", SINCE_MARCH),
        ("in March", ("2014-03-01", "2014-03-31")),  # the latest March not after the reference
        ("in may", ("2014-05-01", "2014-05-31")),
        ("from Feb 17 to Feb 20", FEB_17_20),
        ("between Feb 17 and Feb 20", FEB_17_20),
        ("Feb 17-20", FEB_17_20),
        ("from Feb 17 to Feb 26", ("2015-02-17", "2015-02-26")),  # the end follows the start
        ("Dec 20 to Jan 5", ("2014-12-20", "2015-01-05")),
        ("Dec 20 to Jan 5 2014", ("2013-12-20", "2014-01-05")),
        ("Feb 22 and Feb 23", ("2015-02-22", "2015-02-23")),
        ("Q1", ("2015-01-01", "2015-03-31")),
        ("Q4", ("2014-10-01", "2014-12-31")),
        ("q3 2014", ("2014-07-01", "2014-09-30")),
        ("in 2014", ("2014-01-01", "2014-12-31")),
        ("tweets from February", FEB),  # "from" alone is not "since"
        ("since yesterday", ("2015-02-23", "2015-02-24")),
        ("Feb 29", ("2012-02-29", "2012-02-29")),
    ],
    "ru": [
        ("что писали сегодня", TODAY),
        ("жалобы вчера", YESTERDAY),
        ("позавчера", ("2015-02-22", "2015-02-22")),
        ("на прошлой неделе", LAST_WEEK),
        ("за прошлую неделю", LAST_WEEK),
        ("на этой неделе", THIS_WEEK),
        ("за последние 7 дней", LAST_7),
        ("за последнюю неделю", LAST_7),
        ("за последние две недели", ("2015-02-11", "2015-02-24")),
        ("за 2 последних месяца", ("2014-12-25", "2015-02-24")),
        ("в прошлом месяце", JAN),
        ("в этом месяце", FEB),
        ("в этом году", ("2015-01-01", "2015-12-31")),
        ("в прошлом году", ("2014-01-01", "2014-12-31")),
        ("в последнее время", LAST_7),
        ("3 дня назад", ("2015-02-21", "2015-02-21")),
        ("22 февраля", FEB_22),
        ("22-го февраля", FEB_22),
        ("22 февраля 2015 г.", FEB_22),
        ("в феврале", FEB),
        ("январь", JAN),
        ("в январе", JAN),
        ("с марта", SINCE_MARCH),
        ("начиная с марта", SINCE_MARCH),
        ("в марте", ("2014-03-01", "2014-03-31")),
        ("в мае", ("2014-05-01", "2014-05-31")),
        ("с 17 по 20 февраля", FEB_17_20),
        ("с 17 февраля по 20 февраля", FEB_17_20),
        ("17–20 февраля", FEB_17_20),
        ("в 2014 году", ("2014-01-01", "2014-12-31")),
        ("1 квартал", ("2015-01-01", "2015-03-31")),
        ("в декабре", ("2014-12-01", "2014-12-31")),
        ("за неделю", LAST_7),
        ("9 мая", ("2014-05-09", "2014-05-09")),
    ],
    "kk": [
        ("бүгін не жазды", TODAY),
        ("кеше", YESTERDAY),
        ("өткен аптада", LAST_WEEK),
        ("осы аптада", THIS_WEEK),
        ("соңғы 7 күнде", LAST_7),
        ("соңғы 7 күн ішінде", LAST_7),
        ("өткен айда", JAN),
        ("ақпанда", FEB),
        ("22 ақпан", FEB_22),
        ("2015 жылғы 22 ақпан", FEB_22),
        ("наурыздан бастап", SINCE_MARCH),
        ("қаңтарда", JAN),
        ("ақпанның 22", FEB_22),
        ("маусымда", ("2014-06-01", "2014-06-30")),
    ],
    "uk": [
        ("сьогодні", TODAY),
        ("вчора", YESTERDAY),
        ("учора", YESTERDAY),
        ("минулого тижня", LAST_WEEK),
        ("за останні 7 днів", LAST_7),
        ("минулого місяця", JAN),
        ("у лютому", FEB),
        ("22 лютого", FEB_22),
        ("з 17 по 20 лютого", FEB_17_20),
        ("з березня", SINCE_MARCH),
        ("3 дні тому", ("2015-02-21", "2015-02-21")),
    ],
    "be": [
        ("сёння", TODAY),
        ("учора", YESTERDAY),
        ("ўчора", YESTERDAY),
        ("на мінулым тыдні", LAST_WEEK),
        ("за апошнія 7 дзён", LAST_7),
        ("у лютым", FEB),
        ("22 лютага", FEB_22),
        ("у студзені", JAN),
    ],
    "ar": [
        ("ماذا قالوا اليوم", TODAY),
        ("أمس", YESTERDAY),
        ("بالأمس", YESTERDAY),
        ("الأسبوع الماضي", LAST_WEEK),
        ("هذا الأسبوع", THIS_WEEK),
        ("الشهر الماضي", JAN),
        ("آخر 7 أيام", LAST_7),
        ("آخر ٧ أيام", LAST_7),
        ("في فبراير", FEB),
        ("22 فبراير", FEB_22),
        ("من 17 إلى 20 فبراير", FEB_17_20),
        ("منذ مارس", SINCE_MARCH),
        ("في نيسان", ("2014-04-01", "2014-04-30")),
    ],
    "fa": [
        ("امروز", TODAY),
        ("دیروز", YESTERDAY),
        ("هفته گذشته", LAST_WEEK),
        ("هفته\u200cی گذشته", LAST_WEEK),
        ("این هفته", THIS_WEEK),
        ("ماه گذشته", JAN),
        ("۷ روز گذشته", LAST_7),
        ("در فوریه", FEB),
        ("۲۲ فوریه", FEB_22),
        ("از ۱۷ تا ۲۰ فوریه", FEB_17_20),
    ],
    "ka": [
        ("დღეს", TODAY),
        ("გუშინ", YESTERDAY),
        ("გასულ კვირას", LAST_WEEK),
        ("ამ კვირაში", THIS_WEEK),
        ("გასულ თვეში", JAN),
        ("ბოლო 7 დღეში", LAST_7),
        ("თებერვალში", FEB),
        ("22 თებერვალს", FEB_22),
        ("მარტიდან", SINCE_MARCH),
        ("თებერვლის 22", FEB_22),
    ],
}
WINDOW_CASES = [(lang, q, want) for lang, cases in WINDOWS.items() for q, want in cases]


@pytest.mark.parametrize(("lang", "question", "want"), WINDOW_CASES, ids=lambda v: str(v))
def test_window(lang: str, question: str, want: tuple[str, str]) -> None:
    reading = read_time(question, REF)
    assert span(reading.window) == want, reading.window
    assert reading.baseline is None
    assert reading.matched, "a window was read, so some words were read as time"


NO_TIME = [
    "What are people complaining about?",
    "May I see the worst complaints about baggage?",
    "the March of the airlines against fees",
    "what may happen to refunds",
    "flight 2014 was cancelled",
    "over 2000 complaints about fees",
    "more than 5 complaints about seats",
    "did Jan from support answer",
    "I have 3 complaints in 5 days",
    "на что жалуются пассажиры",
    "қазан туралы не айтты",  # "cauldron", not October, without a day or year
    "می خواهم شکایت ها را ببینم",  # Persian verb prefix, not "May"
    "الناس مارس الضغط",  # "practised", not March
    "რას წერენ ხალხი",
    "მარტო ვარ, მარტივი კითხვა მაქვს",  # "alone", "simple": not March
    "я маю питання про доставку",  # Ukrainian "I have", not May
    "мая праблема: ён мае квіток",  # Belarusian "my", "has"
    "маусымдық жеңілдіктер",  # "seasonal", not June
    "نيسان أفضل من تويوتا",  # Nissan
    "show me the 5 most recent complaints",  # an ordering, not a period
]


@pytest.mark.parametrize("question", NO_TIME)
def test_questions_without_a_time_have_no_window(question: str) -> None:
    assert read_time(question, REF) == TimeReading(None, None, [])


COMPARISONS = [
    ("February vs January", FEB, JAN),
    ("February versus January", FEB, JAN),
    ("февраль против января", FEB, JAN),
    ("в феврале по сравнению с январём", FEB, JAN),
    ("Feb 22 compared with Feb 21", FEB_22, ("2015-02-21", "2015-02-21")),
    ("on Feb 22 vs Feb 21 and Feb 20", FEB_22, ("2015-02-20", "2015-02-21")),
    ("more complaints this week than last week", THIS_WEEK, LAST_WEEK),
    ("this month vs last month", FEB, JAN),
    ("compare February with January", FEB, JAN),
    ("сравни февраль с январём", FEB, JAN),
    ("по сравнению с прошлой неделей в этом месяце", FEB, LAST_WEEK),
    ("в этом месяце относительно января", FEB, JAN),
    ("February 2014 vs January", ("2014-02-01", "2014-02-28"), ("2014-01-01", "2014-01-31")),
    ("January vs February", JAN, FEB),  # no year anywhere: both the latest before "now"
    ("2014 vs 2013", ("2014-01-01", "2014-12-31"), ("2013-01-01", "2013-12-31")),
    ("бұл аптада өткен аптамен салыстырғанда", THIS_WEEK, LAST_WEEK),
    ("ამ კვირაში გასულ კვირასთან შედარებით", THIS_WEEK, LAST_WEEK),
    ("هذا الأسبوع مقارنة بالأسبوع الماضي", THIS_WEEK, LAST_WEEK),
    ("این هفته در مقایسه با هفته گذشته", THIS_WEEK, LAST_WEEK),
    ("цього тижня порівняно з минулим тижнем", THIS_WEEK, LAST_WEEK),
    # A baseline alone: the window is the time after it, up to the reference day.
    ("how does it compare with last week", ("2015-02-23", "2015-02-24"), LAST_WEEK),
]


@pytest.mark.parametrize(("question", "window", "baseline"), COMPARISONS)
def test_comparison(question: str, window: tuple[str, str], baseline: tuple[str, str]) -> None:
    reading = read_time(question, REF)
    assert (span(reading.window), span(reading.baseline)) == (window, baseline)


@pytest.mark.parametrize(
    ("question", "baseline"),
    [
        ("last 7 days", ("2015-02-11", "2015-02-17")),
        ("yesterday", ("2015-02-22", "2015-02-22")),
        ("this week", LAST_WEEK),
        ("February", JAN),  # whole months shift by whole months, not by 28 days
        ("Q1", ("2014-10-01", "2014-12-31")),
        ("in 2014", ("2013-01-01", "2013-12-31")),
        ("from Feb 17 to Feb 20", ("2015-02-13", "2015-02-16")),
    ],
)
def test_compare_gives_the_previous_period_of_equal_length(
    question: str, baseline: tuple[str, str]
) -> None:
    reading = read_time(question, REF, compare=True)
    assert span(reading.baseline) == baseline
    assert reading.baseline is not None and reading.baseline.label.startswith("previous period")


def test_a_stated_baseline_wins_over_the_default() -> None:
    reading = read_time("February vs December", REF, compare=True)
    assert span(reading.baseline) == ("2014-12-01", "2014-12-31")


def test_compare_without_a_window_has_no_baseline() -> None:
    assert read_time("what do people think", REF, compare=True) == TimeReading(None, None, [])


def test_without_compare_there_is_no_default_baseline() -> None:
    assert read_time("last week", REF).baseline is None


def test_labels_say_how_the_time_was_read() -> None:
    def label(question: str) -> str:
        window = read_time(question, REF).window
        assert window is not None
        return window.label

    assert label("2015-02-22") == "2015-02-22"
    assert label("last 7 days") == "last 7 days (2015-02-18 – 2015-02-24)"
    assert label("in February") == "February 2015"
    assert label("last week") == "last week (2015-02-16 – 2015-02-22)"
    assert label("в прошлом месяце") == "last month (January 2015)"
    assert label("Q1") == "Q1 2015"
    assert label("since March") == "since March 2014 (2014-03-01 – 2015-02-24)"
    assert label("recently") == f"recent: last {RECENT_DAYS} days (2015-02-18 – 2015-02-24)"
    assert label("с 17 по 20 февраля") == "2015-02-17 – 2015-02-20"


@pytest.mark.parametrize(
    ("question", "matched"),
    [
        ("What did people say about baggage last week?", ["last week"]),
        ("What did people say on Feb 22 about delays", ["on Feb 22"]),
        ("delays from Feb 17 to Feb 20 at JFK", ["from Feb 17 to Feb 20"]),
        ("жалобы на багаж на прошлой неделе", ["на прошлой неделе"]),
        ("Is February worse than January for refunds", ["February", "than January"]),
        ("sentiment this week vs last week", ["this week vs last week"]),
        ("may I see complaints in May", ["in May"]),
    ],
)
def test_matched_substrings_can_be_stripped(question: str, matched: list[str]) -> None:
    assert read_time(question, REF).matched == matched


def test_day_boundaries_are_taken_in_the_given_time_zone() -> None:
    almaty = ZoneInfo("Asia/Almaty")  # UTC+6 in 2015
    late = datetime(2015, 2, 24, 20, 0, tzinfo=UTC)  # already 25 February in Almaty
    window = read_time("today", late, tz=almaty).window
    assert window == Window(day("2015-02-24T18:00"), day("2015-02-25T18:00"), "today (2015-02-25)")
    assert read_time("today", late).window == Window(
        day("2015-02-24"), day("2015-02-25"), "today (2015-02-24)"
    )
    minus5 = timezone(timedelta(hours=-5))
    window = read_time("February 22", REF, tz=minus5).window
    assert window is not None and window.start == day("2015-02-22T05:00")
    assert window.start.tzinfo is UTC and window.end.tzinfo is UTC


def test_a_naive_reference_is_taken_as_utc() -> None:
    assert read_time("yesterday", REF.replace(tzinfo=None)) == read_time("yesterday", REF)


def test_dateparser_reads_what_the_rules_do_not_and_stays_offline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("dateparser tried the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    for question in ("the 22nd day of February", "February, the 22nd"):
        reading = read_time(question, REF)
        assert span(reading.window) == FEB_22, question
    # A number after a month that is a count, not a day, stays a month.
    assert span(read_time("in February, 22 flights were late", REF).window) == FEB


def test_reading_is_fast_without_dateparser() -> None:
    questions = [q for _, q, _ in WINDOW_CASES] + [q for q, _, _ in COMPARISONS] + NO_TIME
    questions = [f"What did customers say about lost baggage and refunds {q}?" for q in questions]
    start = time.perf_counter()
    for question in questions:
        read_time(question, REF)
    per_question = (time.perf_counter() - start) / len(questions)
    assert per_question < 0.005, f"{per_question * 1000:.2f} ms per question"
