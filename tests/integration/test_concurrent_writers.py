"""Eight clients push overlapping batches at a real server for a bounded time: no request
fails, every key is stored once with a text some client sent for it, copies are linked as one
writer at a time would link them, and the index drains to exactly the canonical mentions."""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from api.app import create_app
from api.local_server import free_port
from hark.domain import MentionCreate
from hark.settings import Settings
from ingestion.pipeline import ingest_mentions
from ingestion.prepare import prepare
from ingestion.writer import write_batch
from retrieval.indexer import check_drift
from services.container import Container
from store import mentions as mention_store
from store.tables import mentions
from tests.helpers import MemoisedEmbedder, api_auth, mention, throwaway_postgres

pytestmark = [pytest.mark.integration, pytest.mark.slow]

WORKSPACE = "acme"
CLIENTS = int(os.environ.get("HARK_TEST_WRITERS", "8"))
SECONDS = 15.0
MAX_REQUESTS = 40  # per client: bounds the run on a slow machine too
SHARED = 30  # keys every client re-sends with one fixed text
CONTESTED = 10  # keys every client sends with its own text
OWNED = 4  # keys per client whose text that client keeps changing
GROUPS, GROUP_SIZE = 4, 5  # one long text posted by five authors: copies of one original
CREATED = "2024-05-01T10:00:00+00:00"

Key = tuple[str, str]


@dataclass
class ClientLog:
    failures: list[str] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    # What this client stored for each key (the first row of a key in a batch wins).
    sent: list[dict[Key, str]] = field(default_factory=list)


def _mention(source: str, ext: str, text: str, author: str | None = None) -> dict[str, Any]:
    return mention(
        ext, text, source=source, source_type="review", author=author, created_at=CREATED
    )


def _shared(i: int) -> dict[str, Any]:
    source = "app-store" if i % 2 else "2gis"
    return _mention(source, f"s{i}", f"Shared review {i}: the courier was late by {i} minutes")


def _contested(i: int, client: int) -> dict[str, Any]:
    return _mention("2gis", f"c{i}", f"Contested review {i}: client {client} says checkout hangs")


def _owned(client: int, j: int, version: int) -> dict[str, Any]:
    text = f"Owned review {client}.{j}: the refund took {version} days to arrive"
    return _mention("app-store", f"o{client}-{j}", text)


def _copy(group: int, member: int) -> dict[str, Any]:
    text = (
        f"Campaign {group}: everyone should switch airlines today because "
        "their support never answers calls or emails"
    )
    return _mention("twitter", f"g{group}-{member}", text, author=f"user{group}-{member}")


class _Errors(logging.Handler):
    """Errors the server logs (a failed background task, an unhandled exception), and how
    often a write or a sync lost a race and was run again."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[str] = []
        self.retries = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            self.records.append(f"{record.name}: {record.getMessage()}")
        elif "lost a race" in record.getMessage() or "running it again" in record.getMessage():
            self.retries += 1


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres), "sqlite"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    home = tmp_path / "home"
    if request.param == "sqlite":
        yield Settings(home=home, embed_batch_size=32, _env_file=None)  # type: ignore[call-arg]
        return
    with throwaway_postgres() as url:
        yield Settings(home=home, database_url=url, embed_batch_size=32, _env_file=None)  # type: ignore[call-arg]


class _Server:
    def __init__(self, rt: Container) -> None:
        self.port = free_port()
        config = uvicorn.Config(
            create_app(rt.settings, rt), host="127.0.0.1", port=self.port, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the API server did not start")
            time.sleep(0.02)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def _batch(client: int, n: int, rng: random.Random, versions: dict[int, int]) -> list[Any]:
    # Now and then a batch of every shared key: over the key-lock limit, it locks the whole
    # workspace on PostgreSQL (mentions.KEY_LOCKS_MAX).
    batch = [_shared(i) for i in rng.sample(range(SHARED), SHARED if n % 7 == 3 else 8)]
    batch += [_contested(i, client) for i in rng.sample(range(CONTESTED), 3)]
    for j in rng.sample(range(OWNED), 2):
        if rng.random() < 0.4:
            versions[j] += 1
        batch.append(_owned(client, j, versions[j]))
    batch += [
        _copy(g, m)
        for g, m in rng.sample([(g, m) for g in range(GROUPS) for m in range(GROUP_SIZE)], 4)
    ]
    rng.shuffle(batch)
    if n % 5 == 0:
        # A key repeated inside one batch with another text: its first row wins.
        again = dict(batch[0])
        again["text"] += " (repeated, must be ignored)"
        batch.append(again)
    return batch


def _client(base: str, headers: dict[str, str], client: int, deadline: float) -> ClientLog:
    log = ClientLog()
    rng = random.Random(client)
    versions = dict.fromkeys(range(OWNED), 0)
    with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
        for n in range(MAX_REQUESTS):
            if time.monotonic() > deadline:
                break
            batch = _batch(client, n, rng, versions)
            sent: dict[Key, str] = {}
            for m in batch:
                sent.setdefault((m["source"], m["external_id"]), m["text"])
            try:
                r = http.post("/v1/mentions", json={"mentions": batch})
            except httpx.HTTPError as exc:
                log.failures.append(f"client {client} request {n}: {exc!r}")
                continue
            if r.status_code != 201:
                log.failures.append(f"client {client} request {n}: {r.status_code} {r.text}")
                continue
            body = r.json()
            body["keys"] = [(m["source"], m["external_id"]) for m in batch]
            log.responses.append(body)
            log.sent.append(sent)
    return log


def _wait_for_index(base: str, headers: dict[str, str], timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
        while True:
            status = http.get("/v1/index/status").json()
            if status["pending_index"] == 0 or time.monotonic() > deadline:
                return status
            time.sleep(0.5)


def test_concurrent_overlapping_pushes(backend: Settings, embedder: MemoisedEmbedder) -> None:
    rt = Container(backend, embedder=embedder)  # type: ignore[arg-type]
    headers = api_auth(rt, WORKSPACE, name="load")
    errors = _Errors()
    hark_log = logging.getLogger("hark")
    level = hark_log.level
    hark_log.setLevel(logging.INFO)
    logging.getLogger().addHandler(errors)
    try:
        with _Server(rt) as base:
            deadline = time.monotonic() + SECONDS
            logs: list[ClientLog] = [ClientLog() for _ in range(CLIENTS)]

            def run(c: int) -> None:
                logs[c] = _client(base, headers, c, deadline)

            threads = [threading.Thread(target=run, args=(c,)) for c in range(CLIENTS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            status = _wait_for_index(base, headers, timeout=240)
            drift = check_drift(
                rt.engine, workspace=WORKSPACE, index=rt.index.collection(WORKSPACE)
            )
            m = mentions.c
            with rt.engine.connect() as conn:
                rows = {
                    (r.source, r.external_id): r
                    for r in conn.execute(
                        select(
                            m.id, m.source, m.external_id, m.text, m.duplicate_of, m.noise
                        ).where(m.workspace == WORKSPACE)
                    )
                }
    finally:
        logging.getLogger().removeHandler(errors)
        hark_log.setLevel(level)
        rt.close()

    failures = [f for log in logs for f in log.failures]
    responses = [r for log in logs for r in log.responses]
    print(
        f"\n{(backend.database_url and 'postgres') or 'sqlite'}: {len(responses)} pushes ok, "
        f"{len(failures)} failed, {len(errors.records)} server errors, {errors.retries} retries, "
        f"{len(rows)} mentions, "
        f"index {status}"
    )
    assert failures == [], failures[:5]
    assert errors.records == [], errors.records[:5]
    assert len(responses) >= CLIENTS

    # Every key stored exactly once, inserted by exactly one push, under one id throughout.
    texts: dict[Key, set[str]] = defaultdict(set)
    ids: dict[Key, set[int]] = defaultdict(set)
    for log in logs:
        for body, sent in zip(log.responses, log.sent, strict=True):
            for key, text in sent.items():
                texts[key].add(text)
            for key, mid in zip(body["keys"], body["ids"], strict=True):
                ids[key].add(mid)
    assert rows and set(rows) == set(texts)
    assert sum(r["inserted"] for r in responses) == len(rows)
    assert sum(r["repeated"] for r in responses) == sum(
        1 for r in responses if len(set(r["keys"])) < len(r["keys"])
    )
    assert all(ids[k] == {rows[k].id} for k in rows)

    # Texts: one of those sent; fixed ones unchanged; a key one client owns has its last text.
    assert all(rows[k].text in texts[k] for k in rows)
    for i in range(SHARED):
        s = _shared(i)
        assert rows[(s["source"], s["external_id"])].text == s["text"]
    for c, log in enumerate(logs):
        last: dict[Key, str] = {}
        for sent in log.sent:
            last.update({k: t for k, t in sent.items() if k[1].startswith(f"o{c}-")})
        assert last, f"client {c} stored nothing"
        assert all(rows[k].text == t for k, t in last.items())

    # Copies: one original per campaign, the rest linked to it, the original flagged as mass
    # posted (five authors), and each copy counted once as a duplicate.
    copies = 0
    for g in range(GROUPS):
        members = [
            rows[("twitter", f"g{g}-{i}")]
            for i in range(GROUP_SIZE)
            if ("twitter", f"g{g}-{i}") in rows
        ]
        originals = [r for r in members if r.duplicate_of is None]
        assert len(originals) == 1, [(r.external_id, r.duplicate_of) for r in members]
        assert all(r.duplicate_of == originals[0].id for r in members if r is not originals[0])
        if len({r.external_id for r in members}) >= 3:
            assert originals[0].noise == "mass_posted"
        copies += len(members) - 1
    assert sum(r["duplicates"] for r in responses) == copies

    # The index holds exactly the canonical mentions, each with its current document.
    assert status["pending_index"] == 0
    assert status["mentions"] == len(rows) and status["duplicates"] == copies
    assert status["indexed_documents"] == len(rows) - copies
    assert drift.in_sync, drift


class _FailingTarget:
    """An index target whose syncs raise the queued errors, then sync for real."""

    def __init__(self, real: Any, errors: list[Exception]) -> None:
        self.real, self.errors = real, errors

    def sync(self, *args: Any, **kwargs: Any) -> Any:
        if self.errors:
            raise self.errors.pop(0)
        return self.real.sync(*args, **kwargs)


def _pending(rt: Container) -> int:
    with rt.engine.connect() as conn:
        return mention_store.count_pending_for_index(conn, workspace=WORKSPACE)


def _dropped() -> OperationalError:
    return OperationalError(
        "SELECT 1", {}, Exception("server closed the connection"), connection_invalidated=True
    )


def test_background_sync_failures_are_logged_and_left_pending(
    rt: Container, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ingest_mentions(
        rt.engine,
        workspace=WORKSPACE,
        mentions=[
            MentionCreate(external_id=str(i), source="api", text=f"Late {i}") for i in range(3)
        ],
    )
    real = rt.index.target(WORKSPACE)
    failing = _FailingTarget(real, [RuntimeError("index down")])
    monkeypatch.setattr(rt.index, "target", lambda ws: failing)
    rt.index.sync_in_background(WORKSPACE)  # must not raise
    assert _pending(rt) == 3
    assert any(WORKSPACE in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)

    # A dropped connection is retried once; a second drop in a row is an error.
    failing.errors = [_dropped(), _dropped()]
    with pytest.raises(OperationalError):
        rt.index.sync(WORKSPACE)
    failing.errors = [_dropped()]
    assert rt.index.sync(WORKSPACE).indexed == 3 and _pending(rt) == 0

    # Start-up catch-up never raises either, even when the database cannot be asked.
    monkeypatch.setattr(rt, "engine", None)
    rt.index.catch_up()


def test_a_sqlite_batch_holds_the_write_lock_from_its_first_lookup(rt: Container) -> None:
    """Two batches each bring a copy of one long text (two authors): the second may not look
    for an original while the first has looked and not yet inserted, or both would insert an
    original. The first batch is held inside its transaction (in ``enrich``, after its
    lookups); the second must wait for it, then link its copy to the first one's row."""
    if rt.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    text = "this exact long message was posted word for word by two different accounts"
    first_in = threading.Event()
    release = threading.Event()
    done: list[str] = []

    def held(batch: list[Any]) -> None:
        first_in.set()
        release.wait(10)

    def write(ext: str, author: str, enrich: Any) -> None:
        p = prepare(
            MentionCreate(
                external_id=ext, source="twitter", text=text, author=author, created_at=CREATED
            ),
            row_no=1,
        )
        with rt.engine.begin() as conn:
            write_batch(
                conn,
                workspace=WORKSPACE,
                batch=[p],
                dedup_window=timedelta(hours=24),
                enrich=enrich,
            )
        done.append(ext)

    a = threading.Thread(target=write, args=("a", "alice", held))
    a.start()
    assert first_in.wait(10)
    b = threading.Thread(target=write, args=("b", "bob", None))
    b.start()
    b.join(1.0)
    assert done == [], "the second batch wrote while the first held its lookups"
    release.set()
    a.join(10)
    b.join(30)
    assert done == ["a", "b"]
    with rt.engine.connect() as conn:
        rows = {
            r.external_id: r
            for r in conn.execute(
                select(mentions.c.id, mentions.c.external_id, mentions.c.duplicate_of).where(
                    mentions.c.workspace == WORKSPACE
                )
            )
        }
    assert rows["a"].duplicate_of is None and rows["b"].duplicate_of == rows["a"].id
