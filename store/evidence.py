"""Reading the mentions behind a number: the rows an analytics scope counts, for quoting."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, select

from store.analytics import ScopeSpec, Span, in_window, scope_condition, taxonomy_version
from store.tables import mentions

QUOTE_COLUMNS = ("id", "text", "title", "source", "created_at", "url", "sentiment", "language")


def scope_rows(conn: Connection, *, scope: ScopeSpec, window: Span, limit: int) -> Sequence[Any]:
    """Up to ``limit`` counted mentions in ``scope`` within ``window``, newest first (the
    same set analytics counts, so a quote always belongs to the number it illustrates)."""
    m = mentions.c
    version = taxonomy_version(conn, workspace=scope.workspace)
    cond = and_(scope_condition(scope, version), in_window(window))
    return list(
        conn.execute(
            select(*(mentions.c[c] for c in QUOTE_COLUMNS))
            .where(cond)
            .order_by(m.created_at.desc(), m.id.desc())
            .limit(limit)
        )
    )
