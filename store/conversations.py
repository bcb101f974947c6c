"""Stored conversations and their turns, each turn kept whole as it was answered."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from store.tables import conversation_turns, conversations


def create(
    conn: Connection, *, workspace: str, title: str | None = None, key: str | None = None
) -> int:
    """A new conversation; one with a ``key`` the workspace already has is an
    IntegrityError."""
    now = datetime.now(UTC)
    result = conn.execute(
        insert(conversations).values(
            workspace=workspace, key=key, title=title, created_at=now, updated_at=now
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def get(conn: Connection, *, workspace: str, conversation_id: int) -> Any | None:
    """The conversation, or None when there is none of that id in the workspace."""
    c = conversations.c
    return conn.execute(
        select(conversations).where(c.workspace == workspace, c.id == conversation_id)
    ).first()


def by_key(conn: Connection, *, workspace: str, key: str) -> int | None:
    """The id of the workspace's conversation a chat platform calls ``key``, or None."""
    c = conversations.c
    found = conn.execute(
        select(c.id).where(c.workspace == workspace, c.key == key)
    ).scalar_one_or_none()
    return None if found is None else int(found)


def remove(conn: Connection, *, workspace: str, conversation_id: int) -> bool:
    c = conversations.c
    conn.execute(
        delete(conversation_turns).where(
            conversation_turns.c.conversation_id.in_(
                select(c.id).where(c.workspace == workspace, c.id == conversation_id)
            )
        )
    )
    done = conn.execute(
        delete(conversations).where(c.workspace == workspace, c.id == conversation_id)
    )
    return bool(done.rowcount)


def turns(conn: Connection, *, conversation_id: int, last: int | None = None) -> Sequence[Any]:
    """The conversation's turns in order; with ``last``, only the newest that many."""
    t = conversation_turns.c
    query = select(conversation_turns).where(t.conversation_id == conversation_id)
    if last is None:
        return list(conn.execute(query.order_by(t.number)))
    newest = list(conn.execute(query.order_by(t.number.desc()).limit(last)))
    return newest[::-1]


def turn_count(conn: Connection, *, conversation_id: int) -> int:
    t = conversation_turns.c
    found = conn.execute(
        select(func.count()).where(t.conversation_id == conversation_id)
    ).scalar_one()
    return int(found)


def add_turn(conn: Connection, *, conversation_id: int, **values: Any) -> int:
    """Store a turn as the conversation's next one; returns its number (from 1). A
    concurrent turn that took the number first makes this an IntegrityError: the caller
    retries in a new transaction."""
    t = conversation_turns.c
    now = datetime.now(UTC)
    newest = conn.execute(
        select(func.max(t.number)).where(t.conversation_id == conversation_id)
    ).scalar_one()
    number = int(newest or 0) + 1
    conn.execute(
        insert(conversation_turns).values(
            conversation_id=conversation_id, number=number, created_at=now, **values
        )
    )
    # An untitled conversation is called by its first question.
    title = func.coalesce(conversations.c.title, str(values.get("question", ""))[:200] or None)
    conn.execute(
        update(conversations)
        .where(conversations.c.id == conversation_id)
        .values(updated_at=now, title=title)
    )
    return number
