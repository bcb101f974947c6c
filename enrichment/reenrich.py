"""Re-running enrichment over stored mentions (after a model or settings change)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, Engine, bindparam, select, update

from enrichment.author_type import addressed_handles, classify_author, official_handles
from enrichment.enricher import Enricher, match_entities
from enrichment.entities import EntityCatalog
from enrichment.vector_stage import VectorEnrichment, corrected_field
from enrichment.workspace_sentiment import WorkspaceSentiment
from hark.documents import embed_text
from store import embeddings as embedding_cache
from store import enrichment as enrichment_store
from store import mentions as mention_store
from store.tables import mentions


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


def reenrich_topics(
    engine: Engine,
    *,
    workspace: str,
    enrichment: VectorEnrichment,
    page: int = 500,
    everything: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> ReenrichStats:
    """Assign topics under the active taxonomy to every canonical mention assigned under an
    older version (or never; ``everything``: all, after the topic examples were refit).
    Vectors come from the embedding cache; assignments made under older versions stay, so
    trends computed under them stay comparable. Users' topic corrections win."""
    stats = ReenrichStats()
    model = enrichment.topic_model(workspace)
    if model is None:
        return stats
    last = 0
    while True:
        with engine.connect() as conn:
            rows = enrichment_store.topics_pending(
                conn,
                workspace=workspace,
                version=model.version,
                after_id=last,
                limit=page,
                everything=everything,
            )
        if not rows:
            return stats
        last = rows[-1].id
        vectors = enrichment.embed({r.content_hash: embed_text(r.text, r.title) for r in rows})
        corrected = enrichment.corrections(workspace, [r.id for r in rows])
        items, _ = enrichment.topics(
            model,
            rows,
            vectors,
            {},
            enrichment.sentiment(workspace),
            corrected_topics=corrected_field(corrected, "topics"),
        )
        with engine.begin() as conn:
            enrichment_store.replace_topics(
                conn, workspace=workspace, version=model.version, items=items
            )
        stats.seen += len(rows)
        stats.changed += sum(1 for _, assigned in items if assigned)
        if on_progress:
            on_progress(len(rows))


def reenrich_sentiment(
    engine: Engine,
    *,
    workspace: str,
    model: WorkspaceSentiment,
    model_name: str,
    page: int = 2000,
    on_progress: Callable[[int], None] | None = None,
) -> ReenrichStats:
    """Label again, with ``model``, every mention whose sentiment the classifier gave (not
    its rating, not a user): vectors from the embedding cache, nothing embedded. A mention
    whose vector is not cached is left for the next sync, which embeds and labels it. Those
    whose label changes are re-indexed (the index document carries the sentiment); ``seen``
    counts mentions labelled, ``changed`` labels that changed."""
    stats = ReenrichStats()
    last = 0
    while True:
        with engine.connect() as conn:
            rows = mention_store.model_labelled(
                conn, workspace=workspace, after_id=last, limit=page
            )
            vectors = embedding_cache.get_vectors(
                conn, model=model_name, content_hashes=[r.content_hash for r in rows]
            )
        if not rows:
            return stats
        last = rows[-1].id
        ready = [r for r in rows if r.content_hash in vectors]
        labels = (
            model.label(
                np.stack([vectors[r.content_hash] for r in ready]),
                [embed_text(r.text, r.title) for r in ready],
                [r.language for r in ready],
            )
            if ready
            else []
        )
        with engine.begin() as conn:
            mention_store.relabel(
                conn,
                items=[(r.id, label, r.sentiment) for r, label in zip(ready, labels, strict=True)],
                unlabel=[r.id for r in rows if r.content_hash not in vectors],
            )
        stats.seen += len(ready)
        stats.changed += sum(
            1 for r, label in zip(ready, labels, strict=True) if label.label != r.sentiment
        )
        if on_progress:
            on_progress(len(rows))


def reenrich_entities(
    engine: Engine,
    *,
    workspace: str,
    catalog: tuple[int, EntityCatalog] | None,
    everything: bool = False,
    page: int = 1000,
    on_progress: Callable[[int], None] | None = None,
) -> ReenrichStats:
    """Match the active entity catalog on mentions matched under an older version (or never).
    Text only: nothing is embedded; author types, which depend on the catalog's @handles, are
    brought up to date first (see reenrich_author_types)."""
    stats = ReenrichStats()
    reenrich_author_types(
        engine, workspace=workspace, catalog=catalog, everything=everything, page=page
    )
    if catalog is None:
        return stats
    version, entities = catalog
    last = 0
    while True:
        with engine.connect() as conn:
            rows = enrichment_store.entities_pending(
                conn,
                workspace=workspace,
                version=version,
                after_id=last,
                limit=page,
                everything=everything,
            )
        if not rows:
            return stats
        last = rows[-1].id
        items = [(r.id, match_entities(entities, r._asdict())) for r in rows]
        with engine.begin() as conn:
            enrichment_store.replace_entities(
                conn, workspace=workspace, version=version, items=items
            )
        stats.seen += len(rows)
        stats.changed += sum(1 for _, found in items if found)
        if on_progress:
            on_progress(len(rows))


def reenrich_author_types(
    engine: Engine,
    *,
    workspace: str,
    catalog: tuple[int, EntityCatalog] | None,
    everything: bool = False,
    page: int = 1000,
) -> ReenrichStats:
    """Classify who wrote stored mentions (enrichment.author_type): those never classified,
    those whose entities were matched under another catalog version (its @handles may have
    changed) and, with ``everything``, all. A stored "brand" is never turned back into
    "customer": it may be a source's own flag, which is not kept apart. A mention that
    becomes "brand" is re-indexed (its index document carries the type)."""
    stats = ReenrichStats()
    version, entities = catalog if catalog is not None else (None, None)
    handles = official_handles(entities)
    m = mentions.c
    which: ColumnElement[bool] = m.author_type.is_(None)
    if version is not None:
        which = which | m.entities_version.is_(None) | (m.entities_version != version)
    last = 0
    while True:
        stmt = select(m.id, m.text, m.author, m.author_type).where(
            m.workspace == workspace, m.id > last
        )
        if not everything:
            stmt = stmt.where(which)
        with engine.connect() as conn:
            rows = list(conn.execute(stmt.order_by(m.id).limit(page)))
        if not rows:
            return stats
        known = handles | addressed_handles([r.text for r in rows])
        last = rows[-1].id
        updates = []
        for r in rows:
            verdict = classify_author(r.text, r.author, entities, handles=known)
            # A stored "brand" may be a source's flag, which is not kept apart, so it stays;
            # except where the catalog now shows the text addressed to an official account
            # (a customer writing to the brand, read as a reply before the catalog knew it).
            keep = r.author_type == "brand" and verdict.reason != "addresses_official"
            new = "brand" if keep else verdict.author_type
            if new != r.author_type:
                updates.append({"_id": r.id, "_t": new, "_brand": new == "brand"})
        with engine.begin() as conn:
            for becomes_brand in (True, False):
                batch = [u for u in updates if u["_brand"] is becomes_brand]
                if not batch:
                    continue
                values: dict[str, Any] = {"author_type": bindparam("_t")}
                if becomes_brand:
                    values["indexed_hash"] = None
                conn.execute(
                    update(mentions).where(m.id == bindparam("_id")).values(**values),
                    [{"_id": u["_id"], "_t": u["_t"]} for u in batch],
                )
        stats.seen += len(rows)
        stats.changed += sum(1 for u in updates if u["_brand"])
