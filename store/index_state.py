"""Per-workspace index write counters and the rows an in-memory index mirror loads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from store.tables import embeddings, index_epochs, mentions


def _ensure_row(conn: Connection, workspace: str) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(
        dialect.insert(index_epochs)
        .values(workspace=workspace, seq=0, epoch=0)
        .on_conflict_do_nothing(index_elements=["workspace"])
    )


def next_seq(conn: Connection, *, workspace: str) -> int:
    """Take the next write sequence number. The row lock it takes orders concurrent writers,
    so sequence order is commit order and mirrors never skip a write."""
    _ensure_row(conn, workspace)
    return int(
        conn.execute(
            update(index_epochs)
            .where(index_epochs.c.workspace == workspace)
            .values(seq=index_epochs.c.seq + 1)
            .returning(index_epochs.c.seq)
        ).scalar_one()
    )


def bump_epoch(conn: Connection, *, workspace: str) -> None:
    """Documents were removed from the index: mirrors must reload."""
    _ensure_row(conn, workspace)
    conn.execute(
        update(index_epochs)
        .where(index_epochs.c.workspace == workspace)
        .values(epoch=index_epochs.c.epoch + 1)
    )


def version(conn: Connection, *, workspace: str) -> tuple[int, int]:
    row = conn.execute(
        select(index_epochs.c.seq, index_epochs.c.epoch).where(
            index_epochs.c.workspace == workspace
        )
    ).first()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def mark_indexed(
    conn: Connection, *, workspace: str, items: Sequence[tuple[int, str, datetime]]
) -> None:
    """Record the documents just written to the index (id, document hash, the row's
    updated_at when it was read) under a new seq. A row changed since it was read stays
    pending, so the next sync writes its new document."""
    if not items:
        return
    seq = next_seq(conn, workspace=workspace)
    m = mentions.c
    conn.execute(
        update(mentions)
        .where(m.id == bindparam("_id"), m.updated_at == bindparam("_u"), m.indexed_hash.is_(None))
        .values(indexed_hash=bindparam("_h"), indexed_seq=seq)
        .execution_options(synchronize_session=False),
        [{"_id": mid, "_h": h, "_u": u} for mid, h, u in items],
    )


def mirror_rows(conn: Connection, *, workspace: str, model: str, after_seq: int) -> list[Row[Any]]:
    """Indexed canonical mentions written after ``after_seq``, with their vectors."""
    m, e = mentions.c, embeddings.c
    return list(
        conn.execute(
            select(
                m.id,
                m.created_at,
                m.source,
                m.source_type,
                m.language,
                m.brand,
                m.location,
                m.sentiment,
                m.rating,
                m.author_type,
                e.vector,
            )
            .join(embeddings, (e.content_hash == m.content_hash) & (e.model == model))
            .where(
                m.workspace == workspace,
                m.duplicate_of.is_(None),
                m.indexed_hash.is_not(None),
                m.indexed_seq > after_seq,
            )
            .order_by(m.id)
        )
    )
