"""Mentions whose text names something no catalog knows: a case-insensitive substring
search over the workspace's counted mentions, in SQL on both backends.

SQLite's LIKE folds case for ASCII only and PostgreSQL's not at all, so callers pass every
casing they want found (ask/names.py passes lower, upper and capitalised forms of each
spelling) and the query ORs them with ILIKE (lower() LIKE lower() on SQLite, ILIKE on
PostgreSQL); % and _ in a name are escaped, never wildcards."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Connection, false, func, or_, select

from store.tables import mentions

ESCAPE = "\\"


def _escaped(pattern: str) -> str:
    return pattern.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def names_condition(patterns: Sequence[str]) -> ColumnElement[bool]:
    """The text contains any of ``patterns`` (each already in the casings wanted)."""
    if not patterns:
        return false()
    text = mentions.c.text
    return or_(*(text.ilike(f"%{_escaped(p)}%", escape=ESCAPE) for p in patterns))


def count_naming(conn: Connection, *, workspace: str, patterns: Sequence[str]) -> int:
    """Counted mentions of the workspace (not copies) whose text contains a pattern."""
    m = mentions.c
    return int(
        conn.execute(
            select(func.count())
            .select_from(mentions)
            .where(m.workspace == workspace, m.duplicate_of.is_(None), names_condition(patterns))
        ).scalar_one()
    )
