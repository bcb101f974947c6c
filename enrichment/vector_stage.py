"""Enrichment that needs a mention's vector: sentiment (when the source gave no rating) and
aspect-level topics. It runs where vectors are at hand: while indexing, and on re-enrichment.

A mention that speaks with one voice gets its topics from its own vector and its own
sentiment. One with several sentences or contrasting clauses ("the staff were lovely but
delivery took two weeks") is split; each clause is embedded (through the same content-hash
cache), and each topic takes the polarity of the clause that speaks of it most.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from enrichment.clauses import has_contrast, split_clauses
from enrichment.llm_labeller import LLMSentimentLabeller
from enrichment.sentiment import SentimentModel, from_rating
from enrichment.taxonomy import TopicModel
from hark.documents import content_hash, embed_text

# content hash -> text in, content hash -> vector out (embedding only what is not cached).
EmbedCached = Callable[[dict[str, str]], dict[str, np.ndarray]]


@dataclass
class Annotations:
    sentiments: dict[int, tuple[str, float]] = field(default_factory=dict)
    topic_version: int | None = None
    topics: list[tuple[int, list[dict[str, Any]]]] = field(default_factory=list)
    clauses_embedded: int = 0


@dataclass
class VectorEnrichment:
    sentiment: SentimentModel | None
    # workspace -> its active topic model, or None when it has no taxonomy.
    topic_model: Callable[[str], TopicModel | None]
    embed: EmbedCached
    max_clauses: int = 8
    labeller: LLMSentimentLabeller | None = None
    labeller_below: float = 0.5

    def annotate(
        self, workspace: str, rows: Sequence[Any], vectors: dict[str, np.ndarray]
    ) -> Annotations:
        """Sentiment for rows that have none; topics for every row given."""
        out = Annotations()
        if self.sentiment is not None:
            out.sentiments = label_sentiment(
                rows, vectors, self.sentiment, self.labeller, self.labeller_below
            )
        model = self.topic_model(workspace)
        if model is None:
            return out
        out.topic_version = model.version
        out.topics, out.clauses_embedded = self.topics(model, rows, vectors, out.sentiments)
        return out

    @staticmethod
    def _may_mix(text: str, sims: np.ndarray, model: TopicModel) -> bool:
        """Worth splitting into clauses (each clause costs an embedding): the text turns its
        opinion around, or its whole vector sits near two topics. Others speak with one voice
        about at most one topic, and their own vector and sentiment say all."""
        return has_contrast(text) or _near_topics(sims, model) >= 2

    def topics(
        self,
        model: TopicModel,
        rows: Sequence[Any],
        vectors: dict[str, np.ndarray],
        fresh: dict[int, tuple[str, float]],
    ) -> tuple[list[tuple[int, list[dict[str, Any]]]], int]:
        whole = model.scores(np.stack([vectors[r.content_hash] for r in rows]))
        clauses = {
            r.id: (
                ([r.title] if r.title else []) + split_clauses(r.text, max_clauses=self.max_clauses)
            )
            if self._may_mix(r.text, sims, model)
            else [r.text]
            for r, sims in zip(rows, whole, strict=True)
        }
        wanted = {content_hash(c, None): c for cs in clauses.values() if len(cs) > 1 for c in cs}
        clause_vectors = self.embed(wanted) if wanted else {}
        results = []
        for r, sims in zip(rows, whole, strict=True):
            own = fresh.get(r.id) or (
                (r.sentiment, r.sentiment_score) if r.sentiment else (None, None)
            )
            assigned: dict[str, dict[str, Any]] = {
                topic: {
                    "topic": topic,
                    "similarity": round(sim, 4),
                    "sentiment": own[0],
                    "sentiment_score": own[1],
                    "clause": None,
                }
                for topic, sim in model.assign(sims[None, :])[0]
            }
            parts = clauses[r.id]
            if len(parts) > 1:
                cvec = np.stack([clause_vectors[content_hash(c, None)] for c in parts])
                csims = model.scores(cvec)
                polarity = (
                    self.sentiment.predict(cvec, parts, [r.language] * len(parts))
                    if self.sentiment is not None
                    else None
                )
                for ci, found in enumerate(model.assign(csims)):
                    for topic, sim in found:
                        # Each topic keeps the clause that speaks of it most.
                        prev = assigned.get(topic)
                        if prev is not None and prev["clause"] is not None:
                            if prev["similarity"] >= sim:
                                continue
                        label, score = polarity[ci] if polarity else own
                        assigned[topic] = {
                            "topic": topic,
                            "similarity": round(max(sim, prev["similarity"] if prev else sim), 4),
                            "sentiment": label,
                            "sentiment_score": None if score is None else round(score, 4),
                            "clause": parts[ci],
                        }
            results.append((r.id, list(assigned.values())))
        return results, len(wanted)


# A mention whose whole vector comes this close to the threshold for two topics may speak of
# both, with different polarities.
NEAR_THRESHOLD = 0.05


def _near_topics(sims: np.ndarray, model: TopicModel) -> int:
    return int((sims >= model.taxonomy.threshold - NEAR_THRESHOLD).sum())


def label_sentiment(
    rows: Sequence[Any],
    vectors: dict[str, np.ndarray],
    model: SentimentModel,
    labeller: LLMSentimentLabeller | None = None,
    below: float = 0.5,
) -> dict[int, tuple[str, float]]:
    """id -> (label, score) for rows without a sentiment: by rating where the row has a rated
    scale, else by the classifier on its vector; where the classifier's top probability is
    under ``below`` and a ``labeller`` is given, by the model (score stays the classifier's)."""
    todo = [r for r in rows if r.sentiment is None]
    out: dict[int, tuple[str, float]] = {}
    unrated = []
    for r in todo:
        if r.rating is not None and r.rating_min is not None and r.rating_max is not None:
            out[r.id] = from_rating(r.rating, r.rating_min, r.rating_max)
        else:
            unrated.append(r)
    if unrated:
        proba = model.proba(
            np.stack([vectors[r.content_hash] for r in unrated]),
            [embed_text(r.text, r.title) for r in unrated],
            [r.language for r in unrated],
        )
        predicted = model.labels(proba)
        out.update(
            {
                r.id: (label, round(score, 4))
                for r, (label, score) in zip(unrated, predicted, strict=True)
            }
        )
        if labeller is not None:
            unsure = [
                (r, score)
                for r, p, (_, score) in zip(unrated, proba, predicted, strict=True)
                if p.max() < below
            ]
            relabelled = labeller.label([r.text for r, _ in unsure])
            for (r, score), label in zip(unsure, relabelled, strict=True):
                if label is not None:
                    out[r.id] = (label, round(score, 4))
    return out
