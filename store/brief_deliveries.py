"""Deliveries of briefs and their attempts.

A delivery is written as pending, with its first attempt started, before anything is sent;
``next_attempt_at`` is then a lease: if the sender dies, the retry loop takes the delivery
again once the lease has passed. Claims are conditional UPDATEs, so two retry loops never
make the same attempt."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update

from store.db import chunks
from store.tables import brief_deliveries, brief_delivery_attempts

PENDING, SENT, FAILED = "pending", "sent", "failed"
STATUSES = (PENDING, SENT, FAILED)


def create(
    conn: Connection,
    *,
    workspace: str,
    brief_id: int,
    schedule_id: int | None,
    channel: str,
    target: str,
    now: datetime,
    lease_until: datetime,
) -> int:
    """A pending delivery whose first attempt starts now (held until ``lease_until``)."""
    result = conn.execute(
        insert(brief_deliveries).values(
            workspace=workspace,
            brief_id=brief_id,
            schedule_id=schedule_id,
            channel=channel,
            target=target,
            status=PENDING,
            attempts=1,
            next_attempt_at=lease_until,
            created_at=now,
            updated_at=now,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    delivery_id = int(key[0])
    _start(conn, delivery_id=delivery_id, number=1, now=now)
    return delivery_id


def due(conn: Connection, *, now: datetime, limit: int) -> Sequence[Any]:
    """Pending deliveries whose next attempt (or expired lease) is due, oldest first."""
    d = brief_deliveries.c
    return list(
        conn.execute(
            select(brief_deliveries)
            .where(d.status == PENDING, d.next_attempt_at <= now)
            .order_by(d.next_attempt_at, d.id)
            .limit(limit)
        )
    )


def claim(conn: Connection, *, row: Any, now: datetime, lease_until: datetime) -> int | None:
    """Start the next attempt of ``row`` (as read by ``due``) if nobody else did since:
    the attempt's number, or None when another loop got there first."""
    d = brief_deliveries.c
    number = int(row.attempts) + 1
    result = conn.execute(
        update(brief_deliveries)
        .where(
            d.id == row.id,
            d.status == PENDING,
            d.attempts == row.attempts,
            d.next_attempt_at == row.next_attempt_at,
        )
        .values(attempts=number, next_attempt_at=lease_until, updated_at=now)
    )
    if result.rowcount != 1:
        return None
    _start(conn, delivery_id=int(row.id), number=number, now=now)
    return number


def _start(conn: Connection, *, delivery_id: int, number: int, now: datetime) -> None:
    conn.execute(
        insert(brief_delivery_attempts).values(
            delivery_id=delivery_id, number=number, started_at=now
        )
    )


def finish(
    conn: Connection,
    *,
    delivery_id: int,
    number: int,
    now: datetime,
    ok: bool,
    code: int | None,
    error: str | None,
    status: str,
    next_attempt_at: datetime | None,
) -> None:
    """Record how attempt ``number`` ended and what the delivery does next. The delivery
    itself changes only while this is still its latest attempt (one that outlived its lease
    does not undo a newer one)."""
    a = brief_delivery_attempts.c
    conn.execute(
        update(brief_delivery_attempts)
        .where(a.delivery_id == delivery_id, a.number == number)
        .values(finished_at=now, ok=ok, code=code, error=error)
    )
    d = brief_deliveries.c
    conn.execute(
        update(brief_deliveries)
        .where(d.id == delivery_id, d.attempts == number, d.status == PENDING)
        .values(
            status=status,
            next_attempt_at=next_attempt_at,
            last_error=None if ok else error,
            sent_at=now if ok else None,
            updated_at=now,
        )
    )


def get(conn: Connection, *, delivery_id: int) -> Any | None:
    return conn.execute(
        select(brief_deliveries).where(brief_deliveries.c.id == delivery_id)
    ).first()


def listing(
    conn: Connection,
    *,
    workspace: str,
    brief_id: int | None,
    status: str | None,
    limit: int,
) -> Sequence[Any]:
    """A workspace's deliveries, newest first."""
    d = brief_deliveries.c
    cond = d.workspace == workspace
    if brief_id is not None:
        cond = and_(cond, d.brief_id == brief_id)
    if status is not None:
        cond = and_(cond, d.status == status)
    return list(
        conn.execute(select(brief_deliveries).where(cond).order_by(d.id.desc()).limit(limit))
    )


def attempts(conn: Connection, delivery_ids: Sequence[int]) -> dict[int, list[Any]]:
    """The attempts of these deliveries, in order, by delivery id."""
    a = brief_delivery_attempts.c
    out: dict[int, list[Any]] = {i: [] for i in delivery_ids}
    for part in chunks(list(delivery_ids)):
        rows = conn.execute(
            select(brief_delivery_attempts)
            .where(a.delivery_id.in_(part))
            .order_by(a.delivery_id, a.number)
        )
        for row in rows:
            out[int(row.delivery_id)].append(row)
    return out
