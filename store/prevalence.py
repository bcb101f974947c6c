"""The sums behind bias-aware sentiment counts (analytics/prevalence.py), and the workspace's
random sentiment audits.

``prevalence_sums`` runs one statement per call over exactly the mentions the exact counts
count (``store.analytics.scope_condition``: canonical mentions, noise out unless asked,
author types, filters, topics, entities, names in the texts; the same windows and keys), and
returns, per (window index, *key values, language), for each class: the label count, how many
of those labels are exact (a rating or a user's correction), and Σ p and Σ p(1 - p) of the
class over the model-labelled mentions. Probabilities stored as NULL (labelled before they
were kept) read as one-hot of the label.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, tzinfo
from typing import Any, NamedTuple

from sqlalchemy import Connection, and_, case, func, select
from sqlalchemy.sql.elements import ColumnElement

from hark.model_versions import head_of
from store.analytics import (
    GROUP_KEYS,
    ScopeSpec,
    Span,
    group_key,
    grouped_rows,
    windows_overlap,
)
from store.corrections import model_report
from store.tables import label_corrections, mentions, workspace_models

CLASSES = ("negative", "neutral", "positive")
# Origins whose label is the truth; a NULL origin with a rated scale was labelled by the
# rating too (before origins were stored).
EXACT_ORIGINS = ("rating", "correction")
# The key of a sentiment refit's report that holds its audits' held-out probabilities:
# [[mention id, p negative, p neutral, p positive], ...] (services.labels).
HELD_OUT_AUDITS = "held_out_audits"
# The shipped model's own probabilities of the random audits a refit was fit on: what they
# count with once the workspace is back on the shipped model (a refit not used, a restore
# of none), for audits the user made while a head was in use.
SHIPPED_AUDITS = "shipped_audits"
_P = {"negative": "p_negative", "neutral": "p_neutral", "positive": "p_positive"}


class ClassTotals(NamedTuple):
    labelled: int  # top label is the class (any origin)
    exact: int  # of them, from a rating or a correction
    p_sum: float  # Σ p over model-labelled mentions
    p_var: float  # Σ p (1 - p) over model-labelled mentions


class Sums(NamedTuple):
    total: int  # counted mentions in the group (labelled or not)
    model: int  # of them model-labelled
    classes: dict[str, ClassTotals]


class AuditRow(NamedTuple):
    mention_id: int
    p: tuple[float, float, float]
    label: str
    language: str | None
    # What the user was shown, where ``p`` is a refit's held-out probabilities instead.
    p_at_audit: tuple[float, float, float] | None = None


def _exact() -> ColumnElement[Any]:
    m = mentions.c
    rated = and_(m.rating.is_not(None), m.rating_min.is_not(None), m.rating_max.is_not(None))
    return case(
        (m.sentiment_origin.in_(EXACT_ORIGINS), 1),
        (and_(m.sentiment_origin.is_(None), rated), 1),
        else_=0,
    )


def prevalence_sums(
    conn: Connection,
    *,
    scope: ScopeSpec,
    windows: Sequence[Span],
    keys: Sequence[str] = (),
    version: int | None = None,
    tz: tzinfo = UTC,
) -> dict[tuple[Any, ...], Sums]:
    """Sums per (window index, *values of ``keys``, language); only non-empty groups appear.
    Keys are those of ``store.analytics.grouped_counts`` but "sentiment" (every row carries
    all three classes); a "topic" key needs the active taxonomy ``version``."""
    unknown = set(keys) - (GROUP_KEYS - {"sentiment"})
    if unknown or ("topic" in keys and "entity" in keys):
        raise ValueError(f"cannot sum by {list(keys)}")
    if not windows:
        return {}
    if len(windows) > 1 and windows_overlap(windows):
        out: dict[tuple[Any, ...], Sums] = {}
        for i, w in enumerate(windows):
            one = prevalence_sums(conn, scope=scope, windows=[w], keys=keys, version=version, tz=tz)
            out.update({(i, *k[1:]): s for k, s in one.items()})
        return out
    rows_of = grouped_rows(conn, scope=scope, windows=windows, keys=keys, version=version, tz=tz)
    if rows_of is None:
        return {}
    source, where, values, period = rows_of
    m = mentions.c
    probs = [
        func.coalesce(mentions.c[_P[c]], case((m.sentiment == c, 1.0), else_=0.0)).label(f"p{i}")
        for i, c in enumerate(CLASSES)
    ]
    inner = (
        select(
            period.label("period"),
            *[v.label(f"k{i}") for i, v in enumerate(values)],
            m.language.label("lang"),
            m.sentiment.label("label"),
            _exact().label("exact"),
            *probs,
        )
        .select_from(source)
        .where(*where)
        .subquery()
    )
    c = inner.c
    model = and_(c.label.is_not(None), c.exact == 0)
    groups = [c.period, *[c[f"k{i}"] for i in range(len(values))], c.lang]
    sums: list[ColumnElement[Any]] = [
        func.count(),
        func.sum(case((model, 1), else_=0)),
    ]
    for i, cls in enumerate(CLASSES):
        p = c[f"p{i}"]
        sums += [
            func.sum(case((c.label == cls, 1), else_=0)),
            func.sum(case((and_(c.label == cls, c.exact == 1), 1), else_=0)),
            func.sum(case((model, p), else_=0.0)),
            func.sum(case((model, p * (1.0 - p)), else_=0.0)),
        ]
    rows = conn.execute(select(*groups, *sums).group_by(*groups))
    out = {}
    width = len(groups)
    for row in rows:
        group = group_key(row[:width], keys)
        nums = row[width:]
        classes = {
            cls: ClassTotals(
                int(nums[2 + 4 * i] or 0),
                int(nums[3 + 4 * i] or 0),
                float(nums[4 + 4 * i] or 0.0),
                float(nums[5 + 4 * i] or 0.0),
            )
            for i, cls in enumerate(CLASSES)
        }
        out[group] = Sums(int(nums[0]), int(nums[1] or 0), classes)
    return out


def random_audits(
    conn: Connection, *, workspace: str, model_version: str | None = None
) -> list[AuditRow]:
    """The workspace's sentiment corrections of mentions the labeling queue picked at random
    (``origin = "random"``) that kept what the classifier said: (model p, corrected label,
    language). With ``model_version``, only audits of that model: a refit model's
    probabilities are not the ones an older audit measured. A refit model (``...+wsN``) also
    counts the audits it was fit on, each with the probabilities a head fit without it gave
    (``HELD_OUT_AUDITS`` in the refit's report), so its counts stay corrected from the moment
    it is applied; the shipped model counts audits made under a head with its own
    probabilities of them (``SHIPPED_AUDITS``). Rows whose stored values are not of that
    shape, or whose label came from a rating, are skipped."""
    lc, m = label_corrections.c, mentions.c
    rows = conn.execute(
        select(lc.mention_id, lc.value, lc.model_value, m.language)
        .select_from(label_corrections.join(mentions, mentions.c.id == lc.mention_id))
        .where(
            lc.workspace == workspace,
            lc.field == "sentiment",
            lc.origin == "random",
            lc.model_value.is_not(None),
        )
        .order_by(lc.mention_id)
    )
    held_out = (
        _held_out_audits(conn, workspace, model_version)
        if head_of(model_version) is not None
        else _shipped_audits(conn, workspace, model_version)
    )
    out = []
    for r in rows:
        label = r.value.get("label") if isinstance(r.value, dict) else None
        said = r.model_value if isinstance(r.model_value, dict) else {}
        if said.get("origin", "model") != "model":
            continue
        shown = _probabilities(said.get("p"))
        probs, at_audit = shown, None
        if model_version is not None and said.get("model") != model_version:
            probs, at_audit = _probabilities(held_out.get(int(r.mention_id))), shown
        if label not in CLASSES or probs is None:
            continue
        out.append(AuditRow(int(r.mention_id), probs, label, r.language, at_audit))
    return out


def _probabilities(p: Any) -> tuple[float, float, float] | None:
    if not isinstance(p, list | tuple) or len(p) != len(CLASSES):
        return None
    try:
        probs = tuple(float(x) for x in p)
    except (TypeError, ValueError):
        return None
    if not all(0.0 <= x <= 1.0 for x in probs):
        return None
    return probs[0], probs[1], probs[2]


def _shipped_audits(
    conn: Connection, workspace: str, model_version: str | None
) -> dict[int, list[float]]:
    """mention id -> the shipped model's probabilities, from the newest refit fit over
    ``model_version``: each refit stores them for every audit so far, so older reports add
    nothing. This runs for every answer, so SQL picks that one report (a JSON path, read the
    same way by SQLite and PostgreSQL) rather than the client reading them all."""
    if model_version is None:
        return {}
    w = workspace_models.c
    report = conn.execute(
        select(w.report)
        .where(
            w.workspace == workspace,
            w.kind == "sentiment",
            w.report["base_model"].as_string() == model_version,
        )
        .order_by(w.version.desc())
        .limit(1)
    ).scalar()
    return _audit_entries(report, SHIPPED_AUDITS) if isinstance(report, dict) else {}


def _held_out_audits(
    conn: Connection, workspace: str, model_version: str | None
) -> dict[int, list[float]]:
    """mention id -> held-out probabilities, from the report of the refit that
    ``model_version`` names (empty for any other model)."""
    head = head_of(model_version)
    if head is None:
        return {}
    report = model_report(conn, workspace=workspace, kind="sentiment", version=head)
    return _audit_entries(report, HELD_OUT_AUDITS)


def _audit_entries(report: dict[str, Any], key: str) -> dict[int, list[float]]:
    """mention id -> probabilities, from a refit report's ``key`` list of
    [mention id, p negative, p neutral, p positive] (entries of another shape skipped)."""
    entries = report.get(key)
    return {
        int(entry[0]): entry[1:]
        for entry in (entries if isinstance(entries, list) else [])
        if isinstance(entry, list) and len(entry) == 1 + len(CLASSES)
    }
