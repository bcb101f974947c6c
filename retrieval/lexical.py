"""BM25 over a workspace's counted mentions, in memory: the lexical half of hybrid retrieval.

Dense retrieval misses exact words (product codes, names, "flightled"); BM25 misses
paraphrase. Tokens are case- and accent-folded words with stop words removed, cut to their
first STEM letters: a crude stemmer that needs no per-language model and keeps Russian and
Kazakh inflections ("багаж", "багажа", "багажом") on one term.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from scipy import sparse

from enrichment.stopwords import stop_words
from hark.text import LOWERCASE_URL, fold

_WORD = re.compile(r"[^\W\d_]{2,}")
STEM = 5
K1, B = 1.2, 0.75


def tokens(text: str) -> list[str]:
    stops = stop_words(None)
    out = []
    for w in _WORD.findall(LOWERCASE_URL.sub(" ", text)):
        f = fold(w)
        if f not in stops:
            out.append(f[:STEM])
    return out


class LexicalIndex:
    """BM25 over a fixed set of (id, text), built once: hybrid retrieval makes one per query
    over that query's candidates, so it is neither shared between threads nor grown."""

    def __init__(self, ids: Sequence[int], texts: Sequence[str]) -> None:
        self._vocab: dict[str, int] = {}
        self._ids = np.asarray(ids, np.int64)
        data: list[int] = []
        cols: list[int] = []
        indptr = [0]
        lengths = []
        for text in texts:
            counts: dict[int, int] = {}
            toks = tokens(text)
            for t in toks:
                j = self._vocab.setdefault(t, len(self._vocab))
                counts[j] = counts.get(j, 0) + 1
            cols.extend(counts)
            data.extend(counts.values())
            indptr.append(len(cols))
            lengths.append(len(toks))
        tf = sparse.csr_matrix(
            (np.array(data, np.float32), np.array(cols, np.int64), np.array(indptr)),
            shape=(len(texts), max(len(self._vocab), 1)),
        )
        self._weights = _bm25(tf, np.array(lengths, np.float32))

    def __len__(self) -> int:
        return len(self._ids)

    def scores(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """(ids, BM25 scores) of every document sharing a term with the query."""
        terms = [self._vocab[t] for t in dict.fromkeys(tokens(query)) if t in self._vocab]
        if not terms or not len(self._ids):
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        col = np.asarray(self._weights[:, terms].sum(axis=1)).ravel()
        hit = np.flatnonzero(col > 0)
        return self._ids[hit], col[hit]


def _bm25(tf: sparse.csr_matrix, lengths: np.ndarray) -> sparse.csc_matrix:
    """BM25 term weights per (document, term) from term counts and document lengths."""
    n, width = tf.shape
    df = np.bincount(tf.indices, minlength=width)
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
    avg = float(lengths.mean()) if n else 1.0
    norm = K1 * (1 - B + B * lengths / max(avg, 1e-6))
    coo = tf.tocoo()
    w = coo.data * (K1 + 1) / (coo.data + norm[coo.row]) * idf[coo.col]
    return sparse.csc_matrix((w, (coo.row, coo.col)), shape=(n, width))
