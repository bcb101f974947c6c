"""Per-workspace preferences that override a HARK_* setting for one workspace.

One row per workspace that set anything; a NULL column means "the service's setting". Kept in
SQL next to the mentions, so every API process and the CLI see the same value without a
restart, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from store.tables import workspace_settings


def get_timezone(conn: Connection, *, workspace: str) -> str | None:
    """The workspace's own time zone key, or None when it has not set one."""
    c = workspace_settings.c
    return conn.execute(select(c.timezone).where(c.workspace == workspace)).scalar()


def set_timezone(conn: Connection, *, workspace: str, timezone: str | None, now: datetime) -> None:
    """Store the workspace's time zone key (None: back to the service's setting). An upsert,
    so two writers at once leave one row, holding the later value."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(workspace_settings).values(
        workspace=workspace, timezone=timezone, updated_at=now
    )
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["workspace"],
            set_={"timezone": stmt.excluded.timezone, "updated_at": stmt.excluded.updated_at},
        )
    )
