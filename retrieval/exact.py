"""An in-memory mirror of one workspace's indexed vectors and filter fields, for exact search.

Chroma answers unfiltered queries well, but with a `where` filter it is slow (its metadata
filter runs per query) and HNSW recall falls when few documents pass. The mirror applies the
same filters with numpy and scores the survivors exactly: recall 1.0 and a few milliseconds
at 100k mentions. It follows the index through the write counters in ``index_epochs``:
new writes are merged incrementally, removals trigger a reload.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from sqlalchemy import Engine

from hark.domain import SearchFilters
from retrieval.vector_index import VectorHit
from store import index_state

_CATEGORICAL = ("source", "source_type", "language", "brand", "location", "sentiment")
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
        self._ids = np.zeros(0, np.int64)
        self._vectors = np.zeros((0, self._dim), np.float32)
        self._ts = np.zeros(0, np.int64)
        self._rating = np.zeros(0, np.float64)
        self._codes = {f: _Codes() for f in _CATEGORICAL}
        self._cats = {f: np.zeros(0, np.int32) for f in _CATEGORICAL}

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
            start = len(self._ids)
            self._ids = np.concatenate([self._ids, [rows[i].id for i in fresh]])
            self._vectors = np.concatenate([self._vectors, vectors[fresh]])
            self._ts = np.concatenate([self._ts, ts[fresh]])
            self._rating = np.concatenate([self._rating, rating[fresh]])
            for f in _CATEGORICAL:
                self._cats[f] = np.concatenate([self._cats[f], cats[f][fresh]])
            for n, i in enumerate(fresh):
                self._pos[rows[i].id] = start + n

    def _mask(self, filters: SearchFilters) -> np.ndarray:
        mask = np.ones(len(self._ids), dtype=bool)
        if filters.since is not None:
            mask &= self._ts >= int(filters.since.timestamp())
        if filters.until is not None:
            mask &= (self._ts != _NO_TIME) & (self._ts < int(np.ceil(filters.until.timestamp())))
        for f, values in (
            ("source", filters.sources),
            ("source_type", [v.value for v in filters.source_types]),
            ("language", filters.languages),
            ("brand", filters.brands),
            ("location", filters.locations),
            ("sentiment", [v.value for v in filters.sentiments]),
        ):
            if values:
                mask &= np.isin(self._cats[f], self._codes[f].lookup(list(values)))
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
            mask = self._mask(filters)
            rows = np.flatnonzero(mask)
            if len(rows) > max_candidates:
                return None
            if len(rows) == 0:
                return [], 0
            q = query.astype(np.float32)
            if len(rows) > _FULL_SCAN_SHARE * len(self._ids):
                scores = np.where(mask, self._vectors @ q, -np.inf)[rows]
            else:
                scores = self._vectors[rows] @ q
            ids = self._ids[rows]
        top = min(k, len(rows))
        best = np.argpartition(-scores, top - 1)[:top]
        best = best[np.lexsort((ids[best], -scores[best]))]
        return [VectorHit(int(ids[i]), float(scores[i])) for i in best], len(rows)
