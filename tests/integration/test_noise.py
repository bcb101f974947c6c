"""Noise: copies collapse into one counted mention; mass-posted and link-only posts are kept
but flagged so counts can leave them out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from hark.domain import MentionCreate
from ingestion.pipeline import ingest_mentions
from services.container import Container
from store import enrichment as enrichment_store
from store.tables import mentions

pytestmark = pytest.mark.integration

T0 = datetime(2015, 2, 22, 9, 0, tzinfo=UTC)
# A real complaint from the airline tweets, long enough that two accounts posting it word for
# word are copying it.
LONG = (
    "@united your customer service is a joke, on hold for 2 hours and then "
    "disconnected. Never flying United again"
)


def _m(eid: str, text: str, author: str, minutes: int = 0) -> MentionCreate:
    return MentionCreate(
        external_id=eid,
        source="tw",
        text=text,
        author=author,
        created_at=T0 + timedelta(minutes=minutes),
    )


def _rows(rt: Container) -> dict[str, dict[str, object]]:
    with rt.engine.connect() as conn:
        rows = conn.execute(
            select(mentions.c.external_id, mentions.c.id, mentions.c.duplicate_of, mentions.c.noise)
        )
        return {r.external_id: r._asdict() for r in rows}


def test_one_long_text_from_many_accounts_is_one_mention_flagged_as_mass_posted(
    rt: Container,
) -> None:
    # Two batches: copies are found in the store and within a batch alike.
    ingest_mentions(rt.engine, workspace="acme", mentions=[_m("1", LONG, "ann")])
    report = ingest_mentions(
        rt.engine,
        workspace="acme",
        mentions=[
            _m("2", LONG.replace("2 hours", "2 hours!!"), "bob", 5),  # punctuation differs
            _m("3", LONG + " https://t.co/x1", "cy", 9),  # a link added
        ],
    )
    assert report.duplicates == 2
    rows = _rows(rt)
    original = rows["1"]["id"]
    assert rows["2"]["duplicate_of"] == rows["3"]["duplicate_of"] == original
    assert rows["1"]["noise"] == "mass_posted"
    with rt.engine.connect() as conn:
        assert enrichment_store.copy_counts(conn, ids=[original]) == {original: 2}


def test_two_accounts_copying_is_collapsed_but_not_yet_mass_posting(rt: Container) -> None:
    ingest_mentions(
        rt.engine, workspace="acme", mentions=[_m("1", LONG, "ann"), _m("2", LONG, "bob", 1)]
    )
    rows = _rows(rt)
    assert rows["2"]["duplicate_of"] == rows["1"]["id"]
    assert rows["1"]["noise"] is None


def test_short_agreeing_texts_from_different_people_stay_separate(rt: Container) -> None:
    report = ingest_mentions(
        rt.engine,
        workspace="acme",
        mentions=[_m(str(i), "@united thank you!", f"user{i}", i) for i in range(4)],
    )
    assert report.duplicates == 0
    rows = _rows(rt)
    assert len(rows) == 4
    assert all(r["duplicate_of"] is None and r["noise"] is None for r in rows.values())


def test_link_only_posts_are_kept_and_flagged(rt: Container) -> None:
    ingest_mentions(
        rt.engine,
        workspace="acme",
        mentions=[
            _m("1", "@VirginAmerica http://t.co/abc123", "ann"),
            _m("2", "@VirginAmerica look at this http://t.co/abc123", "bob"),
        ],
    )
    rows = _rows(rt)
    assert rows["1"]["noise"] == "link_only"
    assert rows["2"]["noise"] is None


def test_editing_a_mass_posted_text_clears_the_flag(rt: Container) -> None:
    ingest_mentions(
        rt.engine,
        workspace="acme",
        mentions=[_m("1", LONG, "ann"), _m("2", LONG, "bob", 1), _m("3", LONG, "cy", 2)],
    )
    assert _rows(rt)["1"]["noise"] == "mass_posted"
    ingest_mentions(
        rt.engine, workspace="acme", mentions=[_m("1", "Flight was fine in the end", "ann")]
    )
    rows = _rows(rt)
    assert rows["1"]["noise"] is None
    # Its former copies are no longer copies of it; they count on their own again.
    assert rows["2"]["duplicate_of"] is None and rows["3"]["duplicate_of"] is None


def test_the_same_words_weeks_apart_from_another_account_stay_separate(rt: Container) -> None:
    ingest_mentions(
        rt.engine,
        workspace="acme",
        mentions=[_m("1", LONG, "ann"), _m("2", LONG, "bob", 60 * 24 * 21)],
    )
    rows = _rows(rt)
    assert rows["2"]["duplicate_of"] is None and rows["1"]["noise"] is None


def test_re_ingesting_a_mass_posted_original_with_new_metadata_keeps_the_flag(
    rt: Container,
) -> None:
    batch = [_m("1", LONG, "ann"), _m("2", LONG, "bob", 1), _m("3", LONG, "cy", 2)]
    ingest_mentions(rt.engine, workspace="acme", mentions=batch)
    again = [batch[0].model_copy(update={"reach": 500}), *batch[1:]]
    report = ingest_mentions(rt.engine, workspace="acme", mentions=again)
    assert report.updated and _rows(rt)["1"]["noise"] == "mass_posted"
