"""Per-workspace preferences that override a HARK_* setting for one workspace.

One row per workspace that set anything; a NULL column means "the service's setting" (for the
reply tone and signature: none). Kept in SQL next to the mentions, so every API process and
the CLI see the same value without a restart, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from store.tables import workspace_settings

# The columns a caller may set (all but the key and the stamp).
SETTABLE = ("timezone", "reply_tone", "reply_signature")


@dataclass(frozen=True)
class WorkspaceRow:
    """A workspace's own values; None where it has not set one."""

    timezone: str | None = None
    reply_tone: str | None = None
    reply_signature: str | None = None


def get_row(conn: Connection, *, workspace: str) -> WorkspaceRow:
    """Everything the workspace set (all None when it set nothing)."""
    c = workspace_settings.c
    row = conn.execute(
        select(c.timezone, c.reply_tone, c.reply_signature).where(c.workspace == workspace)
    ).first()
    return WorkspaceRow() if row is None else WorkspaceRow(**row._asdict())


def get_timezone(conn: Connection, *, workspace: str) -> str | None:
    """The workspace's own time zone key, or None when it has not set one."""
    c = workspace_settings.c
    return conn.execute(select(c.timezone).where(c.workspace == workspace)).scalar()


def set_values(conn: Connection, *, workspace: str, values: dict[str, Any], now: datetime) -> None:
    """Store some of the workspace's values (None: back to the service's setting), leaving the
    others as they are. An upsert, so two writers at once leave one row, holding the later
    value of each column they set."""
    unknown = set(values) - set(SETTABLE)
    if unknown:
        raise ValueError(f"not a workspace setting: {sorted(unknown)}")
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(workspace_settings).values(workspace=workspace, updated_at=now, **values)
    changed = {name: stmt.excluded[name] for name in (*values, "updated_at")}
    conn.execute(stmt.on_conflict_do_update(index_elements=["workspace"], set_=changed))


def set_timezone(conn: Connection, *, workspace: str, timezone: str | None, now: datetime) -> None:
    """Store the workspace's time zone key (None: back to the service's setting)."""
    set_values(conn, workspace=workspace, values={"timezone": timezone}, now=now)
