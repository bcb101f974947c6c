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
from enrichment.sentiment import from_rating
from enrichment.taxonomy import TopicModel
from enrichment.workspace_sentiment import SentimentLabel, WorkspaceSentiment
from hark.documents import content_hash, embed_text

# content hash -> text in, content hash -> vector out (embedding only what is not cached).
EmbedCached = Callable[[dict[str, str]], dict[str, np.ndarray]]


@dataclass
class Annotations:
    sentiments: dict[int, SentimentLabel] = field(default_factory=dict)
    topic_version: int | None = None
    topics: list[tuple[int, list[dict[str, Any]]]] = field(default_factory=list)
    clauses_embedded: int = 0


def _no_corrections(workspace: str, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    return {}


@dataclass
class VectorEnrichment:
    # workspace -> its sentiment model (the shipped one with the workspace's head), or None.
    sentiment: Callable[[str], WorkspaceSentiment | None]
    # workspace -> its active topic model, or None when it has no taxonomy.
    topic_model: Callable[[str], TopicModel | None]
    embed: EmbedCached
    max_clauses: int = 8
    labeller: LLMSentimentLabeller | None = None
    labeller_below: float = 0.5
    # (workspace, mention ids) -> field -> the value users set ("sentiment": a label,
    # "topics": topic ids): a correction always wins for its own mention, also after its text
    # changed or the models were refit.
    corrections: Callable[[str, Sequence[int]], dict[int, dict[str, Any]]] = _no_corrections

    def annotate(
        self, workspace: str, rows: Sequence[Any], vectors: dict[str, np.ndarray]
    ) -> Annotations:
        """Sentiment for rows that have none; topics for every row given."""
        out = Annotations()
        corrected = self.corrections(workspace, [r.id for r in rows]) if rows else {}
        sentiment = self.sentiment(workspace)
        if sentiment is not None:
            out.sentiments = label_sentiment(
                rows,
                vectors,
                sentiment,
                self.labeller,
                self.labeller_below,
                corrected={i: f["sentiment"] for i, f in corrected.items() if "sentiment" in f},
            )
        model = self.topic_model(workspace)
        if model is None:
            return out
        out.topic_version = model.version
        out.topics, out.clauses_embedded = self.topics(
            model,
            rows,
            vectors,
            out.sentiments,
            sentiment,
            corrected_topics={i: f["topics"] for i, f in corrected.items() if "topics" in f},
        )
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
        fresh: dict[int, SentimentLabel],
        sentiment: WorkspaceSentiment | None = None,
        *,
        corrected_topics: dict[int, list[str]] | None = None,
    ) -> tuple[list[tuple[int, list[dict[str, Any]]]], int]:
        """Topics of each row, with the polarity of the part that speaks of each; a row a
        user labelled gets exactly the topics the user gave (those still in the taxonomy)."""
        corrected_topics = corrected_topics or {}
        whole = model.scores(np.stack([vectors[r.content_hash] for r in rows]))
        clauses = {
            r.id: (
                ([r.title] if r.title else []) + split_clauses(r.text, max_clauses=self.max_clauses)
            )
            if r.id not in corrected_topics and self._may_mix(r.text, sims, model)
            else [r.text]
            for r, sims in zip(rows, whole, strict=True)
        }
        wanted = {content_hash(c, None): c for cs in clauses.values() if len(cs) > 1 for c in cs}
        clause_vectors = self.embed(wanted) if wanted else {}
        results = []
        for r, sims in zip(rows, whole, strict=True):
            fresh_label = fresh.get(r.id)
            own = (
                (fresh_label.label, fresh_label.score)
                if fresh_label is not None
                else ((r.sentiment, r.sentiment_score) if r.sentiment else (None, None))
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
            if r.id in corrected_topics:
                results.append(
                    (
                        r.id,
                        [
                            {
                                "topic": topic,
                                "similarity": 1.0,
                                "sentiment": own[0],
                                "sentiment_score": own[1],
                                "clause": None,
                            }
                            for topic in corrected_topics[r.id]
                            if topic in model.ids
                        ],
                    )
                )
                continue
            parts = clauses[r.id]
            if len(parts) > 1:
                cvec = np.stack([clause_vectors[content_hash(c, None)] for c in parts])
                csims = model.scores(cvec)
                polarity = (
                    sentiment.predict(cvec, parts, [r.language] * len(parts))
                    if sentiment is not None
                    else None
                )
                for ci, found in enumerate(model.assign(csims)):
                    for topic, sim in found:
                        # Each topic keeps the clause that speaks of it most.
                        prev = assigned.get(topic)
                        if prev is not None and prev["clause"] is not None:
                            if prev["similarity"] >= sim:
                                continue
                        clause_label, score = polarity[ci] if polarity else own
                        assigned[topic] = {
                            "topic": topic,
                            "similarity": round(max(sim, prev["similarity"] if prev else sim), 4),
                            "sentiment": clause_label,
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
    model: WorkspaceSentiment,
    labeller: LLMSentimentLabeller | None = None,
    below: float = 0.5,
    *,
    corrected: dict[int, str] | None = None,
) -> dict[int, SentimentLabel]:
    """id -> label for rows without a sentiment: a user's correction where there is one, else
    by rating where the row has a rated scale, else by the classifier on its vector and text;
    where the classifier's top probability is under ``below`` and a ``labeller`` is given, by
    the language model (score and probabilities stay the classifier's)."""
    corrected = corrected or {}
    todo = [r for r in rows if r.sentiment is None]
    out: dict[int, SentimentLabel] = {}
    unrated = []
    for r in todo:
        if r.id in corrected:
            out[r.id] = SentimentLabel.corrected(corrected[r.id])
        elif r.rating is not None and r.rating_min is not None and r.rating_max is not None:
            out[r.id] = SentimentLabel.exact(
                *from_rating(r.rating, r.rating_min, r.rating_max), "rating"
            )
        else:
            unrated.append(r)
    if unrated:
        labels = model.label(
            np.stack([vectors[r.content_hash] for r in unrated]),
            [embed_text(r.text, r.title) for r in unrated],
            [r.language for r in unrated],
        )
        out.update({r.id: label for r, label in zip(unrated, labels, strict=True)})
        if labeller is not None:
            unsure = [
                (r, label)
                for r, label in zip(unrated, labels, strict=True)
                if max(label.probs) < below
            ]
            relabelled = labeller.label([r.text for r, _ in unsure])
            for (r, label), by_llm in zip(unsure, relabelled, strict=True):
                if by_llm is not None:
                    out[r.id] = SentimentLabel(
                        by_llm, label.score, label.probs, "model", f"{label.model}+llm"
                    )
    return out
