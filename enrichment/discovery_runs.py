"""Topic discovery over a workspace: cluster the mentions its taxonomy does not cover, store the
clusters as a numbered run, and promote a cluster into the taxonomy as a new version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Engine

from enrichment.cluster_namer import ClusterNamer
from enrichment.discovery import discover_topics
from enrichment.taxonomy import Taxonomy, Topic
from enrichment.vector_stage import EmbedCached
from hark.documents import embed_text
from hark.errors import ErrorCode, HarkError
from hark.text import slug
from store import enrichment as enrichment_store
from store import mentions as mention_store

# Discovery looks at the most recent uncovered mentions; clustering cost grows faster than
# linearly, and recent mentions are where new topics appear.
MAX_MENTIONS = 20000
QUOTE_CHARS = 240


@dataclass(frozen=True)
class DiscoveryRun:
    run: int
    taxonomy_version: int | None
    considered: int
    topics: list[dict[str, Any]]


def run_discovery(
    engine: Engine,
    *,
    workspace: str,
    embed: EmbedCached,
    min_size: int = 10,
    max_topics: int = 20,
    limit: int = MAX_MENTIONS,
    namer: ClusterNamer | None = None,
) -> DiscoveryRun:
    """``namer`` (a chat model) names clusters; without it, their distinctive terms do."""
    with engine.connect() as conn:
        active = enrichment_store.active_catalog(conn, workspace=workspace, kind="taxonomy")
        version = active.version if active else None
        rows = enrichment_store.uncovered_mentions(
            conn, workspace=workspace, version=version, limit=limit
        )
    if not rows:
        raise HarkError(
            ErrorCode.NOT_FOUND, "no uncovered mentions to discover topics in (ingest first?)"
        )
    vectors = embed({r.content_hash: embed_text(r.text, r.title) for r in rows})
    found = discover_topics(
        [r.id for r in rows],
        np.stack([vectors[r.content_hash] for r in rows]),
        [embed_text(r.text, r.title) for r in rows],
        [r.language for r in rows],
        min_size=min_size,
        max_topics=max_topics,
    )
    by_id = {r.id: r for r in rows}
    labels = {
        t.key: (
            namer.name(
                t.terms,
                [by_id[i].text for i in t.quote_ids],
                [by_id[i].language for i in t.member_ids],
            )
            if namer is not None
            else None
        )
        or t.label
        for t in found
    }
    stored = [
        {
            "key": t.key,
            "taxonomy_version": version,
            "size": t.size,
            "label": labels[t.key][:256],
            "terms": t.terms,
            "quote_ids": t.quote_ids,
            "member_ids": t.member_ids,
            "cohesion": round(float(t.cohesion), 4),
        }
        for t in found
    ]
    with engine.begin() as conn:
        run = enrichment_store.next_discovery_run(conn, workspace=workspace)
        enrichment_store.save_discovered(conn, workspace=workspace, run=run, rows=stored)
        listed = enrichment_store.discovered(conn, workspace=workspace, run=run)
    return DiscoveryRun(run, version, len(rows), listed)


def promote(
    engine: Engine,
    *,
    workspace: str,
    key: str,
    name: str | None = None,
    description: str = "",
    run: int | None = None,
) -> tuple[int, Topic]:
    """Add a discovered cluster to the taxonomy (its quotes become the topic's examples);
    returns the new taxonomy version. `hark enrich` then assigns it."""
    with engine.begin() as conn:
        clusters = enrichment_store.discovered(conn, workspace=workspace, run=run)
        cluster = next((c for c in clusters if c["key"] == key), None)
        if cluster is None:
            raise HarkError(ErrorCode.NOT_FOUND, f"no discovered topic {key!r} in that run")
        if cluster["status"] == "promoted":
            raise HarkError(
                ErrorCode.BAD_CATALOG, f"{key!r} was promoted already as {cluster['promoted_as']!r}"
            )
        quotes = mention_store.get_mentions(conn, workspace=workspace, ids=cluster["quote_ids"])
        label = (name or "").strip() or cluster["label"]
        topic = Topic(
            id=slug(label),
            name=label,
            description=description or ", ".join(cluster["terms"][:8]),
            examples=tuple(q.text[:QUOTE_CHARS] for q in quotes),
        )
        active = enrichment_store.active_catalog(conn, workspace=workspace, kind="taxonomy")
        try:
            grown = (
                Taxonomy.from_stored(active.body).with_topic(topic)
                if active
                else Taxonomy((topic,))
            )
            # Round-trip through the parser: a blank name must fail here, not break the
            # workspace's topic model later.
            taxonomy = Taxonomy.from_dict(grown.to_dict())
        except ValueError as exc:
            raise HarkError(ErrorCode.BAD_CATALOG, str(exc)) from exc
        saved, _ = enrichment_store.save_catalog(
            conn, workspace=workspace, kind="taxonomy", body=taxonomy.to_dict()
        )
        enrichment_store.set_discovered_status(
            conn,
            workspace=workspace,
            run=cluster["run"],
            key=key,
            status="promoted",
            promoted_as=topic.id,
        )
    return saved.version, topic
