"""The ingestion run: read -> map -> prepare -> store (batch transactions) -> index.

Each batch commits on its own, and the index catches up from the store, so a crash or Ctrl-C
loses nothing already committed and a re-run finishes the job.
"""

from __future__ import annotations

import csv
import logging
import os
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from hark.domain import MentionCreate
from hark.errors import ErrorCode, HarkError
from hark.prepared import PreparedMention
from ingestion.mapping import Mapping, RowError
from ingestion.prepare import EmptyTextError, prepare
from ingestion.sources import RecordError, guess_format, iter_records, read_header
from ingestion.writer import BatchOutcome, write_batch
from retrieval.indexer import IndexStats, IndexTarget
from store.mentions import KeyTaken

log = logging.getLogger("hark.ingest")


@dataclass(frozen=True)
class Reject:
    row: int
    field: str
    reason: str


@dataclass
class IngestReport:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    repeated: int = 0
    skipped: int = 0
    rejected: int = 0
    indexed: int = 0
    embedded: int = 0
    parse_seconds: float = 0.0
    store_seconds: float = 0.0
    embed_seconds: float = 0.0
    index_seconds: float = 0.0
    enrich_seconds: float = 0.0
    clauses_embedded: int = 0
    rejects: list[Reject] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    id_by_key: dict[tuple[str, str], int] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        data = asdict(self)
        for bulky in ("rejects", "ids", "id_by_key"):
            data.pop(bulky)
        return data

    def add_index_stats(self, stats: IndexStats) -> None:
        self.indexed += stats.indexed
        self.embedded += stats.embedded
        self.embed_seconds += stats.embed_seconds
        self.index_seconds += stats.index_seconds
        self.enrich_seconds += stats.enrich_seconds
        self.clauses_embedded += stats.clauses_embedded


def _record_to_prepared(
    mapping: Mapping, records: Iterable[tuple[int, Any]], report: IngestReport
) -> Iterator[PreparedMention]:
    for row_no, record in records:
        report.read += 1
        if isinstance(record, RecordError):
            report.rejects.append(Reject(row_no, "row", str(record)))
            continue
        if not mapping.include(record):
            report.skipped += 1
            continue
        try:
            mention, labels = mapping.apply(record)
            yield prepare(mention, row_no=row_no, labels=labels or None)
        except RowError as exc:
            report.rejects.append(Reject(row_no, exc.field, exc.reason))
        except EmptyTextError as exc:
            report.rejects.append(Reject(row_no, "text", str(exc)))


def prepare_mentions(
    mentions: Iterable[MentionCreate], report: IngestReport
) -> Iterator[PreparedMention]:
    for n, mention in enumerate(mentions, start=1):
        report.read += 1
        try:
            yield prepare(mention, row_no=n)
        except EmptyTextError as exc:
            report.rejects.append(Reject(n, "text", str(exc)))


Enrich = Callable[[list[PreparedMention]], None]


# SQLSTATEs of a transaction that lost to a concurrent one and succeeds when run again:
# deadlock_detected, serialization_failure, unique_violation.
_RETRY_SQLSTATES = frozenset({"40P01", "40001", "23505"})
WRITE_ATTEMPTS = 10


def is_write_conflict(exc: BaseException) -> bool:
    """A transaction that lost a race with a concurrent writer; running it again succeeds."""
    if isinstance(exc, KeyTaken):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if getattr(exc.orig, "sqlstate", None) in _RETRY_SQLSTATES:
        return True
    # sqlite3 has no SQLSTATE. "database is locked" is not retried: the busy timeout has
    # already waited for the other writer.
    return str(exc.orig).startswith("UNIQUE constraint failed")


def retry_backoff(attempt: int, base: float = 0.02, cap: float = 1.0) -> float:
    """Seconds to wait before retry number ``attempt`` (0-based): exponential, fully
    jittered, so writers that collided do not collide again in step."""
    return random.uniform(0, min(cap, base * 2**attempt))


def _write_with_retry(
    engine: Engine,
    workspace: str,
    batch: list[PreparedMention],
    dedup_window: timedelta,
    enrich: Enrich | None,
    attempts: int = WRITE_ATTEMPTS,
) -> BatchOutcome:
    """One transaction per batch, redone whole when it loses a race with a concurrent writer
    (a deadlock, a key stored first by another batch): the retry finds the other writer's rows
    and updates or keeps them, so counts and ids are those of a batch written alone."""
    for attempt in range(attempts):
        try:
            with engine.begin() as conn:
                return write_batch(
                    conn, workspace=workspace, batch=batch, dedup_window=dedup_window, enrich=enrich
                )
        except Exception as exc:
            if attempt == attempts - 1 or not is_write_conflict(exc):
                raise
            cause = type(getattr(exc, "orig", None) or exc).__name__
            log.info("%s: a batch of %d lost a race (%s); retrying", workspace, len(batch), cause)
            time.sleep(retry_backoff(attempt))
    raise AssertionError("unreachable")


def run_ingest(
    engine: Engine,
    *,
    workspace: str,
    prepared: Iterable[PreparedMention],
    report: IngestReport,
    batch_size: int = 500,
    dedup_window: timedelta = timedelta(hours=24),
    index: IndexTarget | None = None,
    on_batch: Callable[[IngestReport], None] | None = None,
    enrich: Enrich | None = None,
) -> IngestReport:
    """Store prepared mentions batch by batch (enriching new and changed ones); index each
    batch after it commits."""
    seen: set[tuple[str, str]] = set()
    iterator = iter(prepared)
    while True:
        t0 = time.perf_counter()
        batch: list[PreparedMention] = []
        for p in iterator:
            # First occurrence of a key in one run wins: a re-run then finds it unchanged.
            if p.key in seen:
                report.repeated += 1
                continue
            seen.add(p.key)
            batch.append(p)
            if len(batch) >= batch_size:
                break
        report.parse_seconds += time.perf_counter() - t0
        if not batch:
            break
        t0 = time.perf_counter()
        outcome = _write_with_retry(engine, workspace, batch, dedup_window, enrich)
        report.store_seconds += time.perf_counter() - t0
        report.inserted += len(outcome.inserted)
        report.updated += len(outcome.updated)
        report.unchanged += outcome.unchanged
        report.duplicates += outcome.duplicates
        report.ids.extend(outcome.ids[p.key] for p in batch)
        report.id_by_key.update(outcome.ids)
        touched = outcome.inserted + outcome.updated
        if index is not None and touched:
            report.add_index_stats(index.sync(engine, workspace, touched))
        if on_batch:
            on_batch(report)
    if index is not None:
        # Mentions left pending by an earlier crash (or pushed without indexing) catch up here.
        report.add_index_stats(index.sync(engine, workspace))
    report.rejected = len(report.rejects)
    return report


def ingest_file(
    engine: Engine,
    *,
    workspace: str,
    path: Path,
    mapping: Mapping,
    batch_size: int = 500,
    dedup_window: timedelta = timedelta(hours=24),
    index: IndexTarget | None = None,
    on_batch: Callable[[IngestReport], None] | None = None,
    enrich: Enrich | None = None,
) -> IngestReport:
    if not path.is_file():
        raise HarkError(ErrorCode.BAD_FILE, f"no such file: {path}")
    fmt = mapping.format or guess_format(path)
    header = read_header(path, fmt, mapping.encoding)
    if header is not None:
        mapping.check_header(header)
    report = IngestReport()
    records = iter_records(path, fmt, mapping.encoding)
    return run_ingest(
        engine,
        workspace=workspace,
        prepared=_record_to_prepared(mapping, records, report),
        report=report,
        batch_size=batch_size,
        dedup_window=dedup_window,
        index=index,
        on_batch=on_batch,
        enrich=enrich,
    )


def ingest_mentions(
    engine: Engine,
    *,
    workspace: str,
    mentions: list[MentionCreate],
    dedup_window: timedelta = timedelta(hours=24),
    index: IndexTarget | None = None,
    enrich: Enrich | None = None,
) -> IngestReport:
    """Store a pushed batch in one transaction (all or nothing); index it if a target is given."""
    report = IngestReport()
    prepared = list(prepare_mentions(mentions, report))
    if report.rejects:
        return report
    return run_ingest(
        engine,
        workspace=workspace,
        prepared=prepared,
        report=report,
        batch_size=max(len(prepared), 1),
        dedup_window=dedup_window,
        index=index,
        enrich=enrich,
    )


def write_rejects(rejects: list[Reject], path: Path) -> None:
    # Rejected rows quote customer text: the report is as private as the database (0600).
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["row", "field", "reason"])
        writer.writerows((r.row, r.field, r.reason) for r in rejects)
