"""Stored briefs: each kept whole (its facts and quotes as JSON), newest first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, select

from store.tables import briefs


def save(
    conn: Connection,
    *,
    workspace: str,
    schedule_id: int | None,
    period_start: datetime,
    period_end: datetime,
    language: str,
    filters_key: str,
    headline: str,
    body: dict[str, Any],
    created_at: datetime | None = None,
) -> int:
    result = conn.execute(
        insert(briefs).values(
            workspace=workspace,
            schedule_id=schedule_id,
            period_start=period_start,
            period_end=period_end,
            language=language,
            filters_key=filters_key,
            headline=headline,
            body=body,
            created_at=created_at or datetime.now(UTC),
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def get(conn: Connection, *, workspace: str, brief_id: int) -> Any | None:
    return conn.execute(
        select(briefs).where(briefs.c.workspace == workspace, briefs.c.id == brief_id)
    ).first()


def listing(
    conn: Connection,
    *,
    workspace: str,
    limit: int,
    before_id: int | None = None,
    schedule_id: int | None = None,
) -> Sequence[Any]:
    """Briefs newest first, without their bodies (a page of ``limit`` before ``before_id``)."""
    b = briefs.c
    cond = b.workspace == workspace
    if before_id is not None:
        cond = and_(cond, b.id < before_id)
    if schedule_id is not None:
        cond = and_(cond, b.schedule_id == schedule_id)
    return list(
        conn.execute(
            select(
                b.id,
                b.schedule_id,
                b.period_start,
                b.period_end,
                b.language,
                b.headline,
                b.created_at,
            )
            .where(cond)
            .order_by(b.id.desc())
            .limit(limit)
        )
    )


def latest_before(
    conn: Connection,
    *,
    workspace: str,
    period_start: datetime,
    schedule_id: int | None,
    filters_key: str,
) -> Any | None:
    """The newest brief of the same schedule (or, unscheduled, the same filters) whose period
    ended by ``period_start``: what "since the last brief" is measured from."""
    b = briefs.c
    cond = and_(b.workspace == workspace, b.period_end <= period_start)
    if schedule_id is not None:
        cond = and_(cond, b.schedule_id == schedule_id)
    else:
        cond = and_(cond, b.filters_key == filters_key)
    return conn.execute(
        select(briefs).where(cond).order_by(b.period_end.desc(), b.id.desc()).limit(1)
    ).first()
