"""Re-running enrichment over stored mentions (after a model or settings change)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from enrichment.enricher import Enricher
from store import mentions as mention_store


@dataclass
class ReenrichStats:
    seen: int = 0
    changed: int = 0


def reenrich_languages(
    engine: Engine,
    *,
    workspace: str,
    enricher: Enricher,
    everything: bool = False,
    page: int = 1000,
    on_progress: Callable[[int], None] | None = None,
) -> ReenrichStats:
    """Detect the language of mentions that have none or (``everything``) whose language was
    detected before; a language a source stated is never touched. Changed mentions are
    marked for re-indexing (their index metadata holds the language)."""
    stats = ReenrichStats()
    last = 0
    while True:
        with engine.connect() as conn:
            rows = mention_store.language_candidates(
                conn, workspace=workspace, after_id=last, limit=page, redetect=everything
            )
        if not rows:
            return stats
        last = rows[-1].id
        detected = enricher.language.detect_many(
            [f"{r.title}\n{r.text}" if r.title else r.text for r in rows]
        )
        updates = [
            (r.id, lang)
            for r, lang in zip(rows, detected, strict=True)
            if lang != r.language or r.enrichment_version != enricher.version
        ]
        with engine.begin() as conn:
            mention_store.set_languages(conn, items=updates, version=enricher.version)
        stats.seen += len(rows)
        stats.changed += len(updates)
        if on_progress:
            on_progress(len(rows))
