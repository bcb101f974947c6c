"""Write one batch of prepared mentions in one transaction: insert new, update changed, skip
unchanged, link copies to the mention they copy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection

from hark.prepared import PreparedMention
from ingestion.normalise import content_words
from store import enrichment as enrichment_store
from store import mentions as mention_store
from store.db import utcnow


@dataclass
class BatchOutcome:
    inserted: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: int = 0
    duplicates: int = 0
    ids: dict[tuple[str, str], int] = field(default_factory=dict)


# A text this long, word for word, from two accounts is one text copied, not two opinions
# that happen to agree ("thank you!" from many people is many opinions).
NEAR_DUPLICATE_MIN_WORDS = 8
# One text from this many accounts (reposts aside) is a campaign or a bot network.
MASS_POSTED_MIN_AUTHORS = 3


def _is_copy(a: Any, b: PreparedMention, window: timedelta) -> bool:
    """A candidate row ``a`` with the same dedup key as new mention ``b`` is its original:
    the same author posting it again in time, or a long text copied from another account in
    time (campaigns and bot networks post within hours; the same words weeks apart are left
    as separate mentions)."""
    dated = a.created_at is not None and b.columns["created_at"] is not None
    if dated and content_words(b.columns["text"]) >= NEAR_DUPLICATE_MIN_WORDS:
        if _within(a, b, window):
            return True
    return _same_author_within(a, b, window)


def _within(a: Any, b: PreparedMention, window: timedelta) -> bool:
    ta, tb = a.created_at, b.columns["created_at"]
    if ta is None or tb is None:
        return ta is None and tb is None
    return abs(ta - tb) <= window


def _same_author_within(a: Any, b: PreparedMention, window: timedelta) -> bool:
    """A candidate row ``a`` and a new mention ``b`` are copies by the same author in time."""
    author = b.columns["author"]
    if not author or a.author != author:
        return False
    return _within(a, b, window)


def write_batch(
    conn: Connection,
    *,
    workspace: str,
    batch: list[PreparedMention],
    dedup_window: timedelta,
    enrich: Callable[[list[PreparedMention]], None] | None = None,
) -> BatchOutcome:
    """The caller owns the transaction; ``batch`` must not repeat a (source, external_id).
    ``enrich`` runs on the new and changed mentions only, before they are written.

    On PostgreSQL the batch first locks its keys, then the dedup keys it touches, each set in
    one global order (a large batch locks its workspace), so concurrent batches sharing keys
    or texts run one after the other.
    On SQLite the batch takes the database's write lock before its lookups.
    Raises mention_store.KeyTaken when a writer that took no such lock stored a new key
    first; the caller redoes the batch."""
    out = BatchOutcome()
    keys = [p.key for p in batch]
    covered = mention_store.lock_keys(conn, workspace=workspace, keys=keys)
    existing = mention_store.find_existing(conn, workspace=workspace, keys=keys)
    now = utcnow()
    new: list[PreparedMention] = []
    changed: list[dict[str, Any]] = []
    retext: list[int] = []
    changed_prepared: list[tuple[PreparedMention, int, str]] = []
    for p in batch:
        found = existing.get(p.key)
        if found is None:
            new.append(p)
            continue
        mid, row_hash, old_dedup_key = found
        out.ids[p.key] = mid
        if row_hash == p.row_hash:
            out.unchanged += 1
            continue
        changed_prepared.append((p, mid, old_dedup_key))
        out.updated.append(mid)
    if not covered:
        # Copies are linked, unlinked and counted under these; a changed row leaves its old
        # text's copies and may gain copies under its new one.
        mention_store.lock_dedup_keys(
            conn,
            workspace=workspace,
            dedup_keys=[p.columns["dedup_key"] for p in new]
            + [k for q, _, old in changed_prepared for k in (old, q.columns["dedup_key"])],
        )
    mention_store.lock_rows(conn, ids=out.updated)
    if enrich is not None:
        enrich(new + [p for p, _, _ in changed_prepared])
    for p, mid, old_dedup_key in changed_prepared:
        # New content: its index document and its sentiment are derived again.
        row = {
            **p.columns,
            "_id": mid,
            "updated_at": now,
            "indexed_hash": None,
            **dict.fromkeys(mention_store.SENTIMENT_COLUMNS),
        }
        if old_dedup_key != p.columns["dedup_key"]:
            # New text: it is nobody's copy now, and its old copies are not its copies.
            row["duplicate_of"] = None
            retext.append(mid)
        changed.append(row)
    # Rows with and without a duplicate_of reset are written as two uniform statements.
    mention_store.update_mentions(conn, rows=[r for r in changed if "duplicate_of" in r])
    mention_store.update_mentions(conn, rows=[r for r in changed if "duplicate_of" not in r])
    mention_store.unlink_copies(conn, of_ids=retext)
    # A changed row is written with the noise its text implies; whether its text is posted by
    # many accounts depends on its copies, so that is worked out again.
    mention_store.flag_mass_posted(
        conn, ids=[r["_id"] for r in changed], min_authors=MASS_POSTED_MIN_AUTHORS
    )

    candidates = mention_store.find_canonical_by_dedup_key(
        conn, workspace=workspace, dedup_keys=[p.columns["dedup_key"] for p in new]
    )
    # Copies inside this batch point at a batch position until ids exist.
    in_batch: dict[str, list[tuple[int, PreparedMention]]] = {}
    links: list[tuple[int, int | None, int | None]] = []  # (position, db id, batch position)
    rows: list[dict[str, Any]] = []
    for pos, p in enumerate(new):
        dkey = p.columns["dedup_key"]
        db_target = batch_target = None
        if p.columns["is_repost"]:
            pool_db = candidates.get(dkey, [])
            pool_batch = in_batch.get(dkey, [])
            if pool_db:
                db_target = pool_db[0].id
            elif pool_batch:
                batch_target = pool_batch[0][0]
        else:
            db_target = next(
                (c.id for c in candidates.get(dkey, []) if _is_copy(c, p, dedup_window)),
                None,
            )
            if db_target is None:
                batch_target = next(
                    (
                        i
                        for i, q in in_batch.get(dkey, [])
                        if _is_copy(_RowView(q), p, dedup_window)
                    ),
                    None,
                )
        if db_target is None and batch_target is None:
            in_batch.setdefault(dkey, []).append((pos, p))
        else:
            out.duplicates += 1
        links.append((pos, db_target, batch_target))
        rows.append(
            {
                **p.columns,
                "workspace": workspace,
                "ingested_at": now,
                "updated_at": now,
                "duplicate_of": db_target,
            }
        )
    new_ids = mention_store.insert_mentions(conn, workspace=workspace, rows=rows)
    out.inserted = new_ids
    for p, mid in zip(new, new_ids, strict=True):
        out.ids[p.key] = mid
    mention_store.update_mentions(
        conn,
        rows=[
            {"_id": new_ids[pos], "duplicate_of": new_ids[target]}
            for pos, _, target in links
            if target is not None
        ],
    )
    copied = {db for _, db, _ in links if db is not None} | {
        new_ids[target] for _, _, target in links if target is not None
    }
    mention_store.flag_mass_posted(conn, ids=sorted(copied), min_authors=MASS_POSTED_MIN_AUTHORS)
    # Labels are written with the row they came with: new rows and changed rows only.
    touched = set(out.inserted) | set(out.updated)
    labelled = [
        (out.ids[p.key], p.labels)
        for p in batch
        if p.labels is not None and out.ids[p.key] in touched
    ]
    mention_store.upsert_labels(conn, items=labelled)
    _write_entities(
        conn, workspace, [(out.ids[p.key], p) for p in batch if out.ids[p.key] in touched]
    )
    return out


def _write_entities(
    conn: Connection, workspace: str, written: list[tuple[int, PreparedMention]]
) -> None:
    by_version: dict[int, list[tuple[int, list[dict[str, Any]]]]] = {}
    for mid, p in written:
        if p.entities is not None:
            version, matched = p.entities
            by_version.setdefault(version, []).append((mid, matched))
    for version, items in by_version.items():
        enrichment_store.replace_entities(conn, workspace=workspace, version=version, items=items)


class _RowView:
    """Gives a prepared mention the attribute shape of a stored candidate row."""

    def __init__(self, p: PreparedMention) -> None:
        self.author = p.columns["author"]
        self.created_at = p.columns["created_at"]
