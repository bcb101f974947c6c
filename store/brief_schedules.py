"""Stored brief schedules, and the claim that makes one fire time run once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from store.tables import brief_schedules

# What a caller may set; the run bookkeeping (last_run, last_brief_id, last_error) is written
# only by ``claim`` and ``record_run``.
FIELDS = (
    "name",
    "cron",
    "timezone",
    "language",
    "period",
    "filters",
    "recipients",
    "enabled",
    "not_before",
)


def insert_schedule(
    conn: Connection, *, workspace: str, values: dict[str, Any], now: datetime
) -> int:
    result = conn.execute(
        insert(brief_schedules).values(
            workspace=workspace,
            **{k: values[k] for k in FIELDS},
            created_at=now,
            updated_at=now,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def get(conn: Connection, *, workspace: str, schedule_id: int) -> Any | None:
    s = brief_schedules.c
    return conn.execute(
        select(brief_schedules).where(s.workspace == workspace, s.id == schedule_id)
    ).first()


def name_taken(conn: Connection, *, workspace: str, name: str, other_than: int | None) -> bool:
    s = brief_schedules.c
    cond = (s.workspace == workspace) & (s.name == name)
    if other_than is not None:
        cond = cond & (s.id != other_than)
    return conn.execute(select(s.id).where(cond).limit(1)).first() is not None


def listing(conn: Connection, *, workspace: str) -> Sequence[Any]:
    s = brief_schedules.c
    return list(
        conn.execute(select(brief_schedules).where(s.workspace == workspace).order_by(s.id))
    )


def enabled(conn: Connection) -> Sequence[Any]:
    """Every workspace's enabled schedules: what the scheduler looks at."""
    s = brief_schedules.c
    return list(conn.execute(select(brief_schedules).where(s.enabled.is_(True)).order_by(s.id)))


def update_schedule(
    conn: Connection, *, workspace: str, schedule_id: int, values: dict[str, Any], now: datetime
) -> bool:
    s = brief_schedules.c
    changes = {k: v for k, v in values.items() if k in FIELDS}
    result = conn.execute(
        update(brief_schedules)
        .where(s.workspace == workspace, s.id == schedule_id)
        .values(**changes, updated_at=now)
    )
    return result.rowcount == 1


def delete_schedule(conn: Connection, *, workspace: str, schedule_id: int) -> bool:
    s = brief_schedules.c
    result = conn.execute(
        delete(brief_schedules).where(s.workspace == workspace, s.id == schedule_id)
    )
    return result.rowcount == 1


def claim(conn: Connection, *, schedule_id: int, last_run: datetime | None, fire: datetime) -> bool:
    """Set ``last_run`` to ``fire`` only if it still is ``last_run``: of two schedulers that
    saw the same due fire time, exactly one gets the row (the other's UPDATE matches
    nothing), so each fire time runs once."""
    s = brief_schedules.c
    seen = s.last_run.is_(None) if last_run is None else s.last_run == last_run
    result = conn.execute(
        update(brief_schedules)
        .where(s.id == schedule_id, s.enabled.is_(True), seen)
        .values(last_run=fire)
    )
    return result.rowcount == 1


def record_run(
    conn: Connection, *, schedule_id: int, brief_id: int | None, error: str | None
) -> None:
    s = brief_schedules.c
    values: dict[str, Any] = {"last_error": error}
    if brief_id is not None:
        values["last_brief_id"] = brief_id
    conn.execute(update(brief_schedules).where(s.id == schedule_id).values(**values))
