"""An in-memory mirror of one workspace's indexed vectors and filter fields, for exact search.

Chroma answers unfiltered queries well, but with a `where` filter it is slow (its metadata
filter runs per query) and HNSW recall falls when few documents pass. The mirror applies the
same filters with numpy and scores the survivors exactly: recall 1.0 and a few milliseconds
at 100k mentions. It follows the index through the write counters in ``index_epochs``:
new writes are merged incrementally, removals trigger a reload.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import Engine

from hark.domain import SearchFilters
from retrieval.vector_index import VectorHit
from store import index_state

_CATEGORICAL = (
    "source",
    "source_type",
    "language",
    "brand",
    "location",
    "sentiment",
    "author_type",
)
_NO_TIME = np.iinfo(np.int64).min
# Above this share of the workspace, one full matrix-vector product beats copying the subset.
_FULL_SCAN_SHARE = 0.2


class _Codes:
    """Value <-> small-integer codes for one categorical field (-1 is "unknown")."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}

    def encode(self, value: str | None) -> int:
        if value is None:
            return -1
        return self.codes.setdefault(value, len(self.codes))

    def lookup(self, values: list[str]) -> list[int]:
        return [self.codes[v] for v in values if v in self.codes]


class ExactMirror:
    def __init__(self, engine: Engine, *, workspace: str, model: str, dim: int) -> None:
        self._engine = engine
        self.workspace = workspace
        self._model = model
        self._dim = dim
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self._seq, self._epoch = -1, -1
        self._pos: dict[int, int] = {}
        self._codes = {f: _Codes() for f in _CATEGORICAL}
        self._n = 0
        # Buffers grow by doubling, so a stream of small writes costs amortised O(1) per row;
        # the public arrays below are views of their first _n rows.
        self._buffers: dict[str, np.ndarray] = {
            "ids": np.zeros(0, np.int64),
            "vectors": np.zeros((0, self._dim), np.float32),
            "ts": np.zeros(0, np.int64),
            "rating": np.zeros(0, np.float64),
            **{f: np.zeros(0, np.int32) for f in _CATEGORICAL},
        }
        self._set_views()

    def _set_views(self) -> None:
        b, n = self._buffers, self._n
        self._ids, self._vectors = b["ids"][:n], b["vectors"][:n]
        self._ts, self._rating = b["ts"][:n], b["rating"][:n]
        self._cats = {f: b[f][:n] for f in _CATEGORICAL}

    def _grow(self, needed: int) -> None:
        capacity = len(self._buffers["ids"])
        if needed <= capacity:
            return
        capacity = max(needed, 2 * capacity, 1024)
        for name, old in self._buffers.items():
            new = np.zeros((capacity, *old.shape[1:]), old.dtype)
            new[: self._n] = old[: self._n]
            self._buffers[name] = new

    def __len__(self) -> int:
        return len(self._ids)

    def refresh(self) -> None:
        """Catch up with the index: one primary-key read when nothing changed."""
        with self._lock, self._engine.connect() as conn:
            seq, epoch = index_state.version(conn, workspace=self.workspace)
            if (seq, epoch) == (self._seq, self._epoch):
                return
            if epoch != self._epoch:
                self._reset()
            rows = index_state.mirror_rows(
                conn, workspace=self.workspace, model=self._model, after_seq=self._seq
            )
            self._merge(rows)
            self._seq, self._epoch = seq, epoch

    def _merge(self, rows: list[Any]) -> None:
        if not rows:
            return
        vectors = np.frombuffer(b"".join(r.vector for r in rows), dtype=np.float32)
        vectors = vectors.reshape(len(rows), self._dim)
        ts = np.array(
            [int(r.created_at.timestamp()) if r.created_at else _NO_TIME for r in rows], np.int64
        )
        rating = np.array([np.nan if r.rating is None else r.rating for r in rows], np.float64)
        cats = {
            f: np.array([self._codes[f].encode(getattr(r, f)) for r in rows], np.int32)
            for f in _CATEGORICAL
        }
        fresh = [i for i, r in enumerate(rows) if r.id not in self._pos]
        for i, r in enumerate(rows):
            at = self._pos.get(r.id)
            if at is not None:  # a re-indexed mention: overwrite in place
                self._vectors[at], self._ts[at], self._rating[at] = vectors[i], ts[i], rating[i]
                for f in _CATEGORICAL:
                    self._cats[f][at] = cats[f][i]
        if fresh:
            start, end = self._n, self._n + len(fresh)
            self._grow(end)
            b = self._buffers
            b["ids"][start:end] = [rows[i].id for i in fresh]
            b["vectors"][start:end] = vectors[fresh]
            b["ts"][start:end] = ts[fresh]
            b["rating"][start:end] = rating[fresh]
            for f in _CATEGORICAL:
                b[f][start:end] = cats[f][fresh]
            for n, i in enumerate(fresh):
                self._pos[rows[i].id] = start + n
            self._n = end
            self._set_views()

    def _mask(self, filters: SearchFilters) -> np.ndarray:
        mask = np.ones(len(self._ids), dtype=bool)
        if filters.since is not None:
            mask &= self._ts >= int(filters.since.timestamp())
        if filters.until is not None:
            mask &= (self._ts != _NO_TIME) & (self._ts < int(np.ceil(filters.until.timestamp())))
        for f, values in filters.value_filters():
            if values:
                mask &= np.isin(self._cats[f], self._codes[f].lookup(list(values)))
        customers, brand = filters.author_type_rule()
        by_brand = self._cats["author_type"] == self._codes["author_type"].codes.get("brand", -2)
        if not brand:
            mask &= ~by_brand
        if not customers:
            mask &= by_brand
        with np.errstate(invalid="ignore"):
            if filters.rating_min is not None:
                mask &= self._rating >= filters.rating_min
            if filters.rating_max is not None:
                mask &= self._rating <= filters.rating_max
        return mask

    def search(
        self, query: np.ndarray, filters: SearchFilters, k: int, max_candidates: int
    ) -> tuple[list[VectorHit], int] | None:
        """Exact top-k under the filters, or None when more than ``max_candidates`` pass."""
        self.refresh()
        with self._lock:
            q = query.astype(np.float32)
            if filters.is_empty():
                if len(self._ids) > max_candidates:
                    return None
                if len(self._ids) == 0:
                    return [], 0
                scores, ids = self._vectors @ q, self._ids
            else:
                rows = np.flatnonzero(self._mask(filters))
                if len(rows) > max_candidates:
                    return None
                if len(rows) == 0:
                    return [], 0
                if len(rows) > _FULL_SCAN_SHARE * len(self._ids):
                    scores = (self._vectors @ q)[rows]
                else:
                    scores = self._vectors[rows] @ q
                ids = self._ids[rows]
        top = min(k, len(ids))
        best = np.argpartition(-scores, top - 1)[:top]
        best = best[np.lexsort((ids[best], -scores[best]))]
        return [VectorHit(int(ids[i]), float(scores[i])) for i in best], len(ids)

    def vectors_for(self, ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """(ids found, their vectors) among ``ids``: indexed mentions only, in index order."""
        self.refresh()
        with self._lock:
            rows = np.flatnonzero(np.isin(self._ids, np.asarray(list(ids), np.int64)))
            return self._ids[rows].copy(), self._vectors[rows].copy()
