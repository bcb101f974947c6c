"""Upgrading a store that already holds data keeps every row, label and copy link."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import text

from retrieval.vector_index import make_chroma_client
from store.db import make_engine, upgrade

pytestmark = pytest.mark.integration

_INSERT = """
INSERT INTO mentions (id, workspace, source, external_id, source_type, text, raw_text, extra,
    ingested_at, updated_at, content_hash, row_hash, dedup_key, duplicate_of, is_repost,
    topics, entities)
VALUES (:id, 'acme', 'tw', :eid, 'social', :t, :t, '{}', '2015-02-22 10:00:00',
    '2015-02-22 10:00:00', :h, :h, :h, :dup, :rp, '[]', '[]')
"""


def test_upgrading_a_filled_0002_store_keeps_labels_and_copies(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0002")
    with engine.begin() as conn:
        conn.execute(
            text(_INSERT), {"id": 1, "eid": "1", "t": "lost bag", "h": "a", "dup": None, "rp": 0}
        )
        conn.execute(
            text(_INSERT), {"id": 2, "eid": "2", "t": "RT lost bag", "h": "a", "dup": 1, "rp": 1}
        )
        conn.execute(
            text("INSERT INTO mention_labels (mention_id, labels) VALUES (1, :l), (2, :l)"),
            {"l": '{"sentiment": "negative"}'},
        )
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM mention_labels")).scalar() == 2
        assert conn.execute(text("SELECT duplicate_of FROM mentions WHERE id = 2")).scalar() == 1
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
        # Foreign keys are enforced again after the migration.
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


# --- crash safety, concurrent first starts, file modes (real processes, real SQLite) ---

ROOT = Path(__file__).resolve().parents[2]
HEAD = "0011"

# The child migrates a fresh home and SIGKILLs itself right after the statement that starts
# with argv[2] ran: a crash in the middle of a revision's DDL.
_KILLED_MID_REVISION = """
import os, signal, sys
from sqlalchemy import event
from store.db import make_engine, upgrade

engine = make_engine(sys.argv[1])

@event.listens_for(engine, "after_cursor_execute")
def _die(conn, cursor, statement, parameters, context, executemany):
    if statement.lstrip().upper().startswith(sys.argv[2]):
        os.kill(os.getpid(), signal.SIGKILL)

upgrade(engine)
raise SystemExit("the migration finished: the kill hook never fired")
"""

# The child waits at a barrier so two of them start migrating together; each CREATE TABLE
# is slowed down so the two runs overlap for certain.
_RACING = """
import os, sys, time
from pathlib import Path
from sqlalchemy import event
from store.db import make_engine, upgrade

engine = make_engine(sys.argv[1])

@event.listens_for(engine, "after_cursor_execute")
def _slow(conn, cursor, statement, parameters, context, executemany):
    if statement.lstrip().upper().startswith("CREATE TABLE"):
        time.sleep(0.05)

Path(sys.argv[2]).touch()
while not Path(sys.argv[3]).exists():
    time.sleep(0.005)
upgrade(engine)
"""


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARK_")}
    return {**env, "HARK_HOME": str(home), "PYTHONUNBUFFERED": "1"}


def _python(home: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env=_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _tables(db: Path) -> set[str]:
    with closing(sqlite3.connect(db)) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {r[0] for r in rows}


def _version(db: Path) -> str | None:
    with closing(sqlite3.connect(db)) as conn:
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.OperationalError:  # no such table: nothing was committed
            return None
    return row[0] if row else None


def _hark_keys_create(home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", "keys", "create", "bot", "-w", "acme", "--json"],
        cwd=ROOT,
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("killed_after", "survived", "undone"),
    [
        # Inside 0001, after api_keys and embeddings were created: nothing of 0001 stays.
        ("CREATE TABLE EMBEDDINGS", None, {"api_keys", "embeddings"}),
        # Inside 0003, after the batch copy of mentions: 0001 and 0002 stay, 0003 is undone.
        ("CREATE TABLE CATALOGS", "0002", {"catalogs", "_alembic_tmp_mentions"}),
    ],
    ids=["in-0001", "in-0003"],
)
def test_a_crash_during_the_first_migration_leaves_a_home_that_starts(
    tmp_path: Path, killed_after: str, survived: str | None, undone: set[str]
) -> None:
    home = tmp_path / "home"
    db = home / "hark.db"
    proc = _python(home, "-c", _KILLED_MID_REVISION, f"sqlite:///{db}", killed_after)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL, err
    # Each revision is one transaction: the kill took back what the interrupted one made,
    # and the database stands at the last revision that finished.
    assert not undone & _tables(db)
    assert _version(db) == survived

    done = _hark_keys_create(home)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["key"].startswith("hark_")
    assert _version(db) == HEAD


@pytest.mark.slow
def test_two_first_starts_at_once_both_reach_head(tmp_path: Path) -> None:
    home = tmp_path / "home"
    db = home / "hark.db"
    go = tmp_path / "go"
    procs = [
        _python(home, "-c", _RACING, f"sqlite:///{db}", str(tmp_path / f"ready{n}"), str(go))
        for n in range(2)
    ]
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"ready{n}").exists() for n in range(2)):
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
        assert time.monotonic() < deadline, "the children never got ready"
        time.sleep(0.01)
    go.touch()
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    assert _version(db) == HEAD
    assert {"api_keys", "mentions", "mention_topics", "discovered_topics"} <= _tables(db)


def test_a_fresh_home_is_private_to_its_owner(tmp_path: Path) -> None:
    home = tmp_path / "home"
    db = home / "hark.db"
    old_umask = os.umask(0o022)  # the usual default, which makes files world-readable
    try:
        engine = make_engine(f"sqlite:///{db}")
        upgrade(engine)
        with engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM mentions"))
            # The WAL and shared-memory files exist while a connection is open.
            modes = {
                p.name: stat.S_IMODE(p.stat().st_mode)
                for p in (db, home / "hark.db-wal", home / "hark.db-shm")
            }
        engine.dispose()
        make_chroma_client(path=str(home / "chroma"), host=None, port=0, ssl=False)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert modes == {"hark.db": 0o600, "hark.db-wal": 0o600, "hark.db-shm": 0o600}
    assert stat.S_IMODE((home / "chroma").stat().st_mode) == 0o700


def _half_made_by_an_older_hark(db: Path, *, with_a_row: bool) -> None:
    """What a first start of an older Hark left when killed inside revision 0001: its DDL
    had committed statement by statement, the version row never came."""
    db.parent.mkdir(parents=True)
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        conn.execute("CREATE TABLE api_keys (id INTEGER PRIMARY KEY, key_hash VARCHAR(64))")
        conn.execute("CREATE TABLE embeddings (model VARCHAR(128), content_hash VARCHAR(64))")
        if with_a_row:
            conn.execute("INSERT INTO api_keys (key_hash) VALUES ('x')")
        conn.commit()


@pytest.mark.slow
def test_an_empty_half_made_schema_is_rebuilt(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _half_made_by_an_older_hark(home / "hark.db", with_a_row=False)
    done = _hark_keys_create(home)
    assert done.returncode == 0, done.stderr
    assert _version(home / "hark.db") == HEAD


@pytest.mark.slow
def test_a_half_made_schema_holding_rows_is_refused_with_advice(tmp_path: Path) -> None:
    home = tmp_path / "home"
    db = home / "hark.db"
    _half_made_by_an_older_hark(db, with_a_row=True)
    done = _hark_keys_create(home)
    assert done.returncode == 2
    # The command ran with --json: the error is the API's body.
    error = json.loads(done.stderr)["error"]
    assert error["code"] == "database_unavailable", done.stderr
    assert error["message"].startswith("the database")
    assert "has tables but no schema version" in error["message"]
    assert "already exists" not in done.stderr
    # Nothing was touched.
    assert _tables(db) == {"alembic_version", "api_keys", "embeddings"}
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT count(*) FROM api_keys").fetchone() == (1,)
