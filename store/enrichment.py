"""Repository functions for what enrichment derives: versioned catalogs (taxonomy, entities),
topic and entity assignments, topic-discovery runs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, and_, func, select, true, update
from sqlalchemy.sql.elements import ColumnElement

from store.db import chunks, utcnow
from store.tables import catalogs, discovered_topics, mention_entities, mention_topics, mentions


@dataclass(frozen=True)
class CatalogVersion:
    workspace: str
    kind: str
    version: int
    body: dict[str, Any]
    digest: str


def _digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def active_catalog(conn: Connection, *, workspace: str, kind: str) -> CatalogVersion | None:
    c = catalogs.c
    row = conn.execute(
        select(catalogs)
        .where(c.workspace == workspace, c.kind == kind)
        .order_by(c.version.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return CatalogVersion(row.workspace, row.kind, row.version, row.body, row.digest)


def catalog_version(
    conn: Connection, *, workspace: str, kind: str, version: int
) -> CatalogVersion | None:
    c = catalogs.c
    row = conn.execute(
        select(catalogs).where(c.workspace == workspace, c.kind == kind, c.version == version)
    ).first()
    return (
        None if row is None else CatalogVersion(row.workspace, kind, version, row.body, row.digest)
    )


def save_catalog(
    conn: Connection, *, workspace: str, kind: str, body: dict[str, Any]
) -> tuple[CatalogVersion, bool]:
    """Store ``body`` as the next version unless it equals the active one.
    Returns (the active version, whether a new version was created)."""
    digest = _digest(body)
    current = active_catalog(conn, workspace=workspace, kind=kind)
    if current is not None and current.digest == digest:
        return current, False
    version = 1 if current is None else current.version + 1
    # Two concurrent writers would pick the same version; the primary key refuses the second,
    # whose caller sees a conflict error (set_catalog retries once).
    conn.execute(
        catalogs.insert().values(
            workspace=workspace,
            kind=kind,
            version=version,
            body=body,
            digest=digest,
            created_at=utcnow(),
        )
    )
    return CatalogVersion(workspace, kind, version, body, digest), True


def replace_topics(
    conn: Connection,
    *,
    workspace: str,
    version: int,
    items: Sequence[tuple[int, Sequence[dict[str, Any]]]],
) -> None:
    """Write the topics of each (mention id, assignments) under taxonomy ``version`` and mark
    the mention as assigned under it (an empty list is an answer too: no topic)."""
    t = mention_topics.c
    _replace_assignments(
        conn,
        table=mention_topics,
        stale=lambda chunk: and_(t.mention_id.in_(chunk), t.taxonomy_version == version),
        stamp={"topics_version": version},
        common={"taxonomy_version": version, "workspace": workspace},
        items=items,
    )


def topics_pending(
    conn: Connection,
    *,
    workspace: str,
    version: int,
    after_id: int,
    limit: int,
    everything: bool = False,
) -> list[Any]:
    """Canonical mentions whose topics were not assigned under ``version`` (``everything``:
    all canonical mentions, e.g. after the topic examples were refit)."""
    m = mentions.c
    pending = (m.topics_version.is_(None)) | (m.topics_version != version)
    return list(
        conn.execute(
            select(mentions)
            .where(
                m.workspace == workspace,
                m.duplicate_of.is_(None),
                m.id > after_id,
                true() if everything else pending,
            )
            .order_by(m.id)
            .limit(limit)
        )
    )


def topics_of(
    conn: Connection, *, ids: Sequence[int], version: int
) -> dict[int, list[dict[str, Any]]]:
    t = mention_topics.c
    out: dict[int, list[dict[str, Any]]] = {}
    for chunk in chunks(ids):
        rows = conn.execute(
            select(t.mention_id, t.topic, t.sentiment, t.similarity, t.clause)
            .where(
                t.mention_id.in_(chunk),
                t.taxonomy_version == version,
            )
            .order_by(t.mention_id, t.similarity.desc())
        )
        for r in rows:
            out.setdefault(r.mention_id, []).append(
                {
                    "topic": r.topic,
                    "sentiment": r.sentiment,
                    "similarity": r.similarity,
                    "clause": r.clause,
                }
            )
    return out


def replace_entities(
    conn: Connection,
    *,
    workspace: str,
    version: int,
    items: Sequence[tuple[int, Sequence[dict[str, Any]]]],
) -> None:
    e = mention_entities.c
    _replace_assignments(
        conn,
        table=mention_entities,
        stale=lambda chunk: e.mention_id.in_(chunk),
        stamp={"entities_version": version},
        common={"catalog_version": version, "workspace": workspace},
        items=items,
    )
    apply_brand_corrections(conn, workspace=workspace, ids=[mid for mid, _ in items])


def apply_brand_corrections(conn: Connection, *, workspace: str, ids: Sequence[int]) -> None:
    """A user's main-brand correction wins over the matcher: the corrected entity becomes the
    mention's only main entity (added if the matcher did not find it); a correction to "no
    brand" leaves the matched entities but none of them main."""
    from store.tables import label_corrections

    c, e = label_corrections.c, mention_entities.c
    for chunk in chunks(list(ids)):
        found = conn.execute(
            select(c.mention_id, c.value).where(
                c.workspace == workspace, c.field == "brand", c.mention_id.in_(chunk)
            )
        ).all()
        for mid, value in found:
            brand = value.get("brand")
            conn.execute(
                update(mention_entities)
                .where(e.mention_id == mid)
                .values(main=e.entity == brand if brand is not None else False)
            )
            if brand is None:
                continue
            present = conn.execute(
                select(e.entity).where(e.mention_id == mid, e.entity == brand)
            ).first()
            if present is None:
                version = conn.execute(
                    select(mentions.c.entities_version).where(mentions.c.id == mid)
                ).scalar()
                conn.execute(
                    mention_entities.insert().values(
                        mention_id=mid,
                        entity=brand,
                        workspace=workspace,
                        kind=value.get("kind", "brand"),
                        main=True,
                        surface="",
                        catalog_version=version or 0,
                    )
                )


def _replace_assignments(
    conn: Connection,
    *,
    table: Table,
    stale: Callable[[list[int]], ColumnElement[bool]],
    stamp: dict[str, int],
    common: dict[str, Any],
    items: Sequence[tuple[int, Sequence[dict[str, Any]]]],
) -> None:
    """Delete the mentions' ``stale`` rows, stamp the mentions with the version they were
    derived under (an empty list is an answer too), insert the new rows.

    The mentions are locked first, in id order: a concurrent replacement of the same mentions
    (an index sync and a re-enrichment) waits for this one to commit and then deletes its rows,
    where it would otherwise insert beside them and hit the primary key."""
    # Imported here: store.mentions imports this module.
    from store.mentions import lock_rows

    ids = sorted({mid for mid, _ in items})
    lock_rows(conn, ids=ids)
    for chunk in chunks(ids):
        conn.execute(table.delete().where(stale(chunk)))
        conn.execute(update(mentions).where(mentions.c.id.in_(chunk)).values(**stamp))
    rows = [{"mention_id": mid, **common, **a} for mid, found in items for a in found]
    if rows:
        # In primary-key order (every assignment table leads with mention_id), like the locks.
        order = [c.name for c in table.primary_key.columns]
        conn.execute(table.insert(), sorted(rows, key=lambda r: tuple(r[c] for c in order)))


def entities_pending(
    conn: Connection,
    *,
    workspace: str,
    version: int,
    after_id: int,
    limit: int,
    everything: bool = False,
) -> list[Any]:
    """Mentions whose entities were not matched under catalog ``version`` (all: everything)."""
    m = mentions.c
    stmt = select(m.id, m.text, m.title, m.brand).where(m.workspace == workspace, m.id > after_id)
    if not everything:
        stmt = stmt.where((m.entities_version.is_(None)) | (m.entities_version != version))
    return list(conn.execute(stmt.order_by(m.id).limit(limit)))


def entities_of(conn: Connection, *, ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    e = mention_entities.c
    out: dict[int, list[dict[str, Any]]] = {}
    for chunk in chunks(ids):
        rows = conn.execute(
            select(e.mention_id, e.entity, e.kind, e.main, e.surface)
            .where(e.mention_id.in_(chunk))
            .order_by(e.mention_id, e.main.desc(), e.entity)
        )
        for r in rows:
            out.setdefault(r.mention_id, []).append(
                {"entity": r.entity, "kind": r.kind, "main": r.main, "surface": r.surface}
            )
    return out


def copy_counts(conn: Connection, *, ids: Sequence[int]) -> dict[int, int]:
    m = mentions.c
    out: dict[int, int] = {}
    for chunk in chunks(ids):
        rows = conn.execute(
            select(m.duplicate_of, func.count())
            .where(m.duplicate_of.in_(chunk))
            .group_by(m.duplicate_of)
        )
        out.update({r[0]: r[1] for r in rows})
    return out


def uncovered_mentions(
    conn: Connection, *, workspace: str, version: int | None, limit: int
) -> list[Any]:
    """The most recent counted mentions with no topic under taxonomy ``version`` (all counted
    mentions when there is no taxonomy)."""
    m, t = mentions.c, mention_topics.c
    stmt = select(m.id, m.text, m.title, m.language, m.content_hash).where(
        m.workspace == workspace, m.duplicate_of.is_(None), m.noise.is_(None)
    )
    if version is not None:
        covered = select(t.mention_id).where(
            t.workspace == workspace, t.taxonomy_version == version
        )
        stmt = stmt.where(m.topics_version == version, m.id.not_in(covered))
    return list(
        conn.execute(stmt.order_by(m.created_at.desc().nulls_last(), m.id.desc()).limit(limit))
    )


def next_discovery_run(conn: Connection, *, workspace: str) -> int:
    d = discovered_topics.c
    last = conn.execute(select(func.max(d.run)).where(d.workspace == workspace)).scalar()
    return 1 if last is None else int(last) + 1


def save_discovered(
    conn: Connection, *, workspace: str, run: int, rows: Sequence[dict[str, Any]]
) -> None:
    now = utcnow()
    if rows:
        conn.execute(
            discovered_topics.insert(),
            [
                {"workspace": workspace, "run": run, "created_at": now, "status": "new", **r}
                for r in rows
            ],
        )


def discovered(conn: Connection, *, workspace: str, run: int | None = None) -> list[dict[str, Any]]:
    """The clusters of run ``run`` (default: the latest run), largest first."""
    d = discovered_topics.c
    if run is None:
        run = conn.execute(select(func.max(d.run)).where(d.workspace == workspace)).scalar()
        if run is None:
            return []
    rows = conn.execute(
        select(discovered_topics)
        .where(d.workspace == workspace, d.run == run)
        .order_by(d.size.desc(), d.key)
    )
    return [r._asdict() for r in rows]


def set_discovered_status(
    conn: Connection, *, workspace: str, run: int, key: str, status: str, promoted_as: str | None
) -> None:
    d = discovered_topics.c
    conn.execute(
        update(discovered_topics)
        .where(d.workspace == workspace, d.run == run, d.key == key)
        .values(status=status, promoted_as=promoted_as)
    )
