"""Reading the mentions behind a number: the rows an analytics scope counts, for quoting."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, exists, select

from store.analytics import ScopeSpec, Span, in_window, scope_condition, taxonomy_version
from store.tables import mention_topics, mentions

QUOTE_COLUMNS = ("id", "text", "title", "source", "created_at", "url", "sentiment", "language")


def scope_rows(
    conn: Connection,
    *,
    scope: ScopeSpec,
    window: Span,
    limit: int,
    topic_sentiment: str | None = None,
) -> Sequence[Any]:
    """Up to ``limit`` counted mentions in ``scope`` within ``window``, newest first (the
    same set analytics counts, so a quote always belongs to the number it illustrates).
    ``topic_sentiment``: the scope's topics must carry this (clause-level) polarity, as topic
    counts with a sentiment do."""
    m, t = mentions.c, mention_topics.c
    version = taxonomy_version(conn, workspace=scope.workspace)
    cond = and_(scope_condition(scope, version), in_window(window))
    if topic_sentiment is not None and scope.topics and version is not None:
        cond = and_(
            cond,
            exists().where(
                t.mention_id == m.id,
                t.taxonomy_version == version,
                t.topic.in_(scope.topics),
                t.sentiment == topic_sentiment,
            ),
        )
    return list(
        conn.execute(
            select(*(mentions.c[c] for c in QUOTE_COLUMNS))
            .where(cond)
            .order_by(m.created_at.desc(), m.id.desc())
            .limit(limit)
        )
    )


def rows_by_id(conn: Connection, *, scope: ScopeSpec, ids: Sequence[int]) -> Sequence[Any]:
    """The counted mentions in ``scope`` among ``ids`` (quotes chosen elsewhere, such as a
    discovered theme's, re-read under the scope so none escapes it)."""
    if not ids:
        return []
    version = taxonomy_version(conn, workspace=scope.workspace)
    return list(
        conn.execute(
            select(*(mentions.c[c] for c in QUOTE_COLUMNS)).where(
                scope_condition(scope, version), mentions.c.id.in_(list(ids))
            )
        )
    )


def notable_rows(
    conn: Connection, *, scope: ScopeSpec, window: Span, by: str, limit: int
) -> Sequence[Any]:
    """The counted mentions in ``scope`` within ``window`` that stand out on their own:
    ``by="reach"`` the widest reach (mentions without one left out), ``by="negative"`` the
    surest negatives (labelled negative, highest negative probability; a correction, with no
    probability, first). Ties go to the newest."""
    m = mentions.c
    version = taxonomy_version(conn, workspace=scope.workspace)
    cond = and_(scope_condition(scope, version), in_window(window))
    if by == "reach":
        cond, order = and_(cond, m.reach.is_not(None), m.reach > 0), [m.reach.desc()]
    elif by == "negative":
        cond = and_(cond, m.sentiment == "negative")
        order = [m.p_negative.is_(None).desc(), m.p_negative.desc()]
    else:
        raise ValueError(f"unknown notable order {by!r}")
    return list(
        conn.execute(
            select(*(mentions.c[c] for c in (*QUOTE_COLUMNS, "reach")))
            .where(cond)
            .order_by(*order, m.created_at.desc(), m.id.desc())
            .limit(limit)
        )
    )
