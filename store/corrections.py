"""Users' label corrections and the per-workspace models refit from them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    String,
    and_,
    cast,
    delete,
    func,
    insert,
    select,
    update,
)

from hark import audit_sample
from store.db import utcnow
from store.tables import label_corrections, mentions, workspace_models

FIELDS = ("sentiment", "topics", "brand")


@dataclass(frozen=True)
class Correction:
    mention_id: int
    field: str
    value: Any
    origin: str
    model_value: Any
    author: str | None
    updated_at: datetime


def _correction(row: Any) -> Correction:
    return Correction(
        row.mention_id,
        row.field,
        row.value,
        row.origin,
        row.model_value,
        row.author,
        row.updated_at,
    )


def upsert(
    conn: Connection,
    *,
    workspace: str,
    mention_id: int,
    field: str,
    value: Any,
    origin: str,
    model_value: Any,
    author: str | None,
) -> None:
    """Record a correction; a second one of the same field replaces the first's value,
    keeping when it was first made and how it came (its origin): a random pick stays one,
    and a mention first corrected otherwise never becomes one, since the queue offers only
    uncorrected mentions and an audit is unbiased only if the pick was random."""
    c = label_corrections.c
    now = utcnow()
    old = conn.execute(
        select(c.origin, c.model_value).where(c.mention_id == mention_id, c.field == field)
    ).first()
    if old is None:
        conn.execute(
            insert(label_corrections).values(
                mention_id=mention_id,
                field=field,
                workspace=workspace,
                value=value,
                origin=origin,
                model_value=model_value,
                author=author,
                created_at=now,
                updated_at=now,
            )
        )
        return
    conn.execute(
        update(label_corrections)
        .where(c.mention_id == mention_id, c.field == field)
        .values(
            value=value,
            origin=old.origin,
            # What the model said before anyone corrected it, not the first correction.
            model_value=old.model_value,
            author=author,
            updated_at=now,
        )
    )


def remove(conn: Connection, *, workspace: str, mention_id: int, field: str) -> bool:
    c = label_corrections.c
    result = conn.execute(
        delete(label_corrections).where(
            c.workspace == workspace, c.mention_id == mention_id, c.field == field
        )
    )
    return bool(result.rowcount)


def of_mentions(
    conn: Connection, *, workspace: str, ids: Sequence[int], field: str | None = None
) -> dict[int, dict[str, Correction]]:
    """mention id -> field -> its correction."""
    if not ids:
        return {}
    c = label_corrections.c
    stmt = select(label_corrections).where(c.workspace == workspace, c.mention_id.in_(list(ids)))
    if field is not None:
        stmt = stmt.where(c.field == field)
    out: dict[int, dict[str, Correction]] = {}
    for row in conn.execute(stmt):
        out.setdefault(row.mention_id, {})[row.field] = _correction(row)
    return out


def sentiment_of(conn: Connection, *, workspace: str, ids: Sequence[int]) -> dict[int, str]:
    """mention id -> the sentiment a user set, for those of ``ids`` that have one."""
    found = of_mentions(conn, workspace=workspace, ids=ids, field="sentiment")
    return {mid: fields["sentiment"].value["label"] for mid, fields in found.items()}


@dataclass(frozen=True)
class TrainingRow:
    mention_id: int
    content_hash: str
    text: str
    title: str | None
    language: str | None
    value: Any
    origin: str
    model_value: Any


def training_rows(conn: Connection, *, workspace: str, field: str) -> list[TrainingRow]:
    """Corrections of ``field`` with what their mentions' vectors and texts are keyed by."""
    c, m = label_corrections.c, mentions.c
    rows = conn.execute(
        select(
            c.mention_id,
            m.content_hash,
            m.text,
            m.title,
            m.language,
            c.value,
            c.origin,
            c.model_value,
        )
        .select_from(label_corrections.join(mentions, m.id == c.mention_id))
        .where(c.workspace == workspace, c.field == field)
        .order_by(c.mention_id)
    )
    return [TrainingRow(*r) for r in rows]


def counts(conn: Connection, *, workspace: str) -> dict[str, dict[str, int]]:
    """field -> origin -> number of corrections."""
    c = label_corrections.c
    out: dict[str, dict[str, int]] = {}
    for field, origin, n in conn.execute(
        select(c.field, c.origin, func.count())
        .where(c.workspace == workspace)
        .group_by(c.field, c.origin)
    ):
        out.setdefault(field, {})[origin] = n
    return out


def queue_candidates(
    conn: Connection, *, workspace: str, limit: int
) -> tuple[list[Any], list[int], datetime | None]:
    """For the labeling queue: the ``limit`` least confident model-labelled mentions without a
    sentiment correction (members of the audit sample left out), up to ``limit`` uncorrected
    members of the random audit sample (in audit order), and the workspace's latest mention
    time. Canonical customer mentions that are counted only."""
    m, c = mentions.c, label_corrections.c
    corrected = (
        select(c.mention_id)
        .where(c.workspace == workspace, c.field == "sentiment")
        .scalar_subquery()
    )
    counted = and_(
        m.workspace == workspace,
        m.duplicate_of.is_(None),
        m.noise.is_(None),
        m.author_type.is_(None) | (m.author_type == "customer"),
        m.id.not_in(corrected),
    )
    top = func.greatest if conn.dialect.name == "postgresql" else func.max
    rank = (cast(m.id, BigInteger) * audit_sample.MULTIPLIER) % audit_sample.MODULUS
    # Members of the audit sample are offered only as random picks: one corrected as an
    # uncertain pick would leave the sample for good, and the uncertain are where the model
    # errs, so the audits left would flatter it.
    uncertain = list(
        conn.execute(
            select(m.id, m.p_negative, m.p_neutral, m.p_positive, m.created_at)
            .where(
                counted,
                m.sentiment_origin == "model",
                m.p_negative.is_not(None),
                rank >= audit_sample.BELOW,
            )
            .order_by(top(m.p_negative, m.p_neutral, m.p_positive), m.id)
            .limit(limit)
        )
    )
    audit = list(
        conn.execute(
            select(m.id)
            .where(counted, m.sentiment_origin == "model", rank < audit_sample.BELOW)
            .order_by(rank, m.id)
            .limit(limit)
        ).scalars()
    )
    latest = conn.execute(
        select(func.max(m.created_at)).where(m.workspace == workspace, m.duplicate_of.is_(None))
    ).scalar()
    if latest is not None and latest.tzinfo is None:
        latest = latest.replace(tzinfo=UTC)
    return uncertain, audit, latest


def random_audits(conn: Connection, *, workspace: str) -> list[tuple[str, str]]:
    """(the classifier's label before the correction, the corrected label) of the
    workspace's random sentiment picks whose label the classifier had given: an unbiased
    audit of the model's error in this workspace."""
    c = label_corrections.c
    out = []
    for value, model_value in conn.execute(
        select(c.value, c.model_value).where(
            c.workspace == workspace, c.field == "sentiment", c.origin == "random"
        )
    ):
        if model_value and model_value.get("origin") == "model" and model_value.get("label"):
            out.append((str(model_value["label"]), value["label"]))
    return out


def vector_sample(conn: Connection, *, workspace: str, limit: int) -> list[str]:
    """Content hashes of up to ``limit`` canonical mentions spread over the workspace."""
    m = mentions.c
    total = (
        conn.execute(
            select(func.count()).where(m.workspace == workspace, m.duplicate_of.is_(None))
        ).scalar()
        or 0
    )
    step = max(1, total // max(limit, 1))
    return list(
        conn.execute(
            select(m.content_hash)
            .where(m.workspace == workspace, m.duplicate_of.is_(None), (m.id % step) == 0)
            .limit(limit)
        ).scalars()
    )


# Per-workspace models -----------------------------------------------------------------


@dataclass(frozen=True)
class StoredModel:
    kind: str
    version: int
    body: bytes
    report: dict[str, Any]
    active: bool
    created_at: datetime


def _stored(row: Any) -> StoredModel:
    return StoredModel(row.kind, row.version, row.body, row.report, row.active, row.created_at)


def save_model(
    conn: Connection,
    *,
    workspace: str,
    kind: str,
    body: bytes,
    report: dict[str, Any],
    active: bool = True,
) -> int:
    """A new version of the workspace's ``kind`` model, made the active one unless
    ``active`` is False (kept, restorable, not used)."""
    w = workspace_models.c
    version = (
        conn.execute(
            select(func.max(w.version)).where(w.workspace == workspace, w.kind == kind)
        ).scalar()
        or 0
    ) + 1
    if active:
        conn.execute(
            update(workspace_models)
            .where(w.workspace == workspace, w.kind == kind)
            .values(active=False)
        )
    conn.execute(
        insert(workspace_models).values(
            workspace=workspace,
            kind=kind,
            version=version,
            body=body,
            report=report,
            active=active,
            created_at=utcnow(),
        )
    )
    return version


def model_body(conn: Connection, *, workspace: str, kind: str, version: int) -> bytes:
    w = workspace_models.c
    return bytes(
        conn.execute(
            select(w.body).where(w.workspace == workspace, w.kind == kind, w.version == version)
        ).scalar_one()
    )


def model_report(conn: Connection, *, workspace: str, kind: str, version: int) -> dict[str, Any]:
    w = workspace_models.c
    report = conn.execute(
        select(w.report).where(w.workspace == workspace, w.kind == kind, w.version == version)
    ).scalar()
    return report if isinstance(report, dict) else {}


def active_versions(conn: Connection, *, workspace: str) -> dict[str, int]:
    """kind -> active version (cheap: what caches are keyed by)."""
    w = workspace_models.c
    rows = conn.execute(select(w.kind, w.version).where(w.workspace == workspace, w.active))
    return {r.kind: r.version for r in rows}


def deactivate(conn: Connection, *, workspace: str, kind: str, version: int) -> bool:
    """Stop using ``version`` if it is still the active one and no user restored it
    (``RESTORED_AT``); whether it did. One statement, so a version another process restored
    meanwhile, this one or another, stays as it is."""
    w = workspace_models.c
    restored = cast(w.report, String).like(f'%"{RESTORED_AT}"%')
    done = conn.execute(
        update(workspace_models)
        .where(w.workspace == workspace, w.kind == kind, w.version == version, w.active, ~restored)
        .values(active=False)
    )
    return bool(done.rowcount)


def models(conn: Connection, *, workspace: str, kind: str | None = None) -> list[StoredModel]:
    w = workspace_models.c
    stmt = select(workspace_models).where(w.workspace == workspace)
    if kind is not None:
        stmt = stmt.where(w.kind == kind)
    return [_stored(r) for r in conn.execute(stmt.order_by(w.kind, w.version))]


# The key of a version's report that says a user restored it (when, ISO 8601): a refit that
# is not used leaves such a version in use instead of switching it off.
RESTORED_AT = "restored_at"


def activate(conn: Connection, *, workspace: str, kind: str, version: int | None) -> bool:
    """Make ``version`` the active one (None: none, back to the shipped model) and mark it as
    restored by a user (``RESTORED_AT``); False if no such version."""
    w = workspace_models.c
    if version is not None:
        found = conn.execute(
            select(w.report).where(w.workspace == workspace, w.kind == kind, w.version == version)
        ).first()
        if found is None:
            return False
        report = dict(found.report) if isinstance(found.report, dict) else {}
        report[RESTORED_AT] = utcnow().isoformat()
        conn.execute(
            update(workspace_models)
            .where(w.workspace == workspace, w.kind == kind, w.version == version)
            .values(report=report)
        )
    conn.execute(
        update(workspace_models)
        .where(w.workspace == workspace, w.kind == kind)
        .values(active=(w.version == version) if version is not None else False)
    )
    return True
