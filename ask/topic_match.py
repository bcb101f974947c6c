"""A question matched onto a workspace's taxonomy topics in whatever language it is asked.

Why not the planner's old rule (centred similarity to the topic prototype >= 0.5): it was set
for English, and e5 puts a question in another language further from English topic phrases,
so a Russian question about delays scored 0.35 and an Arabic one 0.46: no topic, and the
answer counted everything. Here a topic is reached three ways, best first:

- ``name``: the topic's name (in any script, transliteration-insensitive) is in the question;
- ``example`` / ``similarity``: the question's e5 query vector is compared, centred (the
  mean e5 direction removed, ``TopicModel.centred_cosines``; what the topics share is kept,
  unlike for mentions under scoring 2), with the topic's prototype (mean of name, description and
  examples) and with each of its phrases one by one (max over phrases: a question close to one
  example, e.g. the Russian one, counts even when the mean is pulled elsewhere); the score
  mixes the two, ``how`` says whether the closest phrase was an example or the name line.

The threshold and margin were calibrated with ``python -m evals.cross_language`` on airline
questions in en/ru/kk/ar/fa (24 on-topic and 8 off-topic per language): at
``MATCH_THRESHOLD`` no off-topic question (generic "what do people say about us", other
products, loyalty programme) reaches a topic, and a question whose two best topics are within
``MATCH_MARGIN`` of each other gets none: returning nothing costs a broader answer, a wrong
topic silently narrows every number in it.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

import numpy as np

from enrichment.taxonomy import TopicModel
from enrichment.transliteration import skeleton
from hark.protocols import Embedder

# Calibrated on evals/cross_language_queries.jsonl (see the module docstring).
MATCH_THRESHOLD = 0.35
MATCH_MARGIN = 0.02
# Weight of the prototype (mean of the topic's phrases) against the single closest phrase.
PROTOTYPE_WEIGHT = 0.7

How = Literal["name", "example", "similarity"]


@dataclass(frozen=True)
class TopicMatch:
    topic: str
    score: float
    how: How


@dataclass(frozen=True)
class _Phrases:
    """One taxonomy's phrase vectors, embedded once per (embedder, taxonomy)."""

    vectors: np.ndarray  # (phrases, dim) raw unit e5 query vectors
    centred: np.ndarray  # (phrases, dim) centred, unit
    owner: np.ndarray  # (phrases,) topic index of each phrase
    is_example: np.ndarray  # (phrases,) bool


_CACHE: OrderedDict[tuple[str, tuple[tuple[str, ...], ...]], _Phrases] = OrderedDict()
_CACHE_SIZE = 32
_LOCK = threading.Lock()


def _unit(m: np.ndarray) -> np.ndarray:
    return m / np.maximum(np.linalg.norm(m, axis=-1, keepdims=True), 1e-12)


def _key(text: str) -> str:
    return " ".join(k for w in re.findall(r"\w+", text) if (k := skeleton(w)))


def _phrases(model: TopicModel, embedder: Embedder) -> _Phrases:
    texts = tuple(tuple(t.phrases()) for t in model.taxonomy.topics)
    key = (embedder.name, texts)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    flat = [p for ps in texts for p in ps]
    # Embedded as queries, like the question: e5 matches query to query across languages
    # better than query to passage.
    vectors = np.stack([embedder.embed_query(p) for p in flat]).astype(np.float32)
    owner = np.array([i for i, ps in enumerate(texts) for _ in ps], np.int64)
    is_example = np.array([j > 0 for ps in texts for j in range(len(ps))], bool)
    entry = _Phrases(vectors, _unit(vectors - model.centre), owner, is_example)
    with _LOCK:
        _CACHE[key] = entry
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return entry


def match_topics(
    question: str,
    model: TopicModel,
    embedder: Embedder,
    question_vector: np.ndarray | None = None,
) -> list[TopicMatch]:
    """Topics the question is about, best first; empty when none is clear.

    Topics named in the question all come back (``how="name"``, score 1.0). Otherwise at most
    one: the best-scoring topic when it reaches ``MATCH_THRESHOLD`` and leads the runner-up
    by ``MATCH_MARGIN``. ``question_vector`` (the question's e5 *query* vector) saves an
    embedding when the caller has it already.
    """
    if not model.ids:
        return []
    q = f" {_key(question)} "
    named = [
        TopicMatch(t.id, 1.0, "name")
        for t in model.taxonomy.topics
        if len(k := _key(t.name)) >= 3 and f" {k} " in q
    ]
    if named:
        return named
    scores, via_example = topic_scores(question, model, embedder, question_vector)
    order = np.argsort(-scores)
    best = int(order[0])
    second = float(scores[order[1]]) if len(order) > 1 else -1.0
    if scores[best] < MATCH_THRESHOLD or scores[best] - second < MATCH_MARGIN:
        return []
    how: How = "example" if via_example[best] else "similarity"
    return [TopicMatch(model.ids[best], round(float(scores[best]), 4), how)]


def topic_scores(
    question: str,
    model: TopicModel,
    embedder: Embedder,
    question_vector: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(score per topic, whether its closest phrase is an example): the evidence behind
    ``match_topics``, for evals and for callers that want a ranking, not a decision."""
    phrases = _phrases(model, embedder)
    qv = embedder.embed_query(question) if question_vector is None else question_vector
    qc = _unit(np.asarray(qv, np.float32) - model.centre)
    per_phrase = phrases.centred @ qc
    n = len(model.ids)
    closest = np.full(n, -np.inf)
    via_example = np.zeros(n, bool)
    for i, (s, t) in enumerate(zip(per_phrase, phrases.owner, strict=True)):
        if s > closest[t]:
            closest[t], via_example[t] = s, phrases.is_example[i]
    # Questions are e5 queries: the prototypes alone, not heads fit on passages.
    proto = model.centred_cosines(qv[None, :])[0]
    return PROTOTYPE_WEIGHT * proto + (1 - PROTOTYPE_WEIGHT) * closest, via_example


def topic_anchor(model: TopicModel, embedder: Embedder, topic: str) -> np.ndarray:
    """The topic's phrases as one unit e5 query vector (mean of name, description and
    examples, uncentred): a language-neutral statement of what the topic means, which search
    folds into a question's vector (retrieval.search, ``anchors``) so a question in Kazakh
    finds the English mentions an English question would."""
    phrases = _phrases(model, embedder)
    i = model.ids.index(topic)
    return _unit(phrases.vectors[phrases.owner == i].mean(axis=0)).astype(np.float32)
