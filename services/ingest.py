"""The ingest service: files through a field mapping, and pushed batches. Stored mentions are
enriched as they are written; indexing follows at once (files) or is deferred (pushes), and the
question vocabulary is refreshed, whichever front-end brought them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from hark.domain import MentionCreate
from hark.errors import ErrorCode, HarkError
from hark.settings import Settings
from ingestion.mapping import load_mapping
from ingestion.pipeline import IngestReport, ingest_file, ingest_mentions, write_rejects
from services.ask import AskService
from services.defer import Defer
from services.enrich import EnrichService
from services.index import IndexService


@dataclass(frozen=True)
class PushOutcome:
    report: IngestReport
    ids: list[int]  # the stored id of each pushed mention, in order
    indexed: bool  # False: indexing was deferred


@dataclass(frozen=True)
class FileOutcome:
    report: IngestReport
    rejects_file: Path | None


class IngestService:
    def __init__(
        self,
        settings: Settings,
        engine: Callable[[], Engine],
        enrich: EnrichService,
        index: IndexService,
        ask: AskService,
    ) -> None:
        self.settings = settings
        self._engine = engine
        self._enrich = enrich
        self._index = index
        self._ask = ask

    def push(
        self, workspace: str, mentions: list[MentionCreate], *, wait: bool, defer: Defer
    ) -> PushOutcome:
        """Store a batch, all or nothing (re-sending it is harmless), then index it now
        (``wait``) or later."""
        s = self.settings
        if len(mentions) > s.api_max_batch:
            raise HarkError(
                ErrorCode.BATCH_TOO_LARGE,
                f"{len(mentions)} mentions in one batch; the limit is {s.api_max_batch}",
                {"limit": s.api_max_batch, "received": len(mentions)},
            )
        too_long = [i for i, m in enumerate(mentions) if len(m.text) > s.api_max_text_chars]
        if too_long:
            raise HarkError(
                ErrorCode.VALIDATION,
                f"text longer than {s.api_max_text_chars} characters",
                [{"loc": ["mentions", i, "text"], "message": "too long"} for i in too_long],
            )
        report = ingest_mentions(
            self._engine(),
            workspace=workspace,
            mentions=mentions,
            dedup_window=self._enrich.dedup_window,
            enrich=self._enrich.hook(workspace),
        )
        if report.rejects:
            raise HarkError(
                ErrorCode.VALIDATION,
                "some mentions are invalid; nothing was stored",
                [
                    {"loc": ["mentions", r.row - 1, r.field], "message": r.reason}
                    for r in report.rejects
                ],
            )
        self._ask.refresh_vocabulary(workspace)
        if wait:
            self._index.sync(workspace)
        else:
            defer(lambda: self._index.sync_in_background(workspace))
        ids = [report.id_by_key[(m.source, m.external_id)] for m in mentions]
        return PushOutcome(report, ids, wait)

    def ingest_file(
        self,
        workspace: str,
        path: Path,
        mapping: str,
        *,
        index: bool = True,
        rejects: Path | None = None,
        on_batch: Callable[[IngestReport], None] | None = None,
    ) -> FileOutcome:
        """Ingest a file (safe to re-run: unchanged rows are skipped, changed rows updated);
        rejected rows go to a CSV report (default under HARK_HOME/rejects)."""
        spec = load_mapping(mapping)
        report = ingest_file(
            self._engine(),
            workspace=workspace,
            path=path,
            mapping=spec,
            batch_size=self.settings.ingest_batch_size,
            dedup_window=self._enrich.dedup_window,
            index=self._index.target(workspace) if index else None,
            on_batch=on_batch,
            enrich=self._enrich.hook(workspace),
        )
        self._ask.refresh_vocabulary(workspace)
        out = None
        if report.rejects:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            out = rejects or self.settings.home / "rejects" / f"{spec.source}-{stamp}.csv"
            write_rejects(report.rejects, out)
        return FileOutcome(report, out)
