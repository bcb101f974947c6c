"""Reading the mentions a theme question is about: the rows analytics counts under a scope, in
one window, of one mention-level sentiment. Themes must count exactly what the analytics count
(so no theme's share can pass 100 %), hence the same scope condition and window test."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, select

from store.analytics import ScopeSpec, Span, in_window, scope_condition, taxonomy_version
from store.tables import mentions

THEME_COLUMNS = ("id", "text", "title", "language", "brand")


def theme_rows(
    conn: Connection,
    *,
    scope: ScopeSpec,
    window: Span,
    sentiment: str | None,
    limit: int,
) -> tuple[Sequence[Any], bool]:
    """Up to ``limit`` counted mentions in ``scope`` within ``window``, newest first (ties by
    id), with mention-level ``sentiment`` when given; and whether more matched than ``limit``
    (the caller then says that its themes cover the newest ``limit`` only)."""
    m = mentions.c
    version = taxonomy_version(conn, workspace=scope.workspace)
    cond = and_(scope_condition(scope, version), in_window(window))
    if sentiment is not None:
        cond = and_(cond, m.sentiment == sentiment)
    rows = list(
        conn.execute(
            select(*(mentions.c[c] for c in THEME_COLUMNS))
            .where(cond)
            .order_by(m.created_at.desc(), m.id.desc())
            .limit(limit + 1)
        )
    )
    return rows[:limit], len(rows) > limit
