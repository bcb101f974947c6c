"""The question bank's truth (label rankings, shares, series in the data's own time zone) and
the ask-bank scorer, on tiny hand-made rows and results."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from evals.ask_bank import baseline_result, score
from evals.ask_bank_phrasings import TEMPLATES
from evals.question_bank import (
    Row,
    clear_top,
    count,
    ranking,
    rating_stats,
    reason_growth,
    series,
    share,
)

PST = timezone(timedelta(hours=-8))


def _row(day: str, labels: dict[str, str], hour: int = 12, **kw: Any) -> Row:
    ts = datetime.fromisoformat(day).replace(hour=hour, tzinfo=PST)
    return Row(ts=ts, labels=labels, **kw)


ROWS = [
    _row("2015-02-22", {"United": "negative"}, reason="Late Flight"),
    _row("2015-02-22", {"United": "negative"}, reason="Lost Luggage"),
    _row("2015-02-22", {"United": "positive"}),
    _row("2015-02-22", {"Delta": "negative"}, reason="Late Flight"),
    _row("2015-02-23", {"United": "negative"}, reason="Late Flight"),
    _row("2015-02-23", {"Delta": "neutral"}),
    # 23:30 local on Feb 23 is Feb 24 in UTC: it must count on Feb 23.
    _row("2015-02-23", {"Delta": "negative"}, hour=23, reason="Late Flight"),
]


def test_counts_and_shares_from_labels() -> None:
    d22, d23 = date(2015, 2, 22), date(2015, 2, 23)
    assert count(ROWS, brand="United", sentiment="negative", start=d22, end=d22) == 2
    assert count(ROWS, brand="Delta", start=d23, end=d23) == 2
    assert count(ROWS, sentiment="negative") == 5
    assert share(ROWS, brand="United", sentiment="negative", start=d22, end=d22) == 200 / 3
    assert share(ROWS, brand="Virgin America", sentiment="negative") is None


def test_ranking_orders_and_clarity() -> None:
    items = ranking(ROWS, by="brand", sentiment="negative", keys=["United", "Delta", "Virgin"])
    assert [(k, v) for k, v, _ in items] == [("United", 3.0), ("Delta", 2.0), ("Virgin", 0.0)]
    assert clear_top(items)  # 3 >= 1.15 * 2
    asc = ranking(ROWS, by="brand", sentiment="negative", order="asc", keys=["United", "Delta"])
    assert asc[0][0] == "Delta" and clear_top(asc, "asc")
    by_share = ranking(ROWS, by="brand", sentiment="negative", measure="share")
    assert by_share[0][0] == "United" and by_share[0][1] == 75.0
    assert not clear_top([("a", 10.0, 10), ("b", 9.0, 9)])


def test_sources_and_reasons() -> None:
    rows = [
        Row(ts=datetime(2014, 7, 25, tzinfo=UTC), source="tel", labels={"mts": "negative"}),
        Row(ts=datetime(2014, 7, 26, tzinfo=UTC), source="tel", labels={"mts": "neutral"}),
        Row(ts=datetime(2014, 7, 26, tzinfo=UTC), source="bank", labels={"vtb": "negative"}),
    ]
    assert ranking(rows, by="source")[0][:2] == ("tel", 2.0)
    growth = reason_growth(
        ROWS,
        brand="United",
        current=(date(2015, 2, 22), date(2015, 2, 22)),
        baseline=(date(2015, 2, 23), date(2015, 2, 23)),
    )
    assert growth[0] == ("Lost Luggage", 1)


def test_series_buckets_in_local_time() -> None:
    days = series(ROWS, granularity="day", start=date(2015, 2, 22), end=date(2015, 2, 24))
    assert days == [(date(2015, 2, 22), 4), (date(2015, 2, 23), 3), (date(2015, 2, 24), 0)]
    # Feb 22 2015 was a Sunday: it closes the week of Monday Feb 16; Feb 23 opens the next.
    weeks = series(
        ROWS, granularity="week", start=date(2015, 2, 16), end=date(2015, 2, 24), brand="Delta"
    )
    assert weeks == [(date(2015, 2, 16), 1), (date(2015, 2, 23), 2)]
    months = series(
        [_row("2024-01-31", {}, hour=23), _row("2024-02-01", {})],
        granularity="month",
        start=date(2024, 1, 1),
        end=date(2024, 2, 29),
    )
    assert months == [(date(2024, 1, 1), 1), (date(2024, 2, 1), 1)]


def test_rating_stats() -> None:
    rows = [_row("2024-03-01", {}, rating=s) for s in (1, 2, 5, 5)]
    avg, n, low = rating_stats(rows)
    assert (avg, n, low) == (3.25, 4, 50.0)
    assert rating_stats(rows, date(2025, 1, 1), date(2025, 12, 31)) == (None, 0, None)


def test_every_template_has_three_paraphrases_per_language() -> None:
    for name, langs in TEMPLATES.items():
        for lang in ("en", "ru", "kk"):
            assert len(set(langs[lang])) >= 3, (name, lang)


# --- scorer --------------------------------------------------------------------------------

RANK_Q: dict[str, Any] = {
    "intent": "rank",
    "edge": None,
    "expect": {
        "intent": "rank",
        "brands": [],
        "sentiment": "negative",
        "group_by": "brand",
        "order": "desc",
        "measure": "count",
        "top_n": None,
    },
    "truth": {"items": [["mts", 74, 200], ["megafon", 40, 150]], "top": "mts", "clear": True},
}


def _ranking(items: list[tuple[str, int]], dimension: str = "entity") -> dict[str, Any]:
    return {
        "plan": {"intent": "rank", "sentiment": "negative", "brands": [], "entities": []},
        "facts": [
            {
                "id": "f1",
                "kind": "ranking",
                "dimension": dimension,
                "measure": "count",
                "sentiment": "negative",
                "order": "desc",
                "items": [{"value": v, "name": v.upper(), "count": c} for v, c in items],
            }
        ],
        "citations": [],
    }


def test_scorer_accepts_a_correct_ranking() -> None:
    v = score(RANK_Q, _ranking([("mts", 70), ("megafon", 45), ("beeline", 30)]))
    assert v["asked"] and v["value"] is True


def test_scorer_rejects_wrong_shapes() -> None:
    assert not score(RANK_Q, _ranking([("mts", 70)]))["asked"]  # one item
    assert not score(RANK_Q, _ranking([("megafon", 45), ("mts", 70)]))["asked"]  # unordered
    assert not score(RANK_Q, _ranking([("mts", 70), ("x", 1)], dimension="topic"))["asked"]
    count_only = {"plan": {}, "facts": [{"kind": "count", "total": 120}], "citations": []}
    assert not score(RANK_Q, count_only)["asked"]
    assert not score(RANK_Q, {"facts": "garbage"})["asked"]  # malformed: not an answer
    wrong_top = score(RANK_Q, _ranking([("megafon", 90), ("mts", 70)]))
    assert wrong_top["shape"] and wrong_top["value"] is False and not wrong_top["asked"]


def _share_q(brand: list[str], truth: float) -> dict[str, Any]:
    return {
        "intent": "share",
        "edge": None,
        "expect": {"brands": [brand], "sentiment": "negative", "measure": "count"},
        "truth": {"value": truth},
    }


def test_scorer_share_needs_brand_scope_and_sentiment() -> None:
    q = _share_q(["united", "united airlines"], 60.0)
    good = {
        "plan": {"brands": ["United"], "entities": [], "sentiment": "negative"},
        "facts": [{"kind": "share", "sentiment": "negative", "count": 50, "share": 55.0}],
    }
    assert score(q, good)["asked"] and score(q, good)["value"] is True
    unscoped = {**good, "plan": {"brands": [], "entities": []}}
    assert not score(q, unscoped)["asked"]
    positive = {**good, "facts": [{"kind": "share", "sentiment": "positive", "share": 20.0}]}
    assert not score(q, positive)["asked"]
    far = {**good, "facts": [{"kind": "share", "sentiment": "negative", "share": 30.0}]}
    far_v = score(q, far)
    assert far_v["shape"] and far_v["value"] is False and not far_v["asked"]


def test_scorer_series_and_periods() -> None:
    q: dict[str, Any] = {
        "intent": "series",
        "edge": None,
        "expect": {"brands": [], "sentiment": None, "granularity": "week"},
        "truth": {"series": [["2014-07-21", 10], ["2014-07-28", 30], ["2014-08-04", 20]]},
    }
    points = [{"start": s, "count": c} for s, c in (("2014-07-21", 12), ("2014-07-28", 28))]
    fact = {"kind": "count", "total": 60, "granularity": "week", "series": points}
    short = {"plan": {}, "facts": [fact]}
    assert not score(q, short)["asked"]  # stops a week early
    fact = {**fact, "series": [*points, {"start": "2014-08-04", "count": 19}]}
    assert score(q, {"plan": {}, "facts": [fact]})["asked"]
    daily = {"plan": {}, "facts": [{**fact, "granularity": "day"}]}
    assert not score(q, daily)["asked"]
    pq: dict[str, Any] = {
        "intent": "periods",
        "edge": "partial_period",
        "expect": {"brands": [], "sentiment": None, "periods": [["2014-07-01", "2014-07-31"]] * 2},
        "truth": {"periods": [100, 200]},
    }
    change = {"kind": "change", "current": 190, "baseline": 110}
    assert not score(pq, {"plan": {}, "facts": [change]})["asked"]  # partial, not flagged
    flagged = [change, {"kind": "coverage", "partial": True}]
    v = score(pq, {"plan": {}, "facts": flagged})
    assert v["asked"] and v["value"] is True


def test_baseline_is_scored_by_the_same_rules() -> None:
    q = _share_q(["mts"], 40.0)
    assert not score(q, baseline_result([1, 2, 3]))["asked"]
    assert not score(RANK_Q, baseline_result(list(range(10))))["asked"]


def test_week_bucket_is_the_local_week() -> None:
    # Sunday Feb 22 2015, 23:30 at UTC-08:00 is already Monday in UTC: still last week here.
    late_sunday = _row("2015-02-22", {"United": "negative"}, hour=23)
    assert late_sunday.ts.astimezone(UTC).date() == date(2015, 2, 23)
    weeks = series(
        [late_sunday], granularity="week", start=date(2015, 2, 16), end=date(2015, 2, 23)
    )
    assert weeks == [(date(2015, 2, 16), 1), (date(2015, 2, 23), 0)]


def test_scorer_examples_and_names() -> None:
    q: dict[str, Any] = {
        "intent": "examples",
        "edge": None,
        "expect": {"brands": [["mts", "мтс"]], "sentiment": "negative"},
        "truth": {"available": 10},
    }
    labels = {1: {"mts": "-1"}, 2: {"mts": "-1"}, 3: {"mts": "0", "beeline": "-1"}}
    result = {"plan": {"entities": ["mts"]}, "facts": [], "citations": [{"id": i} for i in labels]}
    v = score(q, result, lambda ids: {i: labels[i] for i in ids if i in labels})
    assert v["asked"] and v["value"] is True
    assert not score(q, {**result, "citations": [{"id": 1}]})["asked"]  # too few quotes
    nq: dict[str, Any] = {
        "intent": "name_match",
        "edge": "outside_catalog",
        "expect": {"brands": [], "name": ["tinkoff", "тинькофф"]},
        "truth": {"value": 3},
    }
    found = {"kind": "name_match", "name": "Тинькофф", "count": 4, "in_catalog": False}
    assert score(nq, {"plan": {}, "facts": [found]})["asked"]
    assert not score(nq, {"plan": {}, "facts": [{**found, "in_catalog": True}]})["asked"]
    assert not score(nq, {"plan": {}, "facts": [{"kind": "count", "total": 3}]})["asked"]
