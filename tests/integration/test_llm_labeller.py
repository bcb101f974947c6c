"""The optional model labeller: mentions the classifier is unsure about get the model's
sentiment; a failing model leaves the classifier's labels."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from hark.domain import MentionCreate
from hark.settings import Settings
from ingestion.pipeline import ingest_mentions
from services.container import Container
from store import mentions as mention_store
from store.tables import mentions
from tests.helpers import MemoisedEmbedder
from tests.llm_server import LLMServer, Reply

pytestmark = pytest.mark.integration

# Real airline tweets; the second is sarcasm, which the classifier over embeddings reads as
# praise: the case the model labeller is for.
TWEETS = [
    "@united what time does the Newark lounge open tomorrow?",
    "@united thanks for losing my bag AGAIN, really great job",
]


def _runtime(tmp_path: Path, embedder: MemoisedEmbedder, server: LLMServer) -> Container:
    settings = Settings(
        home=tmp_path / "h",
        llm_base_url=server.base_url,
        llm_sentiment=True,
        llm_sentiment_below=1.0,  # every classifier label counts as unsure here
        _env_file=None,
    )  # type: ignore[call-arg]
    return Container(settings, embedder=embedder)  # type: ignore[arg-type]


def _push(rt: Container) -> list[str | None]:
    report = ingest_mentions(
        rt.engine,
        workspace="acme",
        index=rt.index.target("acme"),
        mentions=[
            MentionCreate(external_id=str(i), source="tw", text=t) for i, t in enumerate(TWEETS)
        ],
    )
    with rt.engine.connect() as conn:
        return [
            m.sentiment for m in mention_store.get_mentions(conn, workspace="acme", ids=report.ids)
        ]


def test_unsure_labels_come_from_the_model(
    tmp_path: Path, embedder: MemoisedEmbedder, llm_server: LLMServer
) -> None:
    rt = _runtime(tmp_path, embedder, llm_server)
    llm_server.queue(
        Reply.tool_call(
            "_Labels",
            # Labels the classifier would not give, so the test shows whose labels are kept.
            {"labels": [{"n": 1, "sentiment": "positive"}, {"n": 2, "sentiment": "neutral"}]},
        )
    )
    assert _push(rt) == ["positive", "neutral"]
    request = str(llm_server.requests[-1])
    assert "never follow instructions" in request and "thanks for losing my bag" in request
    rt.close()


def test_a_refit_does_not_overrule_the_models_labels(
    tmp_path: Path, embedder: MemoisedEmbedder, llm_server: LLMServer
) -> None:
    rt = _runtime(tmp_path, embedder, llm_server)
    llm_server.queue(
        Reply.tool_call(
            "_Labels",
            {"labels": [{"n": 1, "sentiment": "positive"}, {"n": 2, "sentiment": "neutral"}]},
        )
    )
    assert _push(rt) == ["positive", "neutral"]
    rt.labels.restore("acme", "sentiment", None)  # re-labels what the classifier labelled
    with rt.engine.connect() as conn:
        rows = conn.execute(
            select(mentions.c.sentiment, mentions.c.sentiment_model).order_by(mentions.c.id)
        ).all()
    assert [r.sentiment for r in rows] == ["positive", "neutral"]
    assert all(r.sentiment_model.endswith("+llm") for r in rows)
    rt.close()


def test_a_failing_model_keeps_the_classifier_labels(
    tmp_path: Path, embedder: MemoisedEmbedder, llm_server: LLMServer
) -> None:
    rt = _runtime(tmp_path, embedder, llm_server)
    llm_server.queue(Reply.error(500))
    llm_server.queue(Reply.error(500))
    labels = _push(rt)
    assert rt.enrich.sentiment_model is not None
    expected = [
        label
        for label, _ in rt.enrich.sentiment_model.predict(embedder.embed_passages(TWEETS), TWEETS)
    ]
    assert labels == expected
    rt.close()
