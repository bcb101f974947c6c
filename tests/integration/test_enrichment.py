"""Enrichment at ingestion, on the real pipeline and stores."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hark.domain import MentionCreate, SearchFilters
from hark.prepared import PreparedMention
from ingestion.mapping import load_mapping
from ingestion.pipeline import IngestReport, _write_with_retry, ingest_file, ingest_mentions
from ingestion.prepare import prepare
from services.container import Container
from store import mentions as mention_store
from store.tables import mentions
from tests.helpers import AIRLINE_EXCERPT

pytestmark = pytest.mark.integration


def test_languages_are_detected_at_ingestion_and_filterable(rt: Container) -> None:
    report = ingest_file(
        rt.engine,
        workspace="acme",
        path=AIRLINE_EXCERPT,
        mapping=load_mapping("twitter-us-airline-sentiment"),
        index=rt.index.target("acme"),
        enrich=rt.enrich.enricher.enrich,
    )
    with rt.engine.connect() as conn:
        langs = dict(
            conn.execute(
                select(mentions.c.language, func.count()).group_by(mentions.c.language)
            ).all()
        )
        english = mention_store.count_mentions(
            conn, workspace="acme", filters=SearchFilters(languages=["en"])
        )
    assert langs.get("en", 0) >= 0.95 * report.inserted
    hits = rt.search.query("acme", "baggage", SearchFilters(languages=["en"]), k=200).hits
    assert hits and len(hits) == english and all(h.mention.language == "en" for h in hits)


def test_a_stated_language_is_kept_and_others_detected(rt: Container) -> None:
    report = ingest_mentions(
        rt.engine,
        workspace="acme",
        enrich=rt.enrich.enricher.enrich,
        mentions=[
            MentionCreate(external_id="1", source="api", text="Курьер опоздал на два часа"),
            MentionCreate(external_id="2", source="api", text="Жеткізу тез болды, рахмет!"),
            MentionCreate(external_id="3", source="api", text="ok", language="RU"),
        ],
    )
    with rt.engine.connect() as conn:
        got = mention_store.get_mentions(conn, workspace="acme", ids=report.ids)
    assert [m.language for m in got] == ["ru", "kk", "ru"]


def test_a_rival_batch_with_the_same_key_waits_for_ours(rt: Container) -> None:
    """Another writer sends the same key while our batch is between its lookup and its
    insert: it waits for our transaction (the write lock is taken before the lookups), then
    finds our row unchanged; nothing is inserted twice and nothing needs a retry."""
    mention = MentionCreate(external_id="race", source="api", text="Refund still missing")
    calls = {"n": 0}
    rival: dict[str, IngestReport] = {}

    def rival_writes() -> None:
        rival["report"] = ingest_mentions(rt.engine, workspace="acme", mentions=[mention])

    thread = threading.Thread(target=rival_writes)

    def rival_starts_inside_ours(batch: list[PreparedMention]) -> None:
        calls["n"] += 1
        if calls["n"] == 1:  # runs inside our transaction, after the existence check
            thread.start()
            thread.join(1.0)
            assert thread.is_alive(), "the rival wrote while our batch held its lookups"
        rt.enrich.enricher.enrich(batch)

    outcome = _write_with_retry(
        rt.engine,
        "acme",
        [prepare(mention, row_no=1)],
        timedelta(hours=24),
        rival_starts_inside_ours,
    )
    thread.join(30)
    assert calls["n"] == 1 and len(outcome.inserted) == 1
    assert rival["report"].inserted == 0 and rival["report"].unchanged == 1
    with rt.engine.connect() as conn:
        assert mention_store.count_mentions(conn, workspace="acme", include_duplicates=True) == 1


def test_sentiment_from_the_classifier_or_the_rating(rt: Container) -> None:
    if rt.enrich.sentiment_model is None:
        pytest.fail("the shipped sentiment model is missing (python -m evals.sentiment --train)")
    report = ingest_mentions(
        rt.engine,
        workspace="acme",
        enrich=rt.enrich.enricher.enrich,
        index=rt.index.target("acme"),
        mentions=[
            MentionCreate(
                external_id="1",
                source="api",
                text="Worst airline ever, they lost my bag and nobody helps",
            ),
            MentionCreate(
                external_id="2",
                source="api",
                text="Спасибо большое, экипаж был очень внимательный!",
            ),
            MentionCreate(
                external_id="3",
                source="api",
                text="Great phone, love it",
                rating=1,
                rating_min=1,
                rating_max=5,
            ),
        ],
    )
    with rt.engine.connect() as conn:
        got = mention_store.get_mentions(conn, workspace="acme", ids=report.ids)
    assert [m.sentiment for m in got] == ["negative", "positive", "negative"]
    assert got[0].sentiment_score < 0 < got[1].sentiment_score and got[2].sentiment_score == -1
    negative = rt.search.query("acme", "flight", SearchFilters(sentiments=["negative"]), k=10).hits
    assert {h.mention.external_id for h in negative} == {"1", "3"}
    # An edit derives the sentiment again.
    ingest_mentions(
        rt.engine,
        workspace="acme",
        enrich=rt.enrich.enricher.enrich,
        index=rt.index.target("acme"),
        mentions=[
            MentionCreate(external_id="1", source="api", text="Thank you, the crew was wonderful")
        ],
    )
    with rt.engine.connect() as conn:
        (edited,) = mention_store.get_mentions(conn, workspace="acme", ids=[report.ids[0]])
    assert edited.sentiment == "positive"
