"""Embedding cache keyed by (model, content hash): the same content is never embedded twice."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from store.db import chunks
from store.tables import embeddings


def get_vectors(
    conn: Connection, *, model: str, content_hashes: Sequence[str]
) -> dict[str, np.ndarray]:
    keys = list(dict.fromkeys(content_hashes))
    found: dict[str, np.ndarray] = {}
    e = embeddings.c
    for chunk in chunks(keys):
        rows = conn.execute(
            select(e.content_hash, e.vector).where(e.model == model, e.content_hash.in_(chunk))
        )
        for h, blob in rows:
            found[h] = np.frombuffer(blob, dtype=np.float32)
    return found


def put_vectors(conn: Connection, *, model: str, vectors: dict[str, np.ndarray]) -> None:
    if not vectors:
        return
    rows = [
        {
            "model": model,
            "content_hash": h,
            "dim": int(v.shape[0]),
            "vector": np.asarray(v, dtype=np.float32).tobytes(),
        }
        for h, v in vectors.items()
    ]
    # Another process may embed the same content at the same time: first writer wins.
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(embeddings).on_conflict_do_nothing(), rows)
