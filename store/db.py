"""Engine creation and schema migration (Alembic, driven from code)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, text

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# SQLite caps bound parameters per statement; chunks keep IN lists under it on every backend.
IN_CHUNK = 400
T = TypeVar("T")


def chunks(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _sqlite_file(url: str | URL) -> Path | None:
    """The database file of a SQLite URL; None for in-memory databases and other backends."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    if parsed.database.startswith("file:"):  # a URI filename: SQLite parses it, not us
        return None
    return Path(parsed.database)


def _create_private(path: Path) -> None:
    """Make the database's folder (0700 when new) and an empty database file (0600) before
    SQLite opens it: SQLite would create it with the process umask, usually world-readable.
    SQLite gives the -wal, -shm and -journal files the mode of the database file, so they
    are 0600 too. Existing folders and files keep the mode their owner gave them."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # O_CREAT without O_EXCL: an existing file is opened untouched; an empty file is a valid
    # empty SQLite database.
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        db_file = _sqlite_file(url)
        if db_file is not None:
            _create_private(db_file)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # WAL lets the API read while an ingest writes; foreign keys are off by default.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the schema to ``revision``. On SQLite every revision is one transaction, so a
    crash leaves the database at the last finished revision and the next start resumes from
    there; processes starting together take turns (the later ones find the work done)."""
    cfg = alembic_config(engine)
    if engine.dialect.name != "sqlite":
        # PostgreSQL has transactional DDL: env.py runs the whole upgrade in one transaction.
        command.upgrade(cfg, revision)
        return
    with _migration_lock(engine), _sqlite_migration_connection(engine) as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Hold an exclusive lock on ``<database>.migrate-lock`` for the whole upgrade.

    SQLite's write lock (BEGIN IMMEDIATE) serialises single revisions, but a process reads
    the current revision once and then applies the rest one transaction each; without a lock
    spanning the run, two first starts would interleave and the second would re-apply
    revisions the first just committed. flock is released by the kernel when the holder dies,
    so a crashed migration never leaves the lock behind."""
    db_file = _sqlite_file(engine.url)
    if db_file is None or sys.platform == "win32":
        # In-memory databases have one user; Windows has no flock (there BEGIN IMMEDIATE
        # still keeps each revision whole, but two first starts at once may fail one).
        yield
        return
    import fcntl

    _create_private(db_file)
    fd = os.open(f"{db_file}.migrate-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # waits while another process migrates
        yield
    finally:
        os.close(fd)  # releases the lock; the file stays, deleting it would race


def _begin_immediate(conn: Connection) -> None:
    # Take the write lock when the revision's transaction starts, not at its first write:
    # the current revision is read under it, and against another writer (an ingest in a
    # process started earlier) the migration waits out the busy timeout before touching
    # anything instead of failing half-way through a revision.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def _sqlite_migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection of ``engine`` on which DDL is transactional (SQLAlchemy's pysqlite
    recipe), restored before it goes back to the pool.

    Python's sqlite3 driver (legacy transaction control) opens a transaction only before
    INSERT/UPDATE/DELETE, never before CREATE TABLE, so each DDL statement of a migration
    committed on its own: a crash left a half-made schema with no alembic_version row. With
    the driver's own BEGIN switched off (isolation_level=None) and ours emitted on every
    SQLAlchemy begin, DDL and the version stamp commit together. Only this connection is
    changed; the application's transactions behave as before."""
    with engine.connect() as conn:
        driver = conn.connection.driver_connection
        assert driver is not None
        saved = driver.isolation_level
        driver.isolation_level = None
        event.listen(conn, "begin", _begin_immediate)
        try:
            yield conn
        except BaseException:
            # The connection's pragmas and transaction state are unknown after a failure:
            # the pool must not hand it to the application.
            conn.invalidate()
            raise
        finally:
            if not conn.invalidated:
                if conn.in_transaction():
                    conn.rollback()
                driver.isolation_level = saved


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def utcnow() -> datetime:
    return datetime.now(UTC)
