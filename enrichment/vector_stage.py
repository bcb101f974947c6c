"""Enrichment that needs a mention's vector: sentiment (when the source gave no rating) and
aspect-level topics. It runs where vectors are at hand: while indexing, and on re-enrichment.

A mention that speaks with one voice gets its topics from its own vector and its own
sentiment. One with several sentences or contrasting clauses ("the staff were lovely but
delivery took two weeks") is split; each clause is embedded (through the same content-hash
cache), and each topic takes the polarity of the clause that speaks of it most, read together
with the whole mention's unless the mention turns its opinion around.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from enrichment.clauses import starts_with_contrast, topic_parts
from enrichment.llm_labeller import LLMSentimentLabeller
from enrichment.sentiment import LABELS, from_rating
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


def corrected_field(corrected: dict[int, dict[str, Any]], name: str) -> dict[int, Any]:
    """mention id -> the value users set for one field, of those that set it."""
    return {i: fields[name] for i, fields in corrected.items() if name in fields}


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
                corrected=corrected_field(corrected, "sentiment"),
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
            corrected_topics=corrected_field(corrected, "topics"),
        )
        return out

    def _clauses(self, row: Any) -> list[str]:
        """The parts a mention's topics are read from: every sentence and contrasting clause
        (each costs an embedding, through the cache). Splitting only texts that turn their
        opinion around missed the second and third aspect of most reviews: presence F1 of
        name-only taxonomies 0.094 -> 0.201 on Arabic hotel reviews, 0.163 -> 0.227 on Russian
        restaurant reviews (evals.aspects)."""
        return topic_parts(row.text, row.title, max_clauses=self.max_clauses)

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
        clauses = {r.id: [r.text] if r.id in corrected_topics else self._clauses(r) for r in rows}
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
                    clause_polarity(
                        sentiment.proba(cvec, parts, [r.language] * len(parts)),
                        _model_probs(r, fresh_label),
                        parts,
                    )
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
            # A topic present wherever it scores (a workspace's calibrated cut) is shifted far
            # above the cosine scale; what is stored and shown stays a similarity.
            for a in assigned.values():
                a["similarity"] = min(1.0, a["similarity"])
            results.append((r.id, list(assigned.values())))
        return results, len(wanted)


def _model_probs(row: Any, fresh: SentimentLabel | None) -> np.ndarray | None:
    """The classifier's probabilities for the whole mention, where the classifier labelled it
    (a rating or a correction says nothing about one aspect's tone)."""
    if fresh is not None:
        return np.array(fresh.probs) if fresh.origin == "model" else None
    if getattr(row, "p_negative", None) is None or row.sentiment_origin != "model":
        return None
    return np.array([row.p_negative, row.p_neutral, row.p_positive])


def clause_polarity(
    clause_p: np.ndarray, whole_p: np.ndarray | None, parts: Sequence[str]
) -> list[tuple[str, float]]:
    """Each clause's polarity, read with the whole mention's: the two class distributions
    multiplied (two views of one aspect's tone). A short clause ("the room") alone is often
    neutral where its review is not; the clause alone and the review alone are both less
    accurate as aspect polarity (evals.aspects, aspects found with 200 corrected reviews:
    accuracy 0.887 vs 0.851 and 0.864 on Russian restaurants, 0.869 vs 0.833 and 0.855 on
    Arabic hotels, 2 draws; macro-F1 is 0.01-0.02 below the review's, as fewer aspects
    are called neutral). The review's tone is lent to every clause but one that opens with a
    contrast word: that clause turns the opinion around ("..., but delivery took two
    weeks"), and read neutral on its own it says the opposite of the clause before it
    ("вежливый, но доставка заняла три недели"). Withholding the tone from every clause of
    a text with a contrast cost 0.02 on both sets: nearly every long review has a "but"."""
    turns = np.array([i > 0 and starts_with_contrast(c) for i, c in enumerate(parts)])
    p = clause_p if whole_p is None else clause_p * np.where(turns[:, None], 1.0, whole_p)
    p = p / np.maximum(p.sum(axis=1, keepdims=True), 1e-12)
    out = [(LABELS[int(row.argmax())], float(row[2] - row[0])) for row in p]
    for i in np.flatnonzero(turns):
        before, before_score = out[i - 1]
        if out[i][0] == "neutral" and before != "neutral":
            out[i] = ("negative" if before == "positive" else "positive", -before_score / 2)
    return out


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
