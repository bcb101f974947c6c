"""Analytics on real SQLite and PostgreSQL: every number is checked against a hand count of
the data built here, or against an independent count in Python over the raw rows.

Four workspaces, built once per backend through the real ingestion and repository functions:
- "acme": a dozen hand-placed tweets with a copy, a link-only post, a NULL date, window edges,
  an old taxonomy version, passing and main entities (expected numbers worked out below);
- "air": negatives by topic where lost luggage triples, late flight stays flat and customer
  service falls (10->30, 15->15, 12->8 per week), plus positives and topic-less negatives;
- "spiky": 3-5 mentions a day through February 2015 with 25 on the 20th;
- "bare": no taxonomy at all.
PostgreSQL runs with the session time zone set to Los Angeles: days must still be UTC days.
"""

from __future__ import annotations

import csv
import itertools
import re
import statistics
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

import pytest
from sqlalchemy import Engine, select

from analytics import (
    NO_VALUE,
    Scope,
    Window,
    breakdown,
    compare_periods,
    count,
    drivers,
    sentiment_counts,
    series,
    spikes,
)
from analytics.stats import rate_test, two_proportion_z
from ask.timewindows import Window as AskWindow
from enrichment.workspace_sentiment import SentimentLabel
from hark.domain import MentionCreate, SearchFilters
from hark.errors import HarkError
from hark.settings import Settings
from ingestion.pipeline import ingest_mentions
from services.container import Container
from store import enrichment as enrichment_store
from store import mentions as mention_store
from store.tables import mention_entities, mention_topics, mentions
from tests.helpers import SHARED_DATA, throwaway_postgres

pytestmark = pytest.mark.integration

TWEETS = SHARED_DATA / "twitter-us-airline-sentiment" / "tweets.csv"
W0 = Window(datetime(2015, 2, 9, tzinfo=UTC), datetime(2015, 2, 16, tzinfo=UTC))  # Mon-Mon
W1 = Window(datetime(2015, 2, 16, tzinfo=UTC), datetime(2015, 2, 23, tzinfo=UTC))
LA = timedelta(hours=-8)


def utc(day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2015, 2, day, hour, minute, second, tzinfo=UTC)


@dataclass
class Spec:
    eid: str
    text: str
    at: datetime | None
    sentiment: str | None = None
    topics: tuple[tuple[str, str | None], ...] = ()  # (topic, aspect sentiment), active version
    entities: tuple[tuple[str, bool], ...] = ()  # (entity, main subject)
    source: str = "tw"
    brand: str | None = "United"
    location: str | None = None


# fmt: off
ACME = [
    Spec("c1", "@united ok. To top things off, you've lost my luggage. Could you get ANY worse??? "
         "#UnitedAirlines", utc(16, 10), "negative", (("lost_luggage", "negative"),),
         (("united", True),)),
    Spec("c2", "@united 2nd flight also delayed no pilots! But they boarded is so we can just sit "
         "here! #scheduling", datetime(2015, 2, 17, 20, tzinfo=UTC) - LA, "negative",
         (("late_flight", "negative"), ("customer_service_issue", "negative")),
         (("united", True), ("american", False))),
    Spec("c3", "@VirginAmerica it was amazing, and arrived an hour early. You're too good to me.",
         utc(18, 9), "positive", (("late_flight", "positive"),), (("virgin-america", True),),
         brand="Virgin America"),
    Spec("c4", "@VirginAmerica when can I book my flight to Hawaii??", utc(19, 9), "neutral",
         source="reviews", brand="Virgin America", location="Boston"),
    # A retweet of c1: a copy, never counted.
    Spec("c5", "RT @ann: @united ok. To top things off, you've lost my luggage. Could you get ANY "
         "worse??? #UnitedAirlines", utc(16, 11), "negative"),
    Spec("c6", "@VirginAmerica http://t.co/abc123", utc(17, 9), "neutral"),  # link only: noise
    Spec("c7", "@united Not encouraged that I'll have my CPAP tonight.", None, "negative",
         (("lost_luggage", "negative"),)),  # no date: in no window
    Spec("c9", "@united yes in Lusaka, Zambia. My guess is the bags never made the plane at IAD.",
         utc(23), "negative", (("lost_luggage", "negative"),)),  # the first second after W1
    Spec("c10", "@VirginAmerica What @dhepburn said.", utc(16), None, brand="Virgin America"),
    Spec("c11", "@united how we looking on getting those bags to Lusaka", utc(20, 12), "neutral",
         (("lost_luggage", "negative"),), (("united", True),)),
    # Topics under the old taxonomy version only (written below): none under the active one.
    Spec("c12", "@united can you tell me how to file a claim for clothing that had to be "
         "purchased?", utc(20, 23, 59, 59), "negative"),
]
# fmt: on
BETA = [Spec("b1", "@united okay ase24766m. Find our luggage.", utc(18), "negative")]


@cache
def tweets(reason: str) -> tuple[str, ...]:
    """Distinct link-free, non-retweet texts of one negative reason ("positive": positives)."""
    if not TWEETS.exists():
        pytest.skip(f"{TWEETS} not present")
    seen, out = set(), []
    with TWEETS.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            body = row["text"]
            key = re.sub(r"\W+", " ", body.casefold()).strip()
            if "http" in body or body.startswith("RT") or key in seen:
                continue
            seen.add(key)
            label = row["negativereason"] or row["airline_sentiment"]
            if label == reason or reason == "any":
                out.append(body)
    return tuple(out)


def air_specs() -> list[Spec]:
    plan = [  # (reason, topic, sentiment, per week W0, per week W1)
        ("Lost Luggage", "lost_luggage", "negative", 10, 30),
        ("Late Flight", "late_flight", "negative", 15, 15),
        ("Customer Service Issue", "customer_service_issue", "negative", 12, 8),
        ("Can't Tell", None, "negative", 2, 2),
        ("positive", None, "positive", 10, 10),
    ]
    out = []
    for reason, topic, sentiment, n0, n1 in plan:
        pool = iter(tweets(reason))
        for week, n in ((W0, n0), (W1, n1)):
            for i in range(n):
                at = week.start + timedelta(days=i % 7, hours=(5 * i) % 24)
                out.append(
                    Spec(
                        f"{reason}-{week.start.day}-{i}",
                        next(pool),
                        at,
                        sentiment,
                        ((topic, sentiment),) if topic else (),
                        (("united", i % 2 == 0), ("american", False)) if i % 3 else (),
                        source="reviews" if i % 3 == 0 else "tw",
                        brand="United" if i % 2 else "American",
                        location=("Chicago", "Denver", None, None)[i % 4],
                    )
                )
    return out


def spiky_per_day(day: int) -> tuple[int, int]:
    """(mentions, of them negative) on 2015-02-`day`."""
    return (25, 20) if day == 20 else (3 + day % 3, 1)


def spiky_specs() -> list[Spec]:
    pool = iter(tweets("any"))
    out = []
    for day in range(1, 29):
        total, negative = spiky_per_day(day)
        for i in range(total):
            sentiment = "negative" if i < negative else "neutral"
            out.append(Spec(f"s{day}-{i}", next(pool), utc(day, i % 24), sentiment))
    return out


def load(
    engine: Engine, workspace: str, specs: list[Spec], *, taxonomy: bool = True, copies: int = 0
) -> None:
    report = ingest_mentions(
        engine,
        workspace=workspace,
        mentions=[
            MentionCreate(
                external_id=s.eid,
                source=s.source,
                source_type="review" if s.source == "reviews" else "social",
                text=s.text,
                author=f"user-{s.eid}",
                created_at=s.at,
                brand=s.brand,
                location=s.location,
                language="en",
            )
            for s in specs
        ],
    )
    assert not report.rejects and report.duplicates == copies  # no text collapsed by accident
    with engine.begin() as conn:
        rows = conn.execute(
            select(mentions.c.external_id, mentions.c.id, mentions.c.updated_at).where(
                mentions.c.workspace == workspace
            )
        )
        ids = {r.external_id: (r.id, r.updated_at) for r in rows}
        labelled = [
            (ids[s.eid][0], SentimentLabel.exact(s.sentiment, 0.9, "model"), ids[s.eid][1])
            for s in specs
            if s.sentiment
        ]
        mention_store.set_sentiments(conn, items=labelled)
        if taxonomy:
            body = {"topics": ["lost_luggage", "late_flight", "customer_service_issue"]}
            old, _ = enrichment_store.save_catalog(
                conn, workspace=workspace, kind="taxonomy", body=body
            )
            first = [(ids["c12"][0], [_topic("lost_luggage", "negative")])] if "c12" in ids else []
            enrichment_store.replace_topics(
                conn, workspace=workspace, version=old.version, items=first
            )
            active, _ = enrichment_store.save_catalog(
                conn, workspace=workspace, kind="taxonomy", body={**body, "v": 2}
            )
            items = [(ids[s.eid][0], [_topic(t, ts) for t, ts in s.topics]) for s in specs]
            enrichment_store.replace_topics(
                conn, workspace=workspace, version=active.version, items=items
            )
        enrichment_store.replace_entities(
            conn,
            workspace=workspace,
            version=1,
            items=[(ids[s.eid][0], [_entity(e, main) for e, main in s.entities]) for s in specs],
        )


def _topic(topic: str, sentiment: str | None) -> dict[str, Any]:
    return {"topic": topic, "sentiment": sentiment, "similarity": 0.5}


def _entity(entity: str, main: bool) -> dict[str, Any]:
    kind = "brand" if entity == "united" else "competitor"
    return {"entity": entity, "kind": kind, "main": main, "surface": entity}


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    home = tmp_path_factory.mktemp("analytics")
    with ExitStack() as stack:
        url = None
        if request.param == "postgres":
            # A session time zone far from UTC: day bucketing must not follow it.
            url = stack.enter_context(
                throwaway_postgres("?options=-c%20TimeZone%3DAmerica/Los_Angeles")
            )
        rt = Container(Settings(home=home, database_url=url, _env_file=None))  # type: ignore[call-arg]
        stack.callback(rt.close)
        load(rt.engine, "acme", ACME, copies=1)
        load(rt.engine, "beta", BETA)
        load(rt.engine, "air", air_specs())
        load(rt.engine, "spiky", spiky_specs(), taxonomy=False)
        load(rt.engine, "bare", ACME[:4], taxonomy=False)
        yield rt.engine


ACME_SCOPE = Scope("acme")


def test_counts_leave_out_copies_noise_undated_other_workspaces_and_the_end_instant(
    engine: Engine,
) -> None:
    stored = {r.external_id: r for r in raw(engine, "acme").rows}
    assert stored["c5"].duplicate_of == stored["c1"].id and stored["c6"].noise == "link_only"
    # c1 c2 c3 c4 c10 c11 c12. Not: c5 (copy), c6 (link only), c7 (no date), c9 (at W1.end),
    # b1 (other workspace). c10 sits at W1.start exactly: start is inclusive.
    assert count(engine, ACME_SCOPE, W1) == 7
    assert sentiment_counts(engine, ACME_SCOPE, W1) == {
        "negative": 3, "neutral": 2, "positive": 1, "unlabelled": 1, "total": 7,
    }  # fmt: skip
    noisy = Scope("acme", include_noise=True)
    assert sentiment_counts(engine, noisy, W1)["neutral"] == 3  # c6 is back
    assert count(engine, noisy, W1) == 8
    assert count(engine, Scope("beta"), W1) == 1
    # Any object with start/end will do, such as the question planner's windows.
    assert count(engine, ACME_SCOPE, AskWindow(W1.start, W1.end, "that week")) == 7
    with pytest.raises(HarkError):
        count(engine, ACME_SCOPE, Window(W1.end, W1.start))


def test_filters_apply_but_their_since_and_until_do_not(engine: Engine) -> None:
    def n(**filters: Any) -> int:
        return count(engine, Scope("acme", SearchFilters(**filters)), W1)

    assert n(brands=["United"]) == 4
    assert n(sources=["reviews"]) == 1
    assert n(source_types=["social"]) == 6
    assert n(sentiments=["negative"]) == 3
    assert n(locations=["Boston"]) == 1
    assert n(since=datetime(2020, 1, 1, tzinfo=UTC)) == 7  # the window decides time


def test_topic_scope_reads_the_active_taxonomy_only(engine: Engine) -> None:
    lost = Scope("acme", topics=("lost_luggage",))
    # c1 and c11; c12 has it under the old version only, c7 is undated, c9 after the window.
    assert count(engine, lost, W1) == 2
    assert sentiment_counts(engine, lost, W1)["neutral"] == 1  # c11: neutral, negative aspect
    assert count(engine, Scope("acme", topics=["late_flight", "lost_luggage"]), W1) == 4
    # No taxonomy: no topic analytics, and no error.
    assert count(engine, Scope("bare", topics=("lost_luggage",)), W1) == 0
    assert breakdown(engine, Scope("bare"), W1, "topic") == []
    assert count(engine, Scope("bare"), W1) == 4


def test_entity_scope_and_main_subject(engine: Engine) -> None:
    assert count(engine, Scope("acme", entities=("united",)), W1) == 3
    assert count(engine, Scope("acme", entities=("american",)), W1) == 1  # c2, in passing
    assert count(engine, Scope("acme", entities=("american",), main_entity_only=True), W1) == 0
    negative = SearchFilters(sentiments=["negative"])
    assert count(engine, Scope("acme", negative, entities=("united",)), W1) == 2


def test_breakdowns_by_every_dimension(engine: Engine) -> None:
    def b(dimension: str, scope: Scope = ACME_SCOPE, **kw: Any) -> list[tuple[str, int]]:
        return breakdown(engine, scope, W1, dimension, **kw)

    assert b("source") == [("tw", 6), ("reviews", 1)]
    assert b("source_type") == [("social", 6), ("review", 1)]
    assert b("brand") == [("United", 4), ("Virgin America", 3)]
    assert b("location") == [("Boston", 1)]  # mentions without one are left out
    assert b("language") == [("en", 7)]
    assert b("sentiment") == [("negative", 3), ("neutral", 2), ("positive", 1), ("unlabelled", 1)]
    assert b("brand", sentiment="negative") == [("United", 3)]
    # A mention counts under each of its topics (c2 has two); ties are ordered by name.
    assert b("topic") == [("late_flight", 2), ("lost_luggage", 2), ("customer_service_issue", 1)]
    # With a sentiment, topics go by their own clause's polarity: c11 is a neutral mention
    # whose lost-luggage part is negative; c3's late-flight part is positive.
    assert b("topic", sentiment="negative") == [
        ("lost_luggage", 2), ("customer_service_issue", 1), ("late_flight", 1),
    ]  # fmt: skip
    assert b("topic", sentiment="positive") == [("late_flight", 1)]
    assert b("topic", limit=1) == [("late_flight", 2)]
    assert b("entity") == [("united", 3), ("american", 1), ("virgin-america", 1)]
    main_only = Scope("acme", main_entity_only=True)
    assert b("entity", main_only) == [("united", 3), ("virgin-america", 1)]
    with pytest.raises(HarkError):
        b("colour")


def test_daily_series_is_zero_filled_in_utc_days(engine: Engine) -> None:
    buckets = series(engine, ACME_SCOPE, W1, "day")
    assert [b.start for b in buckets] == [W1.start + timedelta(days=i) for i in range(7)]
    assert [b.end - b.start for b in buckets] == [timedelta(days=1)] * 7
    # c10 (00:00) and c1 on the 16th; c2, posted at 20:00 in Los Angeles on the 17th, is the
    # 18th in UTC; c12 at 23:59:59 stays on the 20th.
    assert [b.total for b in buckets] == [2, 0, 2, 1, 2, 0, 0]
    assert [b.negative for b in buckets] == [1, 0, 1, 0, 1, 0, 0]
    assert [b.unlabelled for b in buckets] == [1, 0, 0, 0, 0, 0, 0]
    assert buckets[2].positive == 1 and buckets[3].neutral == 1


def test_weekly_series_uses_iso_weeks_cut_to_the_window(engine: Engine) -> None:
    window = Window(utc(11, 12), utc(25))  # Wednesday noon to Wednesday
    buckets = series(engine, ACME_SCOPE, window, "week")
    assert [(b.start, b.end) for b in buckets] == [
        (utc(11, 12), utc(16)), (utc(16), utc(23)), (utc(23), utc(25)),
    ]  # fmt: skip
    assert [b.total for b in buckets] == [0, 7, 1]  # c9 opens the last week
    assert buckets[2].negative == 1
    # Each bucket is the exact count of its own span.
    assert [count(engine, ACME_SCOPE, b) for b in buckets] == [0, 7, 1]


AIR = Scope("air")


def test_compare_a_big_change_is_significant_and_a_flat_one_is_not(engine: Engine) -> None:
    lost = compare_periods(engine, Scope("air", topics=("lost_luggage",)), W1, W0)
    assert (lost.current.count, lost.baseline.count, lost.change) == (30, 10, 20)
    assert lost.relative_change == pytest.approx(2.0)
    assert lost.rate_change == pytest.approx(20 / 7)
    assert lost.count_p_value == pytest.approx(rate_test(30, 7, 10, 7))
    assert lost.significant and lost.enough_data and not lost.lengths_differ
    assert lost.current.share == lost.baseline.share == 1.0 and not lost.share_significant

    late = compare_periods(engine, Scope("air", topics=("late_flight",)), W1, W0)
    assert (late.current.count, late.baseline.count, late.change) == (15, 15, 0)
    assert late.count_p_value == 1.0 and not late.significant and late.enough_data

    service = compare_periods(engine, Scope("air", topics=("customer_service_issue",)), W1, W0)
    assert (service.current.total, service.baseline.total) == (8, 12)
    assert not service.enough_data  # 8 mentions this week: an anecdote


def test_compare_reports_shares_and_per_day_rates_for_unequal_periods(engine: Engine) -> None:
    fortnight = Window(utc(2), utc(16))  # holds W0's data only
    c = compare_periods(engine, AIR, W1, fortnight)
    assert (c.current.total, c.current.count) == (65, 55)
    assert (c.baseline.total, c.baseline.count) == (49, 39)
    assert c.lengths_differ and (c.current.days, c.baseline.days) == (7.0, 14.0)
    assert c.current.rate == pytest.approx(55 / 7) and c.baseline.rate == pytest.approx(39 / 14)
    assert c.relative_change == pytest.approx((55 / 7) / (39 / 14) - 1)
    assert c.count_p_value == pytest.approx(rate_test(55, 7, 39, 14))
    assert c.significant  # twice the daily rate
    z = two_proportion_z(55, 65, 39, 49)
    assert z is not None and c.share_p_value == pytest.approx(z.p_value)
    assert c.share_change == pytest.approx(55 / 65 - 39 / 49) and not c.share_significant
    every = compare_periods(engine, AIR, W1, W0, sentiment=None)
    assert (every.current.count, every.baseline.count) == (65, 49)
    assert every.share_p_value is None


def test_overlapping_periods_count_a_mention_in_both(engine: Engine) -> None:
    both = compare_periods(engine, ACME_SCOPE, W1, Window(utc(16), utc(19)), sentiment=None)
    assert (both.current.count, both.baseline.count) == (7, 4)  # c10 c1 c2 c3 in each


def test_drivers_rank_the_topic_that_tripled_first(engine: Engine) -> None:
    report = drivers(engine, AIR, W1, W0, dimension="topic")
    assert (report.current_total, report.baseline_total) == (55, 39)
    assert report.direction == "up" and report.ranked_by == "share_of_change"
    assert report.multi_valued and report.available and report.note is None
    got = [(d.value, d.current, d.baseline, d.delta) for d in report.drivers]
    assert got == [
        ("lost_luggage", 30, 10, 20),
        ("late_flight", 15, 15, 0),
        ("customer_service_issue", 8, 12, -4),
    ]
    lost, late, service = report.drivers
    assert lost.share_of_change == pytest.approx(20 / 16)  # more than all of the rise
    assert late.share_of_change == 0.0
    assert service.share_of_change == pytest.approx(-4 / 16)
    assert lost.contribution == pytest.approx(20 / 7)
    assert lost.significant and not late.significant and not service.significant
    # The "Can't Tell" negatives have no topic: reported apart, not ranked.
    assert report.unassigned is not None
    assert report.unassigned.value == NO_VALUE
    assert (report.unassigned.current, report.unassigned.baseline) == (2, 2)
    assert [d.value for d in drivers(engine, AIR, W1, W0, dimension="topic", limit=1).drivers] == [
        "lost_luggage"
    ]


def test_drivers_of_a_fall_rank_the_biggest_fall_first(engine: Engine) -> None:
    report = drivers(engine, AIR, W0, W1, dimension="topic")
    assert report.direction == "down"
    assert [d.value for d in report.drivers] == [
        "lost_luggage", "late_flight", "customer_service_issue",
    ]  # fmt: skip
    assert report.drivers[0].share_of_change == pytest.approx(20 / 16)
    assert report.drivers[2].share_of_change == pytest.approx(-4 / 16)


def test_drivers_compare_daily_rates_when_periods_differ(engine: Engine) -> None:
    report = drivers(engine, AIR, W1, Window(utc(2), utc(16)), dimension="topic")
    total = 55 / 7 - 39 / 14
    assert report.total_change == pytest.approx(total)
    lost = report.drivers[0]
    assert (lost.value, lost.current, lost.baseline) == ("lost_luggage", 30, 10)
    assert lost.contribution == pytest.approx(30 / 7 - 10 / 14)
    assert lost.share_of_change == pytest.approx((30 / 7 - 10 / 14) / total)
    assert lost.p_value == pytest.approx(rate_test(30, 7, 10, 14))
    # Late flight: 15 a week both times, but the fortnight halves its daily rate.
    late = next(d for d in report.drivers if d.value == "late_flight")
    assert late.contribution == pytest.approx(15 / 7 - 15 / 14)


def test_single_valued_drivers_partition_the_change(engine: Engine) -> None:
    report = drivers(engine, AIR, W1, W0, dimension="location", limit=10)
    parts = [*report.drivers, report.unassigned]
    assert sum(d.current for d in parts if d) == 55 and sum(d.baseline for d in parts if d) == 39
    assert sum(d.share_of_change or 0 for d in parts if d) == pytest.approx(1.0)
    assert not report.multi_valued


def test_drivers_of_an_unchanged_total_rank_by_size_and_say_so(engine: Engine) -> None:
    late = Scope("air", topics=("late_flight",))
    report = drivers(engine, late, W1, W0, dimension="source")
    assert report.direction == "flat" and report.ranked_by == "contribution"
    assert report.note is not None and "did not change" in report.note
    assert report.drivers
    assert all(d.share_of_change is None for d in report.drivers)
    sizes = [abs(d.contribution) for d in report.drivers]
    assert sizes == sorted(sizes, reverse=True)


def test_topic_drivers_without_a_taxonomy_say_so(engine: Engine) -> None:
    report = drivers(engine, Scope("bare"), W1, W0, dimension="topic")
    assert not report.available and report.drivers == () and report.note
    assert report.current_total == 2  # c1 and c2 are still negatives


def test_spike_found_on_the_planted_day_only(engine: Engine) -> None:
    found = spikes(engine, Scope("spiky"), Window(utc(15), utc(28) + timedelta(days=1)))
    assert [s.day for s in found] == [date(2015, 2, 20)]
    spike = found[0]
    before = [spiky_per_day(d)[0] for d in range(6, 20)]
    assert spike.count == 25 and spike.expected == statistics.median(before)
    assert spike.baseline_days == 14 and spike.z >= 3
    negative = spikes(engine, Scope("spiky"), Window(utc(15), utc(25)), sentiment="negative")
    assert [(s.day, s.count, s.expected) for s in negative] == [(date(2015, 2, 20), 20, 1)]
    # The day after still has the spike in its baseline: the median shrugs it off.
    assert spikes(engine, Scope("spiky"), Window(utc(21), utc(28)), min_z=2, min_count=1) == []


def test_no_spikes_on_flat_days_or_before_there_is_data(engine: Engine) -> None:
    assert spikes(engine, Scope("spiky"), Window(utc(8), utc(20))) == []
    # From Feb 1 the days before are not zeros but days without data: not judged at all,
    # even with thresholds that any day of 3-5 mentions after zeros would pass.
    assert spikes(engine, Scope("spiky"), Window(utc(1), utc(8)), min_z=1, min_count=1) == []
    assert spikes(engine, Scope("nobody"), W1) == []


@dataclass
class Raw:
    rows: list[Any]
    topics: dict[int, list[tuple[str, str | None]]]
    entities: dict[int, list[tuple[str, bool]]]


def raw(engine: Engine, workspace: str) -> Raw:
    """Every row of the workspace as stored, for counting in Python."""
    with engine.connect() as conn:
        active = enrichment_store.active_catalog(conn, workspace=workspace, kind="taxonomy")
        rows = list(conn.execute(select(mentions).where(mentions.c.workspace == workspace)))
        t, e = mention_topics.c, mention_entities.c
        topics: dict[int, list[tuple[str, str | None]]] = {}
        for r in conn.execute(select(mention_topics).where(t.workspace == workspace)):
            if active and r.taxonomy_version == active.version:
                topics.setdefault(r.mention_id, []).append((r.topic, r.sentiment))
        entities: dict[int, list[tuple[str, bool]]] = {}
        for r in conn.execute(select(mention_entities).where(e.workspace == workspace)):
            entities.setdefault(r.mention_id, []).append((r.entity, r.main))
    return Raw(rows, topics, entities)


def in_scope(data: Raw, scope: Scope, window: Window) -> list[Any]:
    f = scope.filters
    out = []
    for r in data.rows:
        ents = [n for n, main in data.entities.get(r.id, []) if main or not scope.main_entity_only]
        if (
            r.duplicate_of is None
            and (scope.include_noise or r.noise is None)
            and r.created_at is not None
            and window.start <= r.created_at < window.end
            and (not f.brands or r.brand in f.brands)
            and (not f.sources or r.source in f.sources)
            and (not f.sentiments or r.sentiment in f.sentiments)
            and (not scope.topics or {t for t, _ in data.topics.get(r.id, [])} & set(scope.topics))
            and (not scope.entities or set(ents) & set(scope.entities))
        ):
            out.append(r)
    return out


def reference_breakdown(
    data: Raw, scope: Scope, window: Window, dimension: str, sentiment: str | None
) -> list[tuple[str, int]]:
    tally: dict[str, int] = {}
    for r in in_scope(data, scope, window):
        if dimension == "topic":
            values = [t for t, s in data.topics.get(r.id, []) if sentiment in (None, s)]
        elif sentiment is not None and r.sentiment != sentiment:
            continue
        elif dimension == "entity":
            values = [
                n for n, main in data.entities.get(r.id, []) if main or not scope.main_entity_only
            ]
        else:
            value = getattr(r, dimension)
            values = (
                ["unlabelled" if dimension == "sentiment" else None] if value is None else [value]
            )
        for v in values:
            if v is not None:
                tally[v] = tally.get(v, 0) + 1
    return sorted(tally.items(), key=lambda kv: (-kv[1], kv[0]))


SCOPES = [
    Scope("air"),
    Scope("air", SearchFilters(brands=["United"], sources=["tw"])),
    Scope("air", topics=("lost_luggage", "late_flight")),
    Scope("air", entities=("united",), main_entity_only=True),
    Scope("air", SearchFilters(sentiments=["negative"]), entities=("american",)),
    Scope("acme", include_noise=True),
    Scope("acme", topics=("customer_service_issue",), entities=("american",)),
]
DIMS = ["topic", "source", "location", "brand", "entity", "language", "sentiment", "source_type"]


@pytest.mark.parametrize("scope", SCOPES, ids=lambda s: repr(s)[6:60])
def test_every_number_equals_an_independent_count(engine: Engine, scope: Scope) -> None:
    data = raw(engine, scope.workspace)
    for window in (W0, W1, Window(utc(10, 7), utc(19, 13))):
        assert count(engine, scope, window) == len(in_scope(data, scope, window))
        for dimension in DIMS:
            for sentiment in (None, "negative", "positive"):
                got = breakdown(engine, scope, window, dimension, sentiment=sentiment, limit=999)
                want = reference_breakdown(data, scope, window, dimension, sentiment)
                assert got == want, (dimension, sentiment, window)
        days = series(engine, scope, window, "day")
        assert sum(b.total for b in days) == len(in_scope(data, scope, window))
        assert [b.total for b in days] == [
            len(in_scope(data, scope, Window(b.start, b.end))) for b in days
        ]
    for dimension, sentiment in itertools.product(DIMS, (None, "negative")):
        report = drivers(engine, scope, W1, W0, dimension=dimension, sentiment=sentiment, limit=99)
        assert [report.current_total, report.baseline_total] == [
            sum(sentiment in (None, r.sentiment) for r in in_scope(data, scope, w))
            for w in (W1, W0)
        ]
        now = dict(reference_breakdown(data, scope, W1, dimension, sentiment))
        before = dict(reference_breakdown(data, scope, W0, dimension, sentiment))
        got = {d.value: (d.current, d.baseline) for d in report.drivers}
        assert got == {v: (now.get(v, 0), before.get(v, 0)) for v in {*now, *before}}
