"""Topics on the real pipeline: taxonomy versions, aspect-level polarity, re-enrichment."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from enrichment.catalogs import parse, set_catalog
from enrichment.reenrich import reenrich_topics
from hark.domain import MentionCreate
from ingestion.pipeline import ingest_mentions
from services.container import Container
from store import mentions as mention_store
from store.tables import mention_topics
from tests.helpers import ingest_airline_excerpt

pytestmark = pytest.mark.integration

CATALOGS = Path(__file__).resolve().parents[2] / "enrichment" / "catalogs"
SHOP = """
topics:
  - name: Staff
    description: how polite and helpful the sellers, couriers and support staff are
    examples: [the seller was rude, курьер вежливый, қызметкерлер жақсы]
  - name: Delivery
    description: delivery time and shipping
    examples: [the parcel arrived late, доставка заняла неделю, жеткізу ұзақ]
  - name: Price
    description: prices, discounts, value for money
    examples: [too expensive, цены высокие, бағасы қымбат]
"""


def _set(rt: Container, yaml_text: str) -> int:
    return set_catalog(
        rt.engine, workspace="acme", kind="taxonomy", body=parse("taxonomy", text=yaml_text)
    ).version


def _topics(rt: Container, mid: int) -> dict[str, str | None]:
    with rt.engine.connect() as conn:
        (m,) = mention_store.get_mentions(conn, workspace="acme", ids=[mid])
    return {t.topic: t.sentiment for t in m.topics}


def test_a_review_counts_for_each_aspect_with_its_own_polarity(rt: Container) -> None:
    _set(rt, SHOP)
    report = ingest_mentions(
        rt.engine,
        workspace="acme",
        index=rt.index.target("acme"),
        mentions=[
            MentionCreate(
                external_id="1",
                source="shop",
                text="The courier was very polite and helpful, but delivery took two weeks.",
            ),
            MentionCreate(
                external_id="2",
                source="shop",
                text="Продавец очень вежливый, но доставка заняла три недели.",
            ),
        ],
    )
    assert len(report.ids) == 2
    for mid in report.ids:
        got = _topics(rt, mid)
        assert got.get("staff") == "positive", got
        assert got.get("delivery") == "negative", got


def test_airline_tweets_get_topics_and_a_new_taxonomy_version_is_applied_once(
    rt: Container,
) -> None:
    v1 = _set(rt, (CATALOGS / "airline.taxonomy.yaml").read_text(encoding="utf-8"))
    report = ingest_airline_excerpt(rt)
    with rt.engine.connect() as conn:
        per_topic = dict(
            conn.execute(
                select(mention_topics.c.topic, func.count())
                .where(mention_topics.c.taxonomy_version == v1)
                .group_by(mention_topics.c.topic)
            ).all()
        )
    assert per_topic, "no topics assigned"
    assert set(per_topic) <= {
        "customer_service_issue",
        "late_flight",
        "cancelled_flight",
        "lost_luggage",
        "damaged_luggage",
        "bad_flight",
        "flight_booking_problems",
        "flight_attendant_complaints",
        "longlines",
    }
    # Unchanged taxonomy: no new version, nothing to do.
    assert _set(rt, (CATALOGS / "airline.taxonomy.yaml").read_text(encoding="utf-8")) == v1
    assert (
        reenrich_topics(rt.engine, workspace="acme", enrichment=rt.enrich.vector_enrichment).seen
        == 0
    )

    v2 = _set(rt, "topics: [{name: Baggage, examples: [lost bag, broken suitcase]}]")
    assert v2 == v1 + 1
    embedded_before = rt.embedder.calls  # type: ignore[attr-defined]
    first = reenrich_topics(rt.engine, workspace="acme", enrichment=rt.enrich.vector_enrichment)
    again = reenrich_topics(rt.engine, workspace="acme", enrichment=rt.enrich.vector_enrichment)
    assert first.seen == report.inserted - report.duplicates and again.seen == 0
    with rt.engine.connect() as conn:
        versions = dict(
            conn.execute(
                select(mention_topics.c.taxonomy_version, func.count()).group_by(
                    mention_topics.c.taxonomy_version
                )
            ).all()
        )
    # The old version's assignments stay (trends under it remain comparable).
    assert versions[v1] == sum(per_topic.values()) and versions.get(v2, 0) > 0
    # Re-enrichment reads vectors from the cache; only the new taxonomy's phrases are embedded.
    assert rt.embedder.calls - embedded_before <= 3  # type: ignore[attr-defined]
