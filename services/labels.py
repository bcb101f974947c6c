"""The label service: users' corrections of a mention's sentiment, topics and main brand,
the queue of what to label next, and the per-workspace models refit from the corrections
(versioned, applied by re-enrichment from cached vectors, restorable).

Corrections are training data for their own workspace only, and they stay apart from the
evaluation labels imported with datasets (mention_labels), which are never read here."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Engine, select

from enrichment.clauses import topic_parts
from enrichment.workspace_sentiment import MIN_AUDITS_JUDGED, CrossValidation, SentimentLabel
from hark import audit_sample
from hark.documents import embed_text
from hark.errors import ErrorCode, HarkError
from hark.settings import Settings
from retrieval.indexer import IndexStats
from services.defer import Defer
from services.enrich import EnrichService
from store import corrections as correction_store
from store import enrichment as enrichment_store
from store import mentions as mention_store
from store.prevalence import HELD_OUT_AUDITS, SHIPPED_AUDITS
from store.tables import mentions

log = logging.getLogger("hark.labels")

KINDS = ("sentiment", "topics")
# Fewer corrections than this teach a head nothing it can be trusted with.
MIN_SENTIMENT_CORRECTIONS = 10
MIN_TOPIC_CORRECTIONS = 5
# Vectors that set the head's standardisation: a spread sample of the workspace.
BACKGROUND_SAMPLE = 3000
UNSET: Any = object()


@dataclass(frozen=True)
class MentionLabels:
    """A mention's labels now, and which of them users set."""

    mention_id: int
    sentiment: str | None
    sentiment_origin: str | None
    probabilities: dict[str, float] | None
    topics: list[str]
    brand: str | None
    corrected: dict[str, Any]


@dataclass(frozen=True)
class QueueItem:
    mention_id: int
    pick: str
    why: str
    priority: float
    text: str
    title: str | None
    language: str | None
    created_at: Any
    sentiment: str | None
    probabilities: dict[str, float] | None
    topics: list[str]


@dataclass
class RefitReport:
    kind: str
    version: int
    corrections: int
    by_label: dict[str, int] = field(default_factory=dict)
    # Cross-validated agreement with the corrections, shipped model vs the refit one.
    agreement_before: float | None = None
    agreement_after: float | None = None
    # The same on the random audits among them, once there are enough to judge (else None).
    random_audits: int = 0
    audit_agreement_before: float | None = None
    audit_agreement_after: float | None = None
    applied: dict[str, int] = field(default_factory=dict)
    # False: kept as a version but not used (it did not beat the shipped model).
    active: bool = True
    # The version in use before, which a refit that is not used switches off too (unless a
    # user restored it: ``kept_restored``): the workspace is back on the shipped model.
    switched_off: int | None = None
    # The version in use before that a user restored: a refit that is not used leaves it in
    # use (the user chose it; the note says what the check found).
    kept_restored: int | None = None
    note: str | None = None


class LabelService:
    def __init__(
        self,
        settings: Settings,
        engine: Callable[[], Engine],
        enrich: EnrichService,
        sync: Callable[..., IndexStats],
        sync_in_background: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self._engine = engine
        self._enrich = enrich
        self._sync = sync
        self._sync_later = sync_in_background
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    # Corrections --------------------------------------------------------------------

    def correct(
        self,
        workspace: str,
        mention_id: int,
        *,
        sentiment: str | None = None,
        topics: Sequence[str] | None = None,
        brand: str | None = UNSET,
        pick: str | None = None,
        author: str | None = None,
        defer: Defer | None = None,
    ) -> MentionLabels:
        """Record a user's labels for one mention and apply them at once (they win over the
        models from now on). ``pick``: "random" or "uncertain" when the mention came from the
        labeling queue as such; a random pick is checked against the audit sample. The
        index learns a new sentiment at the next sync (queued on ``defer`` when given)."""
        if sentiment is None and topics is None and brand is UNSET:
            raise HarkError(ErrorCode.VALIDATION, "give at least one of sentiment, topics, brand")
        row = self._mention(workspace, mention_id)
        origin = self._origin(mention_id, pick)
        engine = self._engine()
        with engine.begin() as conn:
            if sentiment is not None:
                correction_store.upsert(
                    conn,
                    workspace=workspace,
                    mention_id=mention_id,
                    field="sentiment",
                    value={"label": sentiment},
                    origin=origin,
                    model_value={
                        "label": row.sentiment,
                        "origin": row.sentiment_origin or ("model" if row.sentiment else None),
                        "model": row.sentiment_model,
                        "p": None
                        if row.p_negative is None
                        else [row.p_negative, row.p_neutral, row.p_positive],
                    },
                    author=author,
                )
                self._apply_sentiment(conn, mention_id, sentiment)
            if topics is not None:
                version, known = self._taxonomy(workspace)
                unknown = [t for t in topics if t not in known]
                if unknown:
                    raise HarkError(
                        ErrorCode.VALIDATION,
                        f"not topics of this workspace's taxonomy: {unknown}",
                        {"unknown_topics": unknown, "topics": sorted(known)},
                    )
                chosen = sorted(dict.fromkeys(topics))
                current = enrichment_store.topics_of(conn, ids=[mention_id], version=version)
                correction_store.upsert(
                    conn,
                    workspace=workspace,
                    mention_id=mention_id,
                    field="topics",
                    value={"topics": chosen},
                    origin=origin,
                    model_value={"topics": [t["topic"] for t in current.get(mention_id, [])]},
                    author=author,
                )
                enrichment_store.replace_topics(
                    conn,
                    workspace=workspace,
                    version=version,
                    items=[
                        (
                            mention_id,
                            [
                                {
                                    "topic": t,
                                    "similarity": 1.0,
                                    "sentiment": sentiment or row.sentiment,
                                    "sentiment_score": None,
                                    "clause": None,
                                }
                                for t in chosen
                            ],
                        )
                    ],
                )
            if brand is not UNSET:
                kind = self._entity_kind(workspace, brand)
                current_main = [
                    e["entity"]
                    for e in enrichment_store.entities_of(conn, ids=[mention_id]).get(
                        mention_id, []
                    )
                    if e.get("main")
                ]
                correction_store.upsert(
                    conn,
                    workspace=workspace,
                    mention_id=mention_id,
                    field="brand",
                    value={"brand": brand, "kind": kind},
                    origin=origin,
                    model_value={"brand": current_main[0] if current_main else None},
                    author=author,
                )
                enrichment_store.apply_brand_corrections(
                    conn, workspace=workspace, ids=[mention_id]
                )
        if defer is not None and sentiment is not None and self._sync_later is not None:
            sync_later = self._sync_later
            defer(lambda: sync_later(workspace))
        return self.labels(workspace, mention_id)

    def remove(self, workspace: str, mention_id: int, field_name: str) -> MentionLabels:
        """Forget a user's label: the models label the mention again at the next sync."""
        if field_name not in correction_store.FIELDS:
            raise HarkError(
                ErrorCode.VALIDATION,
                f"field must be one of {list(correction_store.FIELDS)}",
            )
        self._mention(workspace, mention_id)
        engine = self._engine()
        with engine.begin() as conn:
            removed = correction_store.remove(
                conn, workspace=workspace, mention_id=mention_id, field=field_name
            )
            if not removed:
                raise HarkError(
                    ErrorCode.NOT_FOUND, f"mention {mention_id} has no {field_name} correction"
                )
            m = mentions.c
            values: dict[str, Any] = {"indexed_hash": None}
            if field_name == "sentiment":
                values.update(dict.fromkeys(mention_store.SENTIMENT_COLUMNS))
            if field_name == "topics":
                values["topics_version"] = None
            conn.execute(mentions.update().where(m.id == mention_id).values(**values))
            if field_name == "brand":
                conn.execute(
                    mentions.update().where(m.id == mention_id).values(entities_version=None)
                )
        self._sync(workspace)
        if field_name == "brand":
            self._enrich.reenrich(workspace)
        return self.labels(workspace, mention_id)

    def labels(self, workspace: str, mention_id: int) -> MentionLabels:
        row = self._mention(workspace, mention_id)
        with self._engine().connect() as conn:
            version = enrichment_store.active_catalog(conn, workspace=workspace, kind="taxonomy")
            topics = (
                enrichment_store.topics_of(conn, ids=[mention_id], version=version.version)
                if version is not None
                else {}
            )
            entities = enrichment_store.entities_of(conn, ids=[mention_id])
            corrected = correction_store.of_mentions(conn, workspace=workspace, ids=[mention_id])
        main = [e["entity"] for e in entities.get(mention_id, []) if e.get("main")]
        return MentionLabels(
            mention_id=mention_id,
            sentiment=row.sentiment,
            sentiment_origin=row.sentiment_origin,
            probabilities=_probabilities(row),
            topics=sorted(t["topic"] for t in topics.get(mention_id, [])),
            brand=main[0] if main else None,
            corrected={
                f: _public_value(f, c.value) for f, c in corrected.get(mention_id, {}).items()
            },
        )

    # Queue ----------------------------------------------------------------------------

    def queue(self, workspace: str, *, limit: int = 20) -> list[QueueItem]:
        """What to label next: the mentions the model is least sure of, weighted by how much
        the counts lean on them, with every fourth a random audit pick."""
        from enrichment.labeling_queue import Candidate, choose

        with self._engine().connect() as conn:
            uncertain, audit, latest = correction_store.queue_candidates(
                conn, workspace=workspace, limit=max(limit * 10, 100)
            )
        picks = choose(
            [
                Candidate(r.id, (r.p_negative, r.p_neutral, r.p_positive), r.created_at)
                for r in uncertain
            ],
            audit,
            limit=limit,
            latest=latest,
        )
        if not picks:
            return []
        ids = [p.id for p in picks]
        with self._engine().connect() as conn:
            rows = {r.id: r for r in conn.execute(select(mentions).where(mentions.c.id.in_(ids)))}
            version = enrichment_store.active_catalog(conn, workspace=workspace, kind="taxonomy")
            topics = (
                enrichment_store.topics_of(conn, ids=ids, version=version.version)
                if version is not None
                else {}
            )
        return [
            QueueItem(
                mention_id=p.id,
                pick=p.pick,
                why=p.why,
                priority=p.priority,
                text=rows[p.id].text,
                title=rows[p.id].title,
                language=rows[p.id].language,
                created_at=rows[p.id].created_at,
                sentiment=rows[p.id].sentiment,
                probabilities=_probabilities(rows[p.id]),
                topics=sorted(t["topic"] for t in topics.get(p.id, [])),
            )
            for p in picks
            if p.id in rows
        ]

    def stats(self, workspace: str) -> dict[str, Any]:
        """Corrections by field and how they were picked, the active model versions, and the
        model's agreement with the random audit picks (its measured accuracy here)."""
        with self._engine().connect() as conn:
            counts = correction_store.counts(conn, workspace=workspace)
            audits = correction_store.random_audits(conn, workspace=workspace)
            active = correction_store.active_versions(conn, workspace=workspace)
        # What the model stored, not a class re-derived from its probabilities.
        agree = [said == label for said, label in audits]
        return {
            "corrections": counts,
            "active_models": active,
            "random_audits": len(audits),
            "audit_accuracy": round(float(np.mean(agree)), 4) if agree else None,
        }

    # Refit and restore ------------------------------------------------------------------

    def refit(
        self, workspace: str, kinds: Sequence[str] = KINDS, *, defer: Defer | None = None
    ) -> list[RefitReport]:
        """Fit new versions of the workspace's models from its corrections and apply them:
        re-label from cached vectors (nothing embedded), re-index what changed. With
        ``defer``, applying is queued (the reports come back at once). Of several kinds,
        those without enough corrections are skipped; if none can be refit, the error says
        why for each."""
        reports = []
        for kind in kinds:
            if kind not in KINDS:
                raise HarkError(ErrorCode.VALIDATION, f"kind must be one of {list(KINDS)}")
        refusals: list[HarkError] = []
        with self._lock(workspace):
            for kind in dict.fromkeys(kinds):
                try:
                    fitted = (
                        self._refit_sentiment(workspace)
                        if kind == "sentiment"
                        else self._refit_topics(workspace)
                    )
                except HarkError as exc:
                    refusals.append(exc)
                    continue
                if fitted is not None:
                    reports.append(fitted)
        if not reports:
            if len(refusals) == 1:
                raise refusals[0]
            if refusals:
                raise HarkError(
                    ErrorCode.VALIDATION,
                    "; ".join(e.message for e in refusals),
                    [e.details for e in refusals if e.details is not None] or None,
                )
            return reports
        kinds_done = [r.kind for r in reports if r.active or r.switched_off is not None]
        if not kinds_done:
            return reports
        if defer is not None:
            defer(lambda: self._apply_in_background(workspace, kinds_done))
        else:
            applied = self.apply(workspace, kinds_done)
            for r in reports:
                r.applied = applied
        return reports

    def models(self, workspace: str, kind: str | None = None) -> list[dict[str, Any]]:
        with self._engine().connect() as conn:
            stored = correction_store.models(conn, workspace=workspace, kind=kind)
        return [
            {
                "kind": s.kind,
                "version": s.version,
                "active": s.active,
                # A user made it active (restore): a refit that is not used leaves it so.
                "restored": correction_store.RESTORED_AT in (s.report or {}),
                "created_at": s.created_at,
                "report": s.report,
            }
            for s in stored
        ]

    def restore(
        self, workspace: str, kind: str, version: int | None, *, defer: Defer | None = None
    ) -> dict[str, int]:
        """Make an earlier version (or none: the shipped model alone) the active one and
        re-label under it."""
        if kind not in KINDS:
            raise HarkError(ErrorCode.VALIDATION, f"kind must be one of {list(KINDS)}")
        with self._lock(workspace), self._engine().begin() as conn:
            if not correction_store.activate(conn, workspace=workspace, kind=kind, version=version):
                raise HarkError(ErrorCode.NOT_FOUND, f"no {kind} model version {version}")
        if defer is not None:
            defer(lambda: self._apply_in_background(workspace, [kind]))
            return {}
        return self.apply(workspace, [kind])

    def apply(self, workspace: str, kinds: Sequence[str]) -> dict[str, int]:
        """Re-label stored mentions under the active models: sentiment from cached vectors,
        re-index what changed, then topics (their polarity follows the sentiment)."""
        from enrichment.reenrich import reenrich_sentiment, reenrich_topics

        out: dict[str, int] = {}
        engine = self._engine()
        with self._lock(workspace):
            if "sentiment" in kinds:
                model = self._enrich.sentiment_for(workspace)
                if model is not None:
                    stats = reenrich_sentiment(
                        engine,
                        workspace=workspace,
                        model=model,
                        model_name=self._enrich.embedder_name,
                    )
                    out["sentiment_relabelled"] = stats.seen
                    out["sentiment_changed"] = stats.changed
                    out["reindexed"] = self._sync(workspace).indexed
            topics = reenrich_topics(
                engine,
                workspace=workspace,
                enrichment=self._enrich.vector_enrichment,
                everything=True,
            )
            out["topics_assigned"] = topics.seen
        return out

    def _apply_in_background(self, workspace: str, kinds: Sequence[str]) -> None:
        try:
            self.apply(workspace, kinds)
        except Exception:
            log.exception("%s: applying refit models failed; run `hark label apply`", workspace)

    def _refit_sentiment(self, workspace: str) -> RefitReport | None:
        from enrichment.sentiment import LABELS, softmax
        from enrichment.workspace_sentiment import refit

        base = self._enrich.sentiment_model
        if base is None:
            raise HarkError(ErrorCode.VALIDATION, "no sentiment model for this embedder")
        engine = self._engine()
        with engine.connect() as conn:
            rows = correction_store.training_rows(conn, workspace=workspace, field="sentiment")
            background = correction_store.vector_sample(
                conn, workspace=workspace, limit=BACKGROUND_SAMPLE
            )
        if len(rows) < MIN_SENTIMENT_CORRECTIONS:
            raise HarkError(
                ErrorCode.VALIDATION,
                f"a sentiment refit needs at least {MIN_SENTIMENT_CORRECTIONS} corrections; "
                f"this workspace has {len(rows)}",
                {"corrections": len(rows), "needed": MIN_SENTIMENT_CORRECTIONS},
            )
        vectors = self._enrich.embed_cached(
            {r.content_hash: embed_text(r.text, r.title) for r in rows}
        )
        x = np.stack([vectors[r.content_hash] for r in rows])
        texts = [embed_text(r.text, r.title) for r in rows]
        langs = [r.language for r in rows]
        labels = [r.value["label"] for r in rows]
        base_logits = base.logits(x, texts, langs)
        with engine.connect() as conn:
            from store import embeddings as embedding_store

            pool = embedding_store.get_vectors(
                conn, model=self._enrich.embedder_name, content_hashes=background
            )
        bg = np.stack(list(pool.values())) if pool else None
        audits = [r.origin == "random" for r in rows]
        fitted = refit(base_logits, x, labels, bg, audits)
        checked, head, active = fitted.checked, fitted.head, fitted.active
        by_label = {label: labels.count(label) for label in LABELS}
        figures: dict[str, Any] = {
            "agreement_before": checked.before if checked else None,
            "agreement_after": checked.after if checked else None,
            "random_audits": checked.random_audits if checked else 0,
            "audit_agreement_before": checked.audits_before if checked else None,
            "audit_agreement_after": checked.audits_after if checked else None,
        }
        with engine.begin() as conn:
            in_use = correction_store.active_versions(conn, workspace=workspace).get("sentiment")
            switched_off = kept_restored = None
            if not active and in_use is not None:
                # A head that fails the check on every correction so far says no head fit
                # on them should be used: an earlier one, fit on fewer and never checked on
                # the rest, is switched off too (kept, restorable), unless a user chose it
                # by restoring it, which a refit does not overrule. One statement decides,
                # so a restore by another process since the read above is seen.
                if correction_store.deactivate(
                    conn, workspace=workspace, kind="sentiment", version=in_use
                ):
                    switched_off = in_use
                elif (
                    correction_store.active_versions(conn, workspace=workspace).get("sentiment")
                    == in_use
                ):
                    kept_restored = in_use
            note = (
                None
                if checked is None or active
                else _not_activated(checked, switched_off, kept_restored)
            )
            version = correction_store.save_model(
                conn,
                workspace=workspace,
                kind="sentiment",
                body=head.to_bytes(),
                report={
                    "corrections": len(rows),
                    "by_label": by_label,
                    **figures,
                    "base_model": base.version,
                    HELD_OUT_AUDITS: _held_out_audits(rows, checked),
                    SHIPPED_AUDITS: _audit_entries(rows, softmax(base_logits)),
                    **({"note": note} if note else {}),
                    **({"switched_off": switched_off} if switched_off else {}),
                    **({"kept_restored": kept_restored} if kept_restored else {}),
                },
                active=active,
            )
        return RefitReport(
            "sentiment",
            version,
            len(rows),
            by_label,
            **figures,
            active=active,
            switched_off=switched_off,
            kept_restored=kept_restored,
            note=note,
        )

    def _refit_topics(self, workspace: str) -> RefitReport | None:
        engine = self._engine()
        version, known = self._taxonomy(workspace)
        with engine.connect() as conn:
            rows = correction_store.training_rows(conn, workspace=workspace, field="topics")
        if len(rows) < MIN_TOPIC_CORRECTIONS:
            raise HarkError(
                ErrorCode.VALIDATION,
                f"a topic refit needs at least {MIN_TOPIC_CORRECTIONS} topic corrections; "
                f"this workspace has {len(rows)}",
                {"corrections": len(rows), "needed": MIN_TOPIC_CORRECTIONS},
            )
        snapshot = [
            {
                "mention_id": r.mention_id,
                "content_hash": r.content_hash,
                "text": embed_text(r.text, r.title),
                "topics": [t for t in r.value["topics"] if t in known],
                # The parts enrichment reads the mention's topics from: calibration scores
                # them as it will score unlabelled mentions (enrichment/topic_calibration).
                "clauses": clauses if len(clauses) > 1 else [],
            }
            for r in rows
            for clauses in [topic_parts(r.text, r.title, max_clauses=self.settings.max_clauses)]
        ]
        by_topic: dict[str, int] = {}
        for r in rows:
            for t in r.value["topics"]:
                if t in known:
                    by_topic[t] = by_topic.get(t, 0) + 1
        with engine.begin() as conn:
            new = correction_store.save_model(
                conn,
                workspace=workspace,
                kind="topics",
                body=json.dumps(snapshot).encode(),
                report={"corrections": len(rows), "by_topic": by_topic, "taxonomy": version},
            )
        return RefitReport("topics", new, len(rows), by_topic)

    # Helpers --------------------------------------------------------------------------

    def _lock(self, workspace: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(workspace, threading.Lock())

    def _mention(self, workspace: str, mention_id: int) -> Any:
        with self._engine().connect() as conn:
            row = conn.execute(
                select(mentions).where(
                    mentions.c.workspace == workspace, mentions.c.id == mention_id
                )
            ).first()
        if row is None:
            raise HarkError(ErrorCode.NOT_FOUND, f"no mention {mention_id} in this workspace")
        if row.duplicate_of is not None:
            raise HarkError(
                ErrorCode.VALIDATION,
                f"mention {mention_id} is a copy of {row.duplicate_of}: label that one",
                {"canonical_id": row.duplicate_of},
            )
        return row

    @staticmethod
    def _origin(mention_id: int, pick: str | None) -> str:
        if pick is None or pick == "manual":
            return "manual"
        if pick == "uncertain":
            if audit_sample.is_member(mention_id):
                # The queue offers audit members only as random picks; one taken as uncertain
                # would leave the audit sample for good (store.corrections.queue_candidates).
                raise HarkError(
                    ErrorCode.VALIDATION,
                    f"mention {mention_id} is in the random audit sample, which the labeling "
                    "queue offers only as random picks; send pick only as the queue gave it",
                )
            return "uncertain"
        if pick == "random":
            if not audit_sample.is_member(mention_id):
                raise HarkError(
                    ErrorCode.VALIDATION,
                    f"mention {mention_id} is not in the random audit sample; "
                    "send pick only as the labeling queue gave it",
                )
            return "random"
        raise HarkError(ErrorCode.VALIDATION, "pick must be random, uncertain or manual")

    def topics(self, workspace: str) -> list[tuple[str, str]]:
        """The active taxonomy's topics as (id, name), in its order (what a correction may
        name); empty without a taxonomy."""
        with self._engine().connect() as conn:
            active = enrichment_store.active_catalog(conn, workspace=workspace, kind="taxonomy")
        return [] if active is None else [(t["id"], t["name"]) for t in active.body["topics"]]

    def _taxonomy(self, workspace: str) -> tuple[int, set[str]]:
        with self._engine().connect() as conn:
            active = enrichment_store.active_catalog(conn, workspace=workspace, kind="taxonomy")
        if active is None:
            raise HarkError(
                ErrorCode.VALIDATION, "this workspace has no taxonomy: set one before topics"
            )
        return active.version, {t["id"] for t in active.body["topics"]}

    def _entity_kind(self, workspace: str, brand: str | None) -> str | None:
        if brand is None:
            return None
        found = self._enrich.entity_catalog(workspace)
        entities = {} if found is None else {e.id: e.kind for e in found[1].entities}
        if brand not in entities:
            raise HarkError(
                ErrorCode.VALIDATION,
                f"{brand!r} is not an entity of this workspace's catalog",
                {"entities": sorted(entities)},
            )
        return entities[brand]

    @staticmethod
    def _apply_sentiment(conn: Any, mention_id: int, sentiment: str) -> None:
        conn.execute(
            mentions.update()
            .where(mentions.c.id == mention_id)
            .values(
                **mention_store.sentiment_values(SentimentLabel.corrected(sentiment)),
                indexed_hash=None,
            )
        )


def _probabilities(row: Any) -> dict[str, float] | None:
    if row.p_negative is None:
        return None
    return {
        "negative": round(row.p_negative, 4),
        "neutral": round(row.p_neutral, 4),
        "positive": round(row.p_positive, 4),
    }


def _public_value(field_name: str, value: dict[str, Any]) -> Any:
    return value["label"] if field_name == "sentiment" else value[field_name]


def _not_activated(
    checked: CrossValidation, switched_off: int | None, kept_restored: int | None = None
) -> str:
    """Why a refit is not used, in counts: a one-correction difference reads as one."""
    on_audits = (
        f"; of the {checked.random_audits} random audits among them the head agrees with "
        f"{checked.audits_head_right}, the shipped model with {checked.audits_shipped_right}"
        if checked.audits_judged
        else ""
    )
    back = (
        f"; v{switched_off}, in use until now, is switched off too: the workspace is back on "
        f"the shipped model"
        if switched_off is not None
        else f"; v{kept_restored}, which you restored, stays in use (restore none to go back "
        f"to the shipped model)"
        if kept_restored is not None
        else ""
    )
    return (
        f"not activated: a refit is used only where, on corrections it did not see, it agrees "
        f"with more of them than the shipped model (and, from {MIN_AUDITS_JUDGED} random "
        f"audits, with not significantly fewer of those: McNemar's exact test, one-sided 5 %); "
        f"of {checked.corrections} the head agrees with "
        f"{checked.head_right}, the shipped model with {checked.shipped_right}{on_audits}"
        f"{back}. Make a version active with restore if you want it anyway (a later refit "
        f"that is not used leaves a restored version in use)"
    )


def _held_out_audits(
    rows: Sequence[correction_store.TrainingRow], checked: CrossValidation | None
) -> list[list[float]]:
    """[mention id, p negative, p neutral, p positive] of the random audits among the
    corrections, from heads fit without them: the refit model's audits until it has its own
    (store.prevalence.random_audits)."""
    return [] if checked is None else _audit_entries(rows, checked.proba)


def _audit_entries(
    rows: Sequence[correction_store.TrainingRow], proba: np.ndarray
) -> list[list[float]]:
    """[mention id, p negative, p neutral, p positive] of the random audits among ``rows``
    that kept what the classifier said, with ``proba``'s row for each."""
    return [
        [r.mention_id, *(round(float(v), 4) for v in p)]
        for r, p in zip(rows, proba, strict=True)
        if r.origin == "random"
        and isinstance(r.model_value, dict)
        and r.model_value.get("origin", "model") == "model"
    ]
