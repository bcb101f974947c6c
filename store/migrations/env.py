"""Alembic environment: the engine comes from the caller (store.db.upgrade)."""

from alembic import context
from sqlalchemy import text

from store.tables import metadata

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch migrations copy a table and drop the old one. With foreign keys on, the drop
        # runs the ON DELETE actions of every referencing row (cascading away evaluation
        # labels, nulling duplicate_of) and crawls; SQLite's own advice is to switch them off
        # around the copy (outside a transaction) and check them after.
        connection.execute(text("PRAGMA foreign_keys=OFF"))
        connection.commit()
    with connection.begin():
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=sqlite)
        context.run_migrations()
        if sqlite:
            broken = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
            if broken:
                raise RuntimeError(f"foreign keys broken by a migration: {broken[:5]}")
    if sqlite:
        connection.execute(text("PRAGMA foreign_keys=ON"))
        connection.commit()
