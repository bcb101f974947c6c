"""BM25 over a workspace's counted mentions, in memory: the lexical half of hybrid retrieval.

Dense retrieval misses exact words (product codes, names, "flightled"); BM25 misses
paraphrase. Tokens are case- and accent-folded words with stop words removed, cut to their
first STEM letters: a crude stemmer that needs no per-language model and keeps Russian and
Kazakh inflections ("багаж", "багажа", "багажом") on one term.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence

import numpy as np
from scipy import sparse

from enrichment.stopwords import fold, stop_words

_WORD = re.compile(r"[^\W\d_]{2,}")
_URL = re.compile(r"https?://\S+|www\.\S+")
STEM = 5
K1, B = 1.2, 0.75


def tokens(text: str) -> list[str]:
    stops = stop_words(None)
    out = []
    for w in _WORD.findall(_URL.sub(" ", text)):
        f = fold(w)
        if f not in stops:
            out.append(f[:STEM])
    return out


class LexicalIndex:
    """An append-only BM25 index of (id, text); ``add`` is incremental, queries are exact."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._vocab: dict[str, int] = {}
        self._ids: list[int] = []
        self._rows: list[sparse.csr_matrix] = []
        self._matrix: sparse.csc_matrix | None = None
        self._lengths = np.zeros(0, np.float32)
        self.last_id = 0

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, ids: Sequence[int], texts: Sequence[str]) -> None:
        data: list[float] = []
        cols: list[int] = []
        indptr = [0]
        lengths = []
        with self._lock:
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
            block = sparse.csr_matrix(
                (np.array(data, np.float32), np.array(cols, np.int64), np.array(indptr)),
                shape=(len(texts), max(len(self._vocab), 1)),
            )
            self._rows.append(block)
            self._ids.extend(ids)
            self._lengths = np.concatenate([self._lengths, np.array(lengths, np.float32)])
            self._matrix = None
            if ids:
                self.last_id = max(self.last_id, max(ids))

    def _weights(self) -> sparse.csc_matrix:
        """BM25 term weights per (document, term), rebuilt lazily after additions."""
        if self._matrix is None:
            width = max(len(self._vocab), 1)
            tf = sparse.vstack(
                [
                    sparse.csr_matrix((r.data, r.indices, r.indptr), shape=(r.shape[0], width))
                    for r in self._rows
                ]
            ).tocsr()
            n = tf.shape[0]
            df = np.bincount(tf.indices, minlength=width)
            idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
            avg = float(self._lengths.mean()) if n else 1.0
            norm = K1 * (1 - B + B * self._lengths / max(avg, 1e-6))
            tf = tf.tocoo()
            w = tf.data * (K1 + 1) / (tf.data + norm[tf.row]) * idf[tf.col]
            self._matrix = sparse.csc_matrix((w, (tf.row, tf.col)), shape=(n, width))
        return self._matrix

    def scores(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """(ids, BM25 scores) of every document sharing a term with the query."""
        with self._lock:
            terms = [self._vocab[t] for t in dict.fromkeys(tokens(query)) if t in self._vocab]
            if not terms or not self._ids:
                return np.zeros(0, np.int64), np.zeros(0, np.float32)
            m = self._weights()
            col = np.asarray(m[:, terms].sum(axis=1)).ravel()
            hit = np.flatnonzero(col > 0)
            return np.asarray(self._ids, np.int64)[hit], col[hit]
