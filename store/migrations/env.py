"""Alembic environment: the engine or connection comes from the caller (store.db.upgrade)."""

from __future__ import annotations

from typing import Any, cast

from alembic import context
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, MetaData, Table, literal, select, table, text

from hark.errors import ErrorCode, HarkError
from store.tables import metadata

# Tables revision 0001 creates: what an interrupted first start of an older Hark could leave.
_FIRST_REVISION_TABLES = {"api_keys", "embeddings", "mentions", "mention_labels"}


def _check_foreign_keys(*, ctx: MigrationContext, step: Any, heads: Any, run_args: Any) -> None:
    # Runs inside each revision's transaction, after its steps: a revision that broke a
    # reference is rolled back instead of committed.
    assert ctx.connection is not None
    broken = ctx.connection.execute(text("PRAGMA foreign_key_check")).fetchall()
    if broken:
        raise RuntimeError(f"foreign keys broken by a migration: {broken[:5]}")


def _repair_half_made_schema(connection: Connection) -> None:
    """Handle a database with tables but no schema version.

    Before migrations were transactional on SQLite, a first start killed while creating the
    schema left some of revision 0001's tables and no alembic_version row; every later start
    then failed with "table api_keys already exists". Such a schema can never have held data
    (nothing could start on it), so when every table is one of Hark's and empty, it is
    dropped and built again. Anything else is refused with an explanation rather than
    guessed at. Runs in the first migration transaction, under the write lock."""
    names = [
        row[0]
        for row in connection.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        )
    ]
    if (
        "alembic_version" in names
        and connection.execute(text("SELECT 1 FROM alembic_version LIMIT 1")).first()
    ):
        return
    tables = [n for n in names if n != "alembic_version"]
    if not tables:
        return  # a new database
    known = _FIRST_REVISION_TABLES | set(metadata.tables)
    foreign = [n for n in tables if n not in known and not n.startswith("_alembic_tmp_")]
    filled = [
        n
        for n in tables
        if n not in foreign and connection.execute(select(literal(1)).select_from(table(n))).first()
    ]
    if foreign or filled:
        database = connection.engine.url.database
        raise HarkError(
            ErrorCode.DATABASE_UNAVAILABLE,
            f"the database {database} has tables but no schema version, so Hark cannot tell "
            "which migrations it has had. Either it was not made by Hark, or an older Hark "
            "was stopped while creating the schema. Nothing was changed. Keep a copy of the "
            "file, then move it away (or point HARK_HOME / HARK_DATABASE_URL elsewhere) and "
            "start again.",
            details={"tables_not_from_hark": foreign, "tables_with_rows": filled},
        )
    # Foreign keys are off on this connection, so the order of the drops does not matter.
    for name in tables:
        Table(name, MetaData()).drop(connection)


def _run_sqlite(connection: Connection) -> None:
    """Migrate on store.db's SQLite migration connection: DDL is transactional there and
    every revision commits on its own (a crash resumes from the last committed one)."""
    driver = connection.connection.driver_connection
    assert driver is not None
    # Batch migrations copy a table and drop the old one. With foreign keys on, the drop
    # runs the ON DELETE actions of every referencing row (cascading away evaluation
    # labels, nulling duplicate_of) and crawls; SQLite's own advice is to switch them off
    # around the copy and check them after. The pragma is a no-op inside a transaction, and
    # any statement through SQLAlchemy would begin one, so it goes straight to the driver
    # (which is in autocommit mode on this connection).
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        # Configured outside a transaction: Alembic then begins and commits one per revision
        # (an open transaction here would make it one for the whole run).
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=True,
            transaction_per_migration=True,
            # Alembic calls it with keywords; its stub declares positional parameters.
            on_version_apply=cast(Any, _check_foreign_keys),
        )
        # This read begins the first transaction (BEGIN IMMEDIATE); Alembic reads the current
        # revision and runs the first revision in it, so a repair commits with revision 0001.
        _repair_half_made_schema(connection)
        context.run_migrations()
        if connection.in_transaction():  # nothing to run: only the reads above
            connection.commit()
    finally:
        if connection.in_transaction():
            connection.rollback()
        driver.execute("PRAGMA foreign_keys=ON")


sqlite_connection = context.config.attributes.get("connection")
if sqlite_connection is not None:
    _run_sqlite(sqlite_connection)
else:
    engine = context.config.attributes["engine"]
    with engine.connect() as connection, connection.begin():
        context.configure(connection=connection, target_metadata=metadata)
        context.run_migrations()
