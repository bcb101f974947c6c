"""Bounded loopback load on the real server: 8 and 32 clients on /v1/ask, /v1/mentions and
search, on SQLite and PostgreSQL at 15k airline tweets. Reports throughput, p50/p95/p99, errors
per endpoint and the server's RSS per level (a repeat of the first level at the end shows
whether memory stays flat). Compare ratios, not absolute times: they vary by machine.

    python -m benchmarks.load [--backend sqlite|postgres|both] [--seconds N] [--clients 8,32]
                              [--home DIR] [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import json
import os
import random
import shutil
import signal
import ssl
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from sqlalchemy import Engine, create_engine, select

from api.local_server import free_port
from benchmarks.corpus import (
    AIRLINE_CSV,
    MAPPING,
    ROOT,
    WS_15K,
    airline_rows,
    ingest_15k,
    queries,
)
from benchmarks.filters import filter_mix

DEFAULT_HOME = Path(__file__).parent / "out" / "load"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "hark_bench_load"
PG_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}"
CATALOGS = ROOT / "enrichment" / "catalogs"
TAXONOMY = CATALOGS / "airline.taxonomy.yaml"
ENTITIES = CATALOGS / "airline.entities.yaml"
HARK = ROOT / ".venv" / "bin" / "hark"
SMOKE_ROWS = 300
STAMP = "build.json"
# Bounds on every loop: a request never waits longer than this, a level never issues more
# requests than this, the server gets this long to start and the index this long to drain.
REQUEST_TIMEOUT_S = 60.0
MAX_REQUESTS_PER_LEVEL = 50_000
SERVER_START_S = 300.0
DRAIN_S = 120.0


# --- building the homes --------------------------------------------------------------------


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _build_inputs(rows: int | None) -> dict[str, Any]:
    """What a built home depends on: a home whose stamp matches is reused as it is."""
    stat = AIRLINE_CSV.stat()
    return {
        "rows": rows,
        "corpus": {"path": str(AIRLINE_CSV), "size": stat.st_size, "mtime": int(stat.st_mtime)},
        "taxonomy": _sha(TAXONOMY),
        "entities": _sha(ENTITIES),
        "workspace": WS_15K,
    }


def _stamp_matches(home: Path, inputs: dict[str, Any]) -> bool:
    stamp = home / STAMP
    if not stamp.is_file():
        return False
    try:
        return json.loads(stamp.read_text())["inputs"] == inputs
    except (ValueError, KeyError):
        return False


def _subset_csv(rows: int, dest: Path) -> Path:
    """The first ``rows`` tweets, for the smoke build (same mapping, same columns)."""
    data = airline_rows()[:rows]
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(data[0]))
        writer.writeheader()
        writer.writerows(data)
    return dest


def _copy_embedding_cache(src_url: str, dst_url: str) -> int:
    """Copy the SQL embedding cache, so the PostgreSQL build finds every vector the SQLite
    build computed and embeds nothing again (the cache is keyed by model and content hash)."""
    from sqlalchemy.dialects import postgresql

    from store.tables import embeddings

    src, dst = create_engine(src_url), create_engine(dst_url)
    copied = 0
    try:
        with src.connect() as sconn, dst.begin() as dconn:
            result = sconn.execution_options(stream_results=True).execute(select(embeddings))
            while chunk := result.fetchmany(2000):
                rows = [dict(r._mapping) for r in chunk]
                dconn.execute(postgresql.insert(embeddings).on_conflict_do_nothing(), rows)
                copied += len(rows)
    finally:
        src.dispose()
        dst.dispose()
    return copied


def build_home(
    home: Path, *, database_url: str | None, rows: int | None, cache_from: str | None
) -> dict[str, Any]:
    """Set the airline taxonomy and entity catalog (as scripts/demo.sh does), ingest the
    tweets enriched and indexed, and fill whatever enrichment is missing. Runs in a child
    process (see ``_build_in_child``) so the builder's model and Chroma client are gone before
    the server opens the same files."""
    from enrichment.catalogs import parse, set_catalog
    from hark.settings import Settings
    from ingestion.mapping import load_mapping
    from ingestion.pipeline import ingest_file
    from services.container import Container

    settings = Settings(home=home, database_url=database_url, _env_file=None)  # type: ignore[call-arg]
    rt = Container(settings)
    out: dict[str, Any] = {}
    t0 = time.perf_counter()
    if cache_from:
        _ = rt.engine  # migrates the schema the copy writes into
        out["cache_rows_copied"] = _copy_embedding_cache(cache_from, database_url or "")
    for kind, path in (("taxonomy", TAXONOMY), ("entities", ENTITIES)):
        body = parse(kind, text=path.read_text(encoding="utf-8"))  # type: ignore[arg-type]
        set_catalog(rt.engine, workspace=WS_15K, kind=kind, body=body)  # type: ignore[arg-type]
    if rows is None:
        report = ingest_15k(rt, WS_15K)
    else:
        report = ingest_file(
            rt.engine,
            workspace=WS_15K,
            path=_subset_csv(rows, home / "subset.csv"),
            mapping=load_mapping(MAPPING),
            batch_size=rt.settings.ingest_batch_size,
            dedup_window=rt.enrich.dedup_window,
            index=rt.index.target(WS_15K),
            enrich=rt.enrich.enricher.enrich,
        )
    out["ingest"] = report.summary()
    out["reenrich"] = rt.enrich.reenrich(WS_15K)
    out["build_s"] = round(time.perf_counter() - t0, 1)
    rt.close()
    return out


def _build_in_child(
    home: Path, *, database_url: str | None, rows: int | None, cache_from: str | None
) -> dict[str, Any]:
    spec = {
        "home": str(home),
        "database_url": database_url,
        "rows": rows,
        "cache_from": cache_from,
    }
    log = home.parent / f"{home.name}-build.log"
    home.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as fh:
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks.load", "--_build", json.dumps(spec)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=fh,
            text=True,
            timeout=3 * 3600,
            check=False,
        )
    if proc.returncode != 0:
        raise SystemExit(f"build of {home} failed (rc {proc.returncode}); see {log}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _sqlite_url(home: Path) -> str:
    return f"sqlite:///{(home / 'hark.db').as_posix()}"


def ensure_sqlite_home(base: Path, rows: int | None) -> Path:
    """The pristine SQLite home (built once, embedding every text); runs use a copy of it."""
    home = base / ("sqlite-smoke" if rows else "sqlite-15k")
    inputs = _build_inputs(rows)
    if _stamp_matches(home, inputs):
        print(f"reusing {home}", flush=True)
        return home
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    print(f"building {home} (embeds every text once: ~20 min for 15k on 2 cores)", flush=True)
    info = _build_in_child(home, database_url=None, rows=rows, cache_from=None)
    (home / STAMP).write_text(json.dumps({"inputs": inputs, "build": info}, indent=2))
    print(f"built {home} in {info['build_s']} s", flush=True)
    return home


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def build_pg_home(base: Path, sqlite_home: Path, rows: int | None) -> tuple[Path, dict[str, Any]]:
    """A fresh PostgreSQL database and Chroma folder, built from the SQLite home's cached
    vectors: the database is dropped after each run, so it is rebuilt each time (minutes)."""
    home = base / ("pg-smoke" if rows else "pg-15k")
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    _pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    _pg_admin(f"CREATE DATABASE {PG_DB}")
    print(f"building {home} on {PG_DB} from the SQLite embedding cache", flush=True)
    info = _build_in_child(
        home, database_url=PG_URL, rows=rows, cache_from=_sqlite_url(sqlite_home)
    )
    print(
        f"built {home} in {info['build_s']} s "
        f"(embedded {info['ingest']['embedded']} texts, copied {info['cache_rows_copied']})",
        flush=True,
    )
    return home, info


# --- the workload --------------------------------------------------------------------------

ASK_QUESTIONS = [
    "Why did negative tweets about United rise on Feb 22 compared with Feb 21?",
    "What do people complain about at Delta?",
    "Сколько жалоб на American за последнюю неделю?",
    "What do customers complain about most for Delta last week?",
    "Сколько было негативных твитов о Southwest 23 февраля?",
    "How many negative tweets about lost luggage were there last week?",
    "What do people praise about Virgin America?",
    "Что пишут о задержках рейсов US Airways?",
    "Compare complaints about United and American on Feb 23",
    "Почему выросло число негативных упоминаний Delta 23 февраля по сравнению с 22 февраля?",
]
# One cycle of request kinds; each client starts at its own offset, so every level sends the
# same proportions: half searches, a quarter single reads, an eighth asks, an eighth pushes.
MIX = ("search", "get", "ask", "search_filtered", "push", "get", "search", "search_filtered")
SHARED_KEYS = 40  # re-sent keys drawn by every client: concurrent upserts of the same row
CORPUS_DAYS = (datetime(2015, 2, 17, tzinfo=UTC), 7)  # pushed dates stay inside the corpus


@dataclass
class Workload:
    """Everything the clients send, prepared before the clock starts."""

    texts: list[str]
    queries: list[str]
    filters: list[dict[str, str | list[str]]]
    ids: list[int]

    def request(
        self, kind: str, rng: random.Random, tag: str, client: int, n: int
    ) -> tuple[str, str, dict[str, Any]]:
        if kind == "ask":
            return "POST", "/v1/ask", {"json": {"question": rng.choice(ASK_QUESTIONS)}}
        if kind == "get":
            return "GET", f"/v1/mentions/{rng.choice(self.ids)}", {}
        if kind == "search":
            return "GET", "/v1/mentions/search", {"params": {"q": rng.choice(self.queries)}}
        if kind == "search_filtered":
            params = {"q": rng.choice(self.queries), "k": "20", **rng.choice(self.filters)}
            return "GET", "/v1/mentions/search", {"params": params}
        return "POST", "/v1/mentions", {"json": {"mentions": self._batch(rng, tag, client, n)}}

    def _batch(self, rng: random.Random, tag: str, client: int, n: int) -> list[dict[str, Any]]:
        """Three mentions: a shared key re-sent by any client (same text: unchanged after the
        first), a new key with a corpus text (its vector is cached) and a new text (embedded
        while the other clients read)."""
        day0, days = CORPUS_DAYS

        def when(seed: int) -> str:
            return (day0 + timedelta(minutes=seed * 37 % (days * 1440))).isoformat()

        shared = rng.randrange(SHARED_KEYS)
        a, b = rng.randrange(len(self.texts)), rng.randrange(len(self.texts))
        base = {"source": "load-test", "source_type": "social"}
        return [
            {
                **base,
                "external_id": f"shared-{shared}",
                "author": f"shared-{shared}",
                "text": self.texts[shared],
                "created_at": when(shared),
            },
            {
                **base,
                "external_id": f"{tag}-{client}-{n}-a",
                "author": f"{tag}-{client}-{n}",
                "text": self.texts[a],
                "created_at": when(a),
            },
            {
                **base,
                "external_id": f"{tag}-{client}-{n}-b",
                "author": f"{tag}-{client}-{n}",
                "text": f"{self.texts[a]} Also: {self.texts[b]}",
                "created_at": when(b),
            },
        ]


def _filter_params(engine: Engine, n: int) -> list[dict[str, str | list[str]]]:
    """The search benchmark's filter mix as query parameters, plus sentiment and language."""
    out: list[dict[str, str | list[str]]] = []
    for i, f in enumerate(filter_mix(engine, WS_15K, n)):
        params: dict[str, str | list[str]] = {}
        if f.brands:
            params["brand"] = list(f.brands)
        if f.since:
            params["since"] = f.since.isoformat()
        if f.until:
            params["until"] = f.until.isoformat()
        if i % 4 == 0:
            params["sentiment"] = "negative"
        if i % 5 == 0:
            params["language"] = "en"
        out.append(params)
    return out


def prepare_workload(database_url: str) -> Workload:
    from store.tables import mentions

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            ids = list(
                conn.execute(select(mentions.c.id).where(mentions.c.workspace == WS_15K)).scalars()
            )
        filters = _filter_params(engine, 60)
    finally:
        engine.dispose()
    texts = [r["text"] for r in airline_rows()]
    random.Random(3).shuffle(texts)
    return Workload(texts=texts, queries=queries(200), filters=filters, ids=ids)


# --- the server ----------------------------------------------------------------------------


def _server_env(home: Path, database_url: str | None) -> dict[str, str]:
    # Only this run's settings: a HARK_* variable from the caller's shell must not point the
    # server at another database or index.
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARK_")}
    env.update({"HARK_HOME": str(home), "PYTHONUNBUFFERED": "1"})
    if database_url:
        env["HARK_DATABASE_URL"] = database_url
    return env


def create_key(env: dict[str, str]) -> str:
    proc = subprocess.run(
        [str(HARK), "keys", "create", "load-bench", "-w", WS_15K],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return proc.stdout.strip().splitlines()[-1]


class RssSampler(threading.Thread):
    """The server's resident memory (VmRSS) and CPU time, read from /proc once a second."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.samples: list[tuple[float, float]] = []  # (monotonic time, RSS MiB)
        self._stop_event = threading.Event()

    def rss_mb(self) -> float | None:
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None

    def cpu_s(self) -> float:
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def run(self) -> None:
        while not self._stop_event.is_set():
            rss = self.rss_mb()
            if rss is not None:
                self.samples.append((time.monotonic(), rss))
            self._stop_event.wait(1.0)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)

    def window(self, t0: float, t1: float) -> dict[str, float]:
        inside = [r for t, r in self.samples if t0 <= t <= t1] or [self.rss_mb() or 0.0]
        return {
            "start": round(inside[0], 1),
            "end": round(inside[-1], 1),
            "max": round(max(inside), 1),
            "samples": len(inside),
        }


class Server:
    """``hark serve`` on 127.0.0.1 as a subprocess, its log in a file; always terminated."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log, self.port = env, log, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self._fh = self.log.open("wb")
        self.proc = subprocess.Popen(
            [str(HARK), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env,
            cwd=self.env["HARK_HOME"],
            stdout=self._fh,
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait_ready()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_ready(self) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + SERVER_START_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited with {self.proc.returncode}; see {self.log}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"server not ready after {SERVER_START_S} s; see {self.log}")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        self._fh.close()


# --- running a level -----------------------------------------------------------------------


@dataclass
class EndpointStats:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    samples: list[dict[str, Any]] = field(default_factory=list)

    def record(self, status: int | str, ms: float, body: str | None, at: float) -> None:
        self.latencies_ms.append(ms)
        self.statuses[str(status)] += 1
        if body is not None and len(self.samples) < 10:
            # When (seconds into the level) and how long: to find its lines in the server log.
            self.samples.append(
                {"status": status, "ms": round(ms, 1), "at_s": round(at, 1), "body": body[:500]}
            )

    def summary(self, elapsed: float) -> dict[str, Any]:
        lat = np.array(self.latencies_ms or [0.0])
        ok = sum(c for s, c in self.statuses.items() if s.isdigit() and 200 <= int(s) < 300)
        n = len(self.latencies_ms)
        return {
            "requests": n,
            "rps": round(n / elapsed, 2),
            "p50_ms": round(float(np.percentile(lat, 50)), 1),
            "p95_ms": round(float(np.percentile(lat, 95)), 1),
            "p99_ms": round(float(np.percentile(lat, 99)), 1),
            "non_2xx": n - ok,
            "5xx": sum(c for s, c in self.statuses.items() if s.startswith("5")),
            "transport_errors": sum(c for s, c in self.statuses.items() if not s.isdigit()),
            "statuses": dict(self.statuses),
            "error_samples": self.samples,
        }


async def _client_loop(
    http: httpx.AsyncClient,
    workload: Workload,
    *,
    client: int,
    tag: str,
    deadline: float,
    budget: list[int],
    stats: dict[str, EndpointStats],
) -> None:
    rng = random.Random(f"{tag}-{client}")
    start = time.perf_counter()
    n = client
    # Both bounds: the level's deadline and its shared request budget.
    while time.monotonic() < deadline and budget[0] > 0:
        budget[0] -= 1
        kind = MIX[n % len(MIX)]
        n += 1
        method, url, kwargs = workload.request(kind, rng, tag, client, n)
        t0 = time.perf_counter()
        body: str | None = None
        try:
            resp = await http.request(method, url, **kwargs)
            status: int | str = resp.status_code
            if not 200 <= resp.status_code < 300:
                body = resp.text
        except httpx.HTTPError as exc:
            status, body = type(exc).__name__, repr(exc)
        stats[kind].record(status, (time.perf_counter() - t0) * 1000, body, t0 - start)


async def _run_clients(
    base_url: str, key: str, workload: Workload, clients: int, seconds: float, tag: str
) -> tuple[dict[str, EndpointStats], float]:
    stats = {kind: EndpointStats() for kind in dict.fromkeys(MIX)}
    budget = [MAX_REQUESTS_PER_LEVEL]
    # Every client gets its own keep-alive connection, made before the clock starts: an
    # AsyncClient loads CA certificates when created (~0.2 s here), which would block the
    # event loop, and so inflate the latencies of requests already in flight.
    tls = ssl.create_default_context()
    https = [
        httpx.AsyncClient(
            base_url=base_url,
            headers={"Authorization": f"Bearer {key}"},
            timeout=REQUEST_TIMEOUT_S,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            verify=tls,
        )
        for _ in range(clients)
    ]
    try:
        t0 = time.monotonic()
        deadline = t0 + seconds
        loops = [
            _client_loop(
                http,
                workload,
                client=i,
                tag=tag,
                deadline=deadline,
                budget=budget,
                stats=stats,
            )
            for i, http in enumerate(https)
        ]
        # In-flight requests finish after the deadline, each within REQUEST_TIMEOUT_S.
        await asyncio.wait_for(asyncio.gather(*loops), timeout=seconds + REQUEST_TIMEOUT_S + 30)
        elapsed = time.monotonic() - t0
    finally:
        for http in https:
            await http.aclose()
    return stats, elapsed


def _drain(base_url: str, key: str) -> dict[str, Any]:
    """Wait (bounded) for queued indexing of pushed mentions, so a level does not pay for the
    previous one's backlog."""
    t0 = time.monotonic()
    status: dict[str, Any] = {}
    while time.monotonic() - t0 < DRAIN_S:
        try:
            resp = httpx.get(
                f"{base_url}/v1/index/status",
                headers={"Authorization": f"Bearer {key}"},
                timeout=30,
            )
            status = resp.json()
        except (httpx.HTTPError, ValueError) as exc:
            status = {"error": repr(exc)}
        if status.get("pending_index") == 0:
            break
        time.sleep(1)
    return {"drain_s": round(time.monotonic() - t0, 1), "index_status": status}


def run_level(
    server: Server,
    sampler: RssSampler,
    key: str,
    workload: Workload,
    *,
    clients: int,
    seconds: float,
    label: str,
) -> dict[str, Any]:
    cpu0, t0 = sampler.cpu_s(), time.monotonic()
    stats, elapsed = asyncio.run(
        _run_clients(server.url, key, workload, clients, seconds, tag=label)
    )
    t1, cpu1 = time.monotonic(), sampler.cpu_s()
    endpoints = {kind: s.summary(elapsed) for kind, s in stats.items()}
    total = EndpointStats()
    for s in stats.values():
        total.latencies_ms += s.latencies_ms
        total.statuses.update(s.statuses)
    level = {
        "label": label,
        "clients": clients,
        "elapsed_s": round(elapsed, 1),
        "endpoints": endpoints,
        "total": {k: v for k, v in total.summary(elapsed).items() if k != "error_samples"},
        "rss_mb": sampler.window(t0, t1),
        "server_cpu_s_per_s": round((cpu1 - cpu0) / elapsed, 2),
        **_drain(server.url, key),
    }
    print(f"  {_level_line(level)}", flush=True)
    return level


def _warm_up(server: Server, key: str, workload: Workload) -> dict[str, Any]:
    """One request of each kind first: lazy loading (models, index, mirror) is start-up, as a
    server's first callers pay it, not load."""
    out: dict[str, Any] = {}
    for kind in dict.fromkeys(MIX):
        method, url, kwargs = workload.request(kind, random.Random(0), "warm", 0, 0)
        t0 = time.perf_counter()
        resp = httpx.request(
            method,
            f"{server.url}{url}",
            headers={"Authorization": f"Bearer {key}"},
            timeout=REQUEST_TIMEOUT_S * 5,
            **kwargs,
        )
        out[kind] = {"status": resp.status_code, "ms": round((time.perf_counter() - t0) * 1000)}
    return out


# --- one backend ---------------------------------------------------------------------------


def _error_log_lines(log: Path, limit: int = 400) -> list[str]:
    """Server log lines about errors: access lines with a 4xx/5xx status, ERROR/WARNING
    records and whole tracebacks (until the next log record)."""
    out: list[str] = []
    in_trace = False
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        is_record = line.startswith(("INFO", "WARNING", "ERROR", "DEBUG", "CRITICAL"))
        if is_record:
            in_trace = False
        if line.startswith("Traceback"):
            in_trace = True
        access_error = '" 4' in line or '" 5' in line
        if in_trace or line.startswith(("ERROR", "WARNING", "CRITICAL")) or access_error:
            out.append(line)
            if len(out) >= limit:
                break
    return out


def run_backend(
    backend: str, base: Path, *, rows: int | None, seconds: float, levels: list[int]
) -> dict[str, Any]:
    sqlite_home = ensure_sqlite_home(base, rows)
    suffix = "-smoke" if rows else ""
    result: dict[str, Any] = {"backend": backend, "smoke": bool(rows), "seconds": seconds}
    try:
        if backend == "sqlite":
            # The pristine home stays reusable: the run pushes mentions into a copy.
            home = base / f"run-sqlite{suffix}"
            shutil.rmtree(home, ignore_errors=True)
            shutil.copytree(sqlite_home, home)
            url = _sqlite_url(home)
            env = _server_env(home, None)
        else:
            home, result["build"] = build_pg_home(base, sqlite_home, rows)
            url = PG_URL
            env = _server_env(home, PG_URL)
        workload = prepare_workload(url)
        result["mentions"] = len(workload.ids)
        key = create_key(env)
        log = base / f"server-{backend}{suffix}.log"
        result["server_log"] = str(log)
        print(f"{backend}: {len(workload.ids)} mentions; server log {log}", flush=True)
        with Server(env, log) as server:
            assert server.proc is not None
            sampler = RssSampler(server.proc.pid)
            sampler.start()
            try:
                t0 = time.monotonic()
                result["warm_up"] = _warm_up(server, key, workload)
                result["warm_up_s"] = round(time.monotonic() - t0, 1)
                result["rss_after_warm_up_mb"] = sampler.rss_mb()
                plan = [(c, f"c{c}") for c in levels] + [(levels[0], f"c{levels[0]}-repeat")]
                result["levels"] = [
                    run_level(
                        server,
                        sampler,
                        key,
                        workload,
                        clients=c,
                        seconds=seconds,
                        label=label,
                    )
                    for c, label in plan
                ]
                result["rss_timeline_mb"] = [round(r, 1) for _, r in sampler.samples]
            finally:
                sampler.stop()
        result["server_error_lines"] = _error_log_lines(log)
    finally:
        if backend == "postgres":
            _pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    result["ratios"] = _ratios(result["levels"])
    return result


def _ratios(levels: list[dict[str, Any]]) -> dict[str, Any]:
    """Higher level vs first level (throughput and p95 per endpoint) and the repeat's memory
    vs the first run of the same level."""
    first, repeat = levels[0], levels[-1]
    out: dict[str, Any] = {}
    for level in levels[1:-1]:
        name = f"{level['label']}_vs_{first['label']}"
        per: dict[str, Any] = {}
        for kind in [*level["endpoints"], "total"]:
            a = first["total"] if kind == "total" else first["endpoints"][kind]
            b = level["total"] if kind == "total" else level["endpoints"][kind]
            per[kind] = {
                "rps": round(b["rps"] / a["rps"], 2) if a["rps"] else None,
                "p95": round(b["p95_ms"] / a["p95_ms"], 2) if a["p95_ms"] else None,
            }
        out[name] = per
    out["repeat_vs_first"] = {
        "rss_end": round(repeat["rss_mb"]["end"] / first["rss_mb"]["end"], 3),
        "rss_max": round(repeat["rss_mb"]["max"] / first["rss_mb"]["max"], 3),
        "rps": round(repeat["total"]["rps"] / first["total"]["rps"], 2),
        "p95": round(repeat["total"]["p95_ms"] / first["total"]["p95_ms"], 2),
    }
    return out


# --- output --------------------------------------------------------------------------------


def _level_line(level: dict[str, Any]) -> str:
    t, r = level["total"], level["rss_mb"]
    return (
        f"{level['label']}: {t['requests']} req, {t['rps']} req/s, p95 {t['p95_ms']} ms, "
        f"non-2xx {t['non_2xx']}, 5xx {t['5xx']}; RSS {r['start']}->{r['end']} "
        f"(max {r['max']}) MiB; drained in {level['drain_s']} s"
    )


def print_table(result: dict[str, Any]) -> None:
    print(f"\n== {result['backend']}: {result['mentions']} mentions, {result['seconds']} s/level")
    head = f"{'level':<12}{'endpoint':<17}{'req':>7}{'req/s':>8}{'p50':>8}{'p95':>8}{'p99':>8}"
    print(head + f"{'non2xx':>8}{'5xx':>5}")
    for level in result["levels"]:
        rows = [*level["endpoints"].items(), ("total", level["total"])]
        for kind, e in rows:
            print(
                f"{level['label']:<12}{kind:<17}{e['requests']:>7}{e['rps']:>8}"
                f"{e['p50_ms']:>8}{e['p95_ms']:>8}{e['p99_ms']:>8}{e['non_2xx']:>8}{e['5xx']:>5}"
            )
    print(f"\n{'level':<14}{'RSS start':>10}{'end':>8}{'max':>8}  MiB{'cpu/s':>8}{'drain s':>9}")
    for level in result["levels"]:
        r = level["rss_mb"]
        print(
            f"{level['label']:<14}{r['start']:>10}{r['end']:>8}{r['max']:>8}     "
            f"{level['server_cpu_s_per_s']:>8}{level['drain_s']:>9}"
        )
    print("\nratios:", json.dumps(result["ratios"], indent=1))
    if result["server_error_lines"]:
        print(f"\nserver error lines ({len(result['server_error_lines'])}, first 40):")
        print("\n".join(result["server_error_lines"][:40]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", default="8,32")
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--_build", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._build:
        spec = json.loads(args._build)
        info = build_home(
            Path(spec["home"]),
            database_url=spec["database_url"],
            rows=spec["rows"],
            cache_from=spec["cache_from"],
        )
        print(json.dumps(info, default=str))
        return
    # A SIGTERM (e.g. from `timeout`) unwinds like Ctrl-C, so the finally blocks still stop the
    # server and drop the PostgreSQL database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    rows = SMOKE_ROWS if args.smoke else None
    if args.build_only:
        ensure_sqlite_home(args.home, rows)
        return
    levels = [int(c) for c in args.clients.split(",") if c.strip()]
    seconds = 5.0 if args.smoke and args.seconds == 60.0 else args.seconds
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        result = run_backend(backend, args.home, rows=rows, seconds=seconds, levels=levels)
        out = args.home.parent / f"load-{backend}{'-smoke' if args.smoke else ''}.json"
        out.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
        print_table(result)
        print(f"\nwrote {out}", flush=True)


if __name__ == "__main__":
    main()
