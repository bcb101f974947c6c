"""Repository functions for mentions: the only place that writes or reads them with SQL."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, func, select, text, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from hark.domain import EntityTag, MentionPublic, SearchFilters, TopicTag
from store import enrichment as enrichment_store
from store.db import chunks
from store.filters import filter_conditions
from store.tables import mention_labels, mentions

_PUBLIC_COLUMNS = [
    c for c in mentions.c if c.name not in {"raw_text", "row_hash", "dedup_key", "indexed_hash"}
]


class KeyTaken(Exception):
    """Another writer stored one of the keys being inserted first: the batch must be redone."""


def _lock_id(kind: str, workspace: str, value: str) -> int:
    digest = hashlib.blake2b(f"{kind}\0{workspace}\0{value}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _advisory_locks(conn: Connection, ids: Iterable[int]) -> None:
    """Take transaction-scoped advisory locks in ascending order: every writer takes them in
    the same order, so two writers queue behind each other instead of deadlocking."""
    ordered = sorted(set(ids))
    if ordered:
        conn.execute(
            text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:ks AS bigint[])) AS k"),
            {"ks": ordered},
        )


# A batch with more keys than this locks its whole workspace instead of key by key: the
# lock table has room for max_locks_per_transaction (64) x max_connections locks in all, and
# a batch of hundreds of rows overlaps nearly every concurrent batch anyway.
KEY_LOCKS_MAX = 32


def lock_keys(conn: Connection, *, workspace: str, keys: Sequence[tuple[str, str]]) -> bool:
    """PostgreSQL: hold the (source, external_id) keys of a batch until the transaction ends,
    before looking them up. A concurrent batch with a shared key then waits for this one to
    commit and finds its rows, instead of inserting the same key or locking rows in another
    order. A large batch holds its workspace instead (small ones hold it shared first).

    SQLite: take the database's write lock now (BEGIN IMMEDIATE), before the lookups. The
    driver otherwise begins only at the first write, so two batches could both look for an
    original of one copied text before either inserted it, and both insert an original
    (tests/integration/test_concurrent_writers.py, one run in several).

    Returns whether that already covers the dedup keys (a workspace lock; SQLite's single
    writer lock), else the batch must ``lock_dedup_keys`` too."""
    if conn.dialect.name == "sqlite":
        driver = conn.connection.dbapi_connection
        if driver is not None and not driver.in_transaction:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        return True
    if conn.dialect.name != "postgresql":
        return True
    whole = len(set(keys)) > KEY_LOCKS_MAX
    take = "pg_advisory_xact_lock" if whole else "pg_advisory_xact_lock_shared"
    conn.execute(text(f"SELECT {take}(:k)"), {"k": _lock_id("workspace", workspace, "")})
    if not whole:
        _advisory_locks(conn, (_lock_id("key", workspace, f"{s}\0{e}") for s, e in keys))
    return whole


def lock_dedup_keys(conn: Connection, *, workspace: str, dedup_keys: Iterable[str]) -> None:
    """PostgreSQL: hold the dedup keys a batch links, unlinks or counts copies under, so that
    two batches posting copies of one text see each other's rows as one writer at a time would
    (one original, the rest copies; authors counted across both). Taken after ``lock_keys``:
    a batch waiting here holds only keys no one waiting for dedup keys asks for."""
    if conn.dialect.name == "postgresql":
        _advisory_locks(conn, (_lock_id("dedup", workspace, k) for k in dedup_keys))


def lock_rows(conn: Connection, *, ids: Sequence[int]) -> None:
    """PostgreSQL: lock mentions about to be rewritten, in id order, the order index syncs
    lock them in (the rows are otherwise written in two statements, each in its own order)."""
    if conn.dialect.name != "postgresql":
        return
    m = mentions.c
    for chunk in chunks(sorted(set(ids))):
        conn.execute(
            select(m.id).where(m.id.in_(chunk)).order_by(m.id).with_for_update(key_share=True)
        ).all()


def find_existing(
    conn: Connection, *, workspace: str, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, str, str]]:
    """(source, external_id) -> (id, row_hash, dedup_key) for keys already stored."""
    m = mentions.c
    found: dict[tuple[str, str], tuple[int, str, str]] = {}
    for chunk in chunks(keys):
        rows = conn.execute(
            select(m.source, m.external_id, m.id, m.row_hash, m.dedup_key).where(
                m.workspace == workspace, tuple_(m.source, m.external_id).in_(list(chunk))
            )
        )
        for source, ext, mid, row_hash, dedup_key in rows:
            found[(source, ext)] = (mid, row_hash, dedup_key)
    return found


def unlink_copies(conn: Connection, *, of_ids: Sequence[int]) -> None:
    """Copies of mentions whose text changed are copies no more: they count and get indexed."""
    for chunk in chunks(list(of_ids)):
        conn.execute(
            update(mentions)
            .where(mentions.c.duplicate_of.in_(list(chunk)))
            .values(duplicate_of=None, indexed_hash=None)
        )


def find_canonical_by_dedup_key(
    conn: Connection, *, workspace: str, dedup_keys: Iterable[str]
) -> dict[str, list[Row[Any]]]:
    """Canonical (non-duplicate) mentions sharing a dedup key, for copy detection."""
    m = mentions.c
    keys = sorted(set(dedup_keys))
    out: dict[str, list[Any]] = {}
    for chunk in chunks(keys):
        rows = conn.execute(
            select(m.id, m.dedup_key, m.author, m.created_at, m.source)
            .where(m.workspace == workspace, m.dedup_key.in_(list(chunk)), m.duplicate_of.is_(None))
            .order_by(m.id)
        )
        for row in rows:
            out.setdefault(row.dedup_key, []).append(row)
    return out


def insert_mentions(
    conn: Connection, *, workspace: str, rows: Sequence[dict[str, Any]]
) -> list[int]:
    """Insert rows (dicts of mention columns of ``workspace``); returns their new ids in order.
    Raises KeyTaken, with nothing of the batch left to keep, when another writer stored one of
    the keys since it was looked up (the unique constraint skips the row, no error aborts)."""
    if not rows:
        return []
    m = mentions.c
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(mentions)
        .on_conflict_do_nothing(index_elements=[m.workspace, m.source, m.external_id])
        .returning(m.id, m.source, m.external_id)
    )
    ids = {(r.source, r.external_id): r.id for r in conn.execute(stmt, list(rows))}
    try:
        return [ids[(r["source"], r["external_id"])] for r in rows]
    except KeyError as exc:
        raise KeyTaken(f"{workspace}: {exc.args[0]} was stored by another writer") from None


def update_mentions(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> None:
    """Rewrite changed mentions; each dict carries ``_id`` and the columns to set."""
    if not rows:
        return
    columns = [k for k in rows[0] if k != "_id"]
    stmt = (
        update(mentions)
        .where(mentions.c.id == bindparam("_id"))
        .values({c: bindparam(c) for c in columns})
    )
    conn.execute(stmt, list(rows))


def flag_mass_posted(conn: Connection, *, ids: Sequence[int], min_authors: int) -> None:
    """Mark originals whose text (with its non-repost copies) came from ``min_authors`` or more
    accounts as noise: kept, but left out of counts."""
    m = mentions.c
    for chunk in chunks(ids):
        family = func.coalesce(m.duplicate_of, m.id)
        rows = conn.execute(
            select(family)
            .where(
                (m.id.in_(chunk) | m.duplicate_of.in_(chunk)),
                m.is_repost.is_(False),
                m.author.is_not(None),
            )
            .group_by(family)
            .having(func.count(m.author.distinct()) >= min_authors)
        )
        flagged = [r[0] for r in rows]
        if flagged:
            conn.execute(
                update(mentions)
                .where(m.id.in_(flagged), m.noise.is_(None))
                .values(noise="mass_posted")
            )


def upsert_labels(conn: Connection, *, items: Sequence[tuple[int, dict[str, Any]]]) -> None:
    """One labels row per mention, replaced in place; written in id order so that concurrent
    writers lock rows in one order."""
    if not items:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(mention_labels)
    stmt = stmt.on_conflict_do_update(
        index_elements=[mention_labels.c.mention_id], set_={"labels": stmt.excluded.labels}
    )
    rows = [{"mention_id": i, "labels": lab} for i, lab in items]
    conn.execute(stmt, sorted(rows, key=lambda r: int(str(r["mention_id"]))))


def pending_for_index(
    conn: Connection, *, workspace: str, limit: int, ids: Sequence[int] | None = None
) -> list[Row[Any]]:
    """Canonical mentions whose vector-index document is missing or stale."""
    m = mentions.c
    stmt = (
        select(*mentions.c)
        .where(m.workspace == workspace, m.indexed_hash.is_(None), m.duplicate_of.is_(None))
        .order_by(m.id)
        .limit(limit)
    )
    if ids is not None:
        stmt = stmt.where(m.id.in_(list(ids)))
    return list(conn.execute(stmt))


def language_candidates(
    conn: Connection, *, workspace: str, after_id: int, limit: int, redetect: bool
) -> list[Row[Any]]:
    """Mentions with no language, or (redetect) with a detected one, in id order."""
    m = mentions.c
    which: ColumnElement[bool] = m.language.is_(None)
    if redetect:
        which = which | m.enrichment_version.is_not(None)
    return list(
        conn.execute(
            select(m.id, m.text, m.title, m.language, m.enrichment_version)
            .where(m.workspace == workspace, m.id > after_id, which)
            .order_by(m.id)
            .limit(limit)
        )
    )


def set_languages(
    conn: Connection, *, items: Sequence[tuple[int, str | None]], version: str
) -> None:
    """Record detected languages; the index document changes, so the mention is re-indexed."""
    if items:
        conn.execute(
            update(mentions)
            .where(mentions.c.id == bindparam("_id"))
            .values(language=bindparam("_lang"), enrichment_version=version, indexed_hash=None),
            [{"_id": mid, "_lang": lang} for mid, lang in items],
        )


SENTIMENT_COLUMNS = (
    "sentiment",
    "sentiment_score",
    "p_negative",
    "p_neutral",
    "p_positive",
    "sentiment_origin",
    "sentiment_model",
)


def sentiment_values(label: Any) -> dict[str, Any]:
    """Column values of a SentimentLabel (enrichment.workspace_sentiment)."""
    return {
        "sentiment": label.label,
        "sentiment_score": label.score,
        "p_negative": label.probs[0],
        "p_neutral": label.probs[1],
        "p_positive": label.probs[2],
        "sentiment_origin": label.origin,
        "sentiment_model": label.model,
    }


def set_sentiments(conn: Connection, *, items: Sequence[tuple[int, Any, Any]]) -> None:
    """(id, SentimentLabel, updated_at as read): rows changed since they were read are left
    for the next sync, like their index documents."""
    if items:
        m = mentions.c
        conn.execute(
            update(mentions)
            .where(m.id == bindparam("_id"), m.updated_at == bindparam("_u"))
            .values(**{c: bindparam(f"_{c}") for c in SENTIMENT_COLUMNS}),
            [
                {"_id": i, "_u": u, **{f"_{c}": v for c, v in sentiment_values(label).items()}}
                for i, label, u in items
            ],
        )


def clear_sentiments(conn: Connection, *, workspace: str) -> None:
    """Forget derived sentiments (model changed): the next sync labels and re-indexes all.
    Users' corrections are labelled again from label_corrections."""
    conn.execute(
        update(mentions)
        .where(mentions.c.workspace == workspace)
        .values(**dict.fromkeys(SENTIMENT_COLUMNS), indexed_hash=None)
    )


def model_labelled(conn: Connection, *, workspace: str, after_id: int, limit: int) -> list[Any]:
    """Mentions whose sentiment the classifier gave: labelled, not by a user or a language
    model, and without a rated scale (labels from stars never change with the model)."""
    m = mentions.c
    return list(
        conn.execute(
            select(m.id, m.content_hash, m.text, m.title, m.language, m.sentiment)
            .where(
                m.workspace == workspace,
                m.id > after_id,
                m.sentiment.is_not(None),
                m.sentiment_origin.is_(None) | (m.sentiment_origin == "model"),
                # A language model's label (the classifier was unsure) stays until the mention
                # changes: a refit head is not a reason to overrule it.
                m.sentiment_model.is_(None) | m.sentiment_model.not_like("%+llm"),
                m.rating.is_(None) | m.rating_min.is_(None) | m.rating_max.is_(None),
            )
            .order_by(m.id)
            .limit(limit)
        )
    )


def relabel(
    conn: Connection, *, items: Sequence[tuple[int, Any, str | None]], unlabel: Sequence[int]
) -> None:
    """(id, SentimentLabel, label as read): write new labels, re-indexing the mentions whose
    label changed; ``unlabel``: forget the label (the next sync labels and indexes them)."""
    m = mentions.c
    for changed in (True, False):
        batch = [(i, label) for i, label, old in items if (label.label != old) is changed]
        if not batch:
            continue
        values: dict[str, Any] = {c: bindparam(f"_{c}") for c in SENTIMENT_COLUMNS}
        if changed:
            values["indexed_hash"] = None
        conn.execute(
            update(mentions).where(m.id == bindparam("_id")).values(**values),
            [
                {"_id": i, **{f"_{c}": v for c, v in sentiment_values(label).items()}}
                for i, label in batch
            ],
        )
    if unlabel:
        conn.execute(
            update(mentions)
            .where(m.id.in_(list(unlabel)))
            .values(**dict.fromkeys(SENTIMENT_COLUMNS), indexed_hash=None)
        )


def workspaces_with_pending(conn: Connection) -> list[str]:
    m = mentions.c
    return list(
        conn.execute(
            select(m.workspace).where(m.indexed_hash.is_(None), m.duplicate_of.is_(None)).distinct()
        ).scalars()
    )


def count_pending_for_index(conn: Connection, *, workspace: str) -> int:
    m = mentions.c
    return conn.execute(
        select(func.count()).where(
            m.workspace == workspace, m.indexed_hash.is_(None), m.duplicate_of.is_(None)
        )
    ).scalar_one()


def reset_indexed(conn: Connection, *, ids: Sequence[int]) -> None:
    if ids:
        conn.execute(update(mentions).where(mentions.c.id.in_(list(ids))).values(indexed_hash=None))


def clear_indexed(conn: Connection, *, workspace: str) -> None:
    conn.execute(
        update(mentions).where(mentions.c.workspace == workspace).values(indexed_hash=None)
    )


def iter_index_rows(conn: Connection, *, workspace: str, batch: int = 2000) -> Iterator[Row[Any]]:
    """Every canonical mention of a workspace, in id order (for drift checks)."""
    m = mentions.c
    last = 0
    while True:
        rows = list(
            conn.execute(
                select(*mentions.c)
                .where(m.workspace == workspace, m.duplicate_of.is_(None), m.id > last)
                .order_by(m.id)
                .limit(batch)
            )
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def get_mentions(conn: Connection, *, workspace: str, ids: Sequence[int]) -> list[MentionPublic]:
    """Mentions by id, in the order asked, silently leaving out ids of other workspaces."""
    m = mentions.c
    by_id: dict[int, MentionPublic] = {}
    for chunk in chunks(list(ids)):
        # Look up by primary key alone: with `workspace = ?` in the WHERE clause SQLite walks
        # a workspace index instead (19 ms for 20 ids at 100k). Scoping is checked per row.
        rows = conn.execute(select(*_PUBLIC_COLUMNS).where(m.id.in_(list(chunk))))
        for row in rows:
            if row.workspace != workspace:
                continue
            data = row._asdict()
            data["metadata"] = data.pop("extra") or {}
            by_id[row.id] = MentionPublic.model_validate(data)
    found = [i for i in ids if i in by_id]
    _attach_enrichment(conn, workspace, by_id, found)
    return [by_id[i] for i in found]


def _attach_enrichment(
    conn: Connection, workspace: str, by_id: dict[int, MentionPublic], ids: list[int]
) -> None:
    active = enrichment_store.active_catalog(conn, workspace=workspace, kind="taxonomy")
    topics = enrichment_store.topics_of(conn, ids=ids, version=active.version) if active else {}
    entities = enrichment_store.entities_of(conn, ids=ids)
    copies = enrichment_store.copy_counts(conn, ids=ids)
    for i in ids:
        m = by_id[i]
        m.topics = [TopicTag.model_validate(t) for t in topics.get(i, [])]
        m.entities = [EntityTag.model_validate(e) for e in entities.get(i, [])]
        m.copies = copies.get(i, 0)


def count_mentions(
    conn: Connection,
    *,
    workspace: str,
    filters: SearchFilters | None = None,
    include_duplicates: bool = False,
) -> int:
    if include_duplicates:
        return conn.execute(
            select(func.count()).where(mentions.c.workspace == workspace)
        ).scalar_one()
    cond = filter_conditions(workspace, filters or SearchFilters())
    return conn.execute(select(func.count()).where(cond)).scalar_one()


def count_duplicates(conn: Connection, *, workspace: str) -> int:
    m = mentions.c
    return conn.execute(
        select(func.count()).where(m.workspace == workspace, m.duplicate_of.is_not(None))
    ).scalar_one()


def filtered_content(
    conn: Connection, *, workspace: str, filters: SearchFilters, limit: int
) -> list[tuple[int, str]]:
    """(id, content_hash) of canonical mentions under the filters, at most ``limit`` + 1 rows."""
    cond = filter_conditions(workspace, filters)
    m = mentions.c
    rows = conn.execute(select(m.id, m.content_hash).where(cond).limit(limit + 1))
    return [(r[0], r[1]) for r in rows]


def distinct_values(
    conn: Connection, *, workspace: str, fields: Sequence[str], limit: int = 500
) -> dict[str, list[str]]:
    """The most frequent values of each field among canonical mentions (for question parsing)."""
    out: dict[str, list[str]] = {}
    m = mentions.c
    for name in fields:
        col = mentions.c[name]
        rows = conn.execute(
            select(col, func.count())
            .where(m.workspace == workspace, m.duplicate_of.is_(None), col.is_not(None))
            .group_by(col)
            .order_by(func.count().desc())
            .limit(limit)
        )
        out[name] = [r[0] for r in rows]
    return out


def latest_created(conn: Connection, *, workspace: str) -> datetime | None:
    return _created(conn, workspace, func.max)


def earliest_created(conn: Connection, *, workspace: str) -> datetime | None:
    return _created(conn, workspace, func.min)


def _created(conn: Connection, workspace: str, aggregate: Any) -> datetime | None:
    m = mentions.c
    value = conn.execute(select(aggregate(m.created_at)).where(m.workspace == workspace)).scalar()
    if value is None:
        return None
    if isinstance(value, str):  # SQLite returns MAX() of a datetime column as text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def content_hashes(conn: Connection, *, ids: Sequence[int]) -> dict[int, str]:
    m = mentions.c
    out: dict[int, str] = {}
    for chunk in chunks(list(ids)):
        out.update(dict(conn.execute(select(m.id, m.content_hash).where(m.id.in_(chunk))).all()))
    return out
