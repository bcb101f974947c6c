"""Bias-aware sentiment counts on a real SQLite workspace: the SQL sums against a count in
Python over the same rows (copies, noise and brand posts left out as the exact counts leave
them), the workspace's random audits, and answers that state an estimate with its interval,
pass the verifier, and flag a change that lies inside the labels' error.

Mentions are written through the real ingestion; their sentiment, probabilities and origin
are then set with SQL, as enrichment sets them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine, insert, select, update

from analytics.prevalence import CLASSES
from analytics.scope import Scope
from ask.analysis import analyse
from ask.composer_template import TemplateComposer
from ask.facts import CaveatFact, ChangeFact, CountFact, Evidence, SentimentShareFact
from ask.plan import Intent, Plan, PlanWindow
from ask.quotes import QuotePicker
from ask.verifier import verify
from hark.domain import MentionCreate, SearchFilters, Sentiment
from hark.settings import Settings
from ingestion.pipeline import ingest_mentions
from services.container import Container
from store import prevalence as prevalence_store
from store.corrections import save_model
from store.tables import label_corrections, mentions
from tests.helpers import throwaway_postgres

pytestmark = pytest.mark.integration

W0 = PlanWindow(
    start=datetime(2015, 2, 2, tzinfo=UTC),
    end=datetime(2015, 2, 9, tzinfo=UTC),
    label="2015-02-02 to 2015-02-08",
)
W1 = PlanWindow(
    start=datetime(2015, 2, 9, tzinfo=UTC),
    end=datetime(2015, 2, 16, tzinfo=UTC),
    label="2015-02-09 to 2015-02-15",
)
NOW = datetime(2015, 2, 16, tzinfo=UTC)


def _general(_language: str | None) -> dict[str, float]:
    return {"negative": 0.2, "neutral": 0.2, "positive": 0.2}


@dataclass
class Row:
    eid: str
    at: datetime
    label: str | None
    p: tuple[float, float, float] | None = None
    origin: str | None = "model"
    language: str = "en"
    rating: float | None = None
    noise: str | None = None
    brand_author: bool = False
    copy_of: str | None = None


def _rows() -> list[Row]:
    """A small workspace with every kind of label in W1."""
    rows = []
    for i in range(40):  # model labels, borderline negatives and neutrals
        neg = i % 2 == 0
        p = (0.55, 0.4, 0.05) if neg else (0.4, 0.5, 0.1)
        rows.append(Row(f"m{i}", W1.start + timedelta(hours=3 * i), CLASSES[0 if neg else 1], p))
    rows += [  # Russian model labels
        Row(f"r{i}", W1.start + timedelta(hours=5 * i), "positive", (0.1, 0.2, 0.7), language="ru")
        for i in range(6)
    ]
    rows += [
        Row("legacy", W1.start + timedelta(days=1), "negative", None, None),  # NULL p, NULL origin
        Row(
            "rated", W1.start + timedelta(days=2), "negative", (1.0, 0.0, 0.0), "rating", rating=1.0
        ),
        Row("rated-old", W1.start + timedelta(days=2, hours=1), "neutral", None, None, rating=3.0),
        Row("fixed", W1.start + timedelta(days=3), "negative", (1.0, 0.0, 0.0), "correction"),
        Row("unlabelled", W1.start + timedelta(days=3, hours=2), None, None, None),
        Row("noise", W1.start + timedelta(days=4), "negative", (0.9, 0.1, 0.0), noise="link_only"),
        Row(
            "brand",
            W1.start + timedelta(days=4, hours=1),
            "negative",
            (0.9, 0.1, 0.0),
            brand_author=True,
        ),
        Row(
            "copy", W1.start + timedelta(days=4, hours=2), "negative", (0.9, 0.1, 0.0), copy_of="m0"
        ),
        Row("early", W0.start + timedelta(days=1), "negative", (0.7, 0.2, 0.1)),
    ]
    return rows


def _load(engine: Engine, workspace: str, rows: list[Row]) -> dict[str, int]:
    report = ingest_mentions(
        engine,
        workspace=workspace,
        mentions=[
            MentionCreate(
                external_id=r.eid,
                source="tw",
                source_type="social",
                text=f"Mention {r.eid} of {workspace}: what this customer thinks of the service",
                author=f"user-{r.eid}",
                created_at=r.at,
                language=r.language,
                rating=r.rating,
                rating_min=1.0 if r.rating is not None else None,
                rating_max=5.0 if r.rating is not None else None,
                brand="United",
                author_type="brand" if r.brand_author else None,
            )
            for r in rows
        ],
    )
    assert not report.rejects
    m = mentions.c
    with engine.begin() as conn:
        query = select(m.external_id, m.id).where(m.workspace == workspace)
        ids: dict[str, int] = dict(conn.execute(query).tuples().all())
        for r in rows:
            p = r.p or (None, None, None)
            conn.execute(
                update(mentions)
                .where(m.id == ids[r.eid])
                .values(
                    sentiment=r.label,
                    p_negative=p[0],
                    p_neutral=p[1],
                    p_positive=p[2],
                    sentiment_origin=r.origin if r.label else None,
                    noise=r.noise,
                    duplicate_of=ids[r.copy_of] if r.copy_of else None,
                )
            )
    return ids


def _expected(rows: list[Row], window: PlanWindow) -> dict[str, Any]:
    """The sums computed in Python over the rows the exact counts count."""
    counted = [
        r
        for r in rows
        if window.start <= r.at < window.end
        and not r.noise
        and not r.brand_author
        and not r.copy_of
    ]
    out: dict[str, Any] = {"total": len(counted)}
    for k, cls in enumerate(CLASSES):
        exact = [
            r
            for r in counted
            if r.label
            and (
                r.origin in ("rating", "correction") or (r.origin is None and r.rating is not None)
            )
        ]
        model = [r for r in counted if r.label and r not in exact]
        ps = [r.p[k] if r.p else float(r.label == cls) for r in model]
        out[cls] = (
            sum(r.label == cls for r in counted),
            sum(r.label == cls for r in exact),
            pytest.approx(sum(ps)),
            pytest.approx(sum(x * (1 - x) for x in ps)),
        )
        out["model"] = len(model)
    return out


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    rt = Container(Settings(home=tmp_path_factory.mktemp("prevalence"), _env_file=None))
    _load(rt.engine, "acme", _rows())
    yield rt.engine
    rt.close()


def test_sql_sums_equal_a_count_over_the_same_rows(engine: Engine) -> None:
    scope = Scope("acme", SearchFilters())
    with engine.connect() as conn:
        got = prevalence_store.prevalence_sums(conn, scope=scope, windows=[W1, W0])
    expected = _expected(_rows(), W1)
    w1 = {k[1:]: v for k, v in got.items() if k[0] == 0}
    assert set(w1) == {("en",), ("ru",)}
    total = sum(s.total for s in w1.values())
    assert total == expected["total"] and sum(s.model for s in w1.values()) == expected["model"]
    for cls in CLASSES:
        parts = [s.classes[cls] for s in w1.values()]
        summed = (
            sum(p.labelled for p in parts),
            sum(p.exact for p in parts),
            sum(p.p_sum for p in parts),
            sum(p.p_var for p in parts),
        )
        assert summed == expected[cls], cls
    # The second window holds the one early mention; by language and brand as keys too.
    assert {k: s.total for k, s in got.items() if k[0] == 1} == {(1, "en"): 1}
    with engine.connect() as conn:
        by_brand = prevalence_store.prevalence_sums(conn, scope=scope, windows=[W1], keys=["brand"])
    assert {k[1] for k in by_brand} == {"United"}
    assert sum(s.total for s in by_brand.values()) == expected["total"]


def test_the_sums_honour_the_scopes_filters(engine: Engine) -> None:
    with engine.connect() as conn:
        ru = prevalence_store.prevalence_sums(
            conn, scope=Scope("acme", SearchFilters(languages=["ru"])), windows=[W1]
        )
        brands = prevalence_store.prevalence_sums(
            conn,
            scope=Scope("acme", SearchFilters(author_types=["brand"])),
            windows=[W1],
        )
    assert list(ru) == [(0, "ru")] and ru[(0, "ru")].total == 6
    assert ru[(0, "ru")].classes["positive"].p_sum == pytest.approx(4.2)
    assert sum(s.total for s in brands.values()) == 1  # the brand's own post, asked for


def test_only_random_sentiment_audits_with_the_models_probabilities_are_read(
    engine: Engine,
) -> None:
    with engine.begin() as conn:
        ids = dict(
            conn.execute(
                select(mentions.c.external_id, mentions.c.id).where(mentions.c.workspace == "acme")
            ).all()
        )
        rows = [
            (ids["m2"], "sentiment", "random", {"label": "neutral"}, {"p": [0.55, 0.4, 0.05]}),
            (ids["m3"], "sentiment", "uncertain", {"label": "negative"}, {"p": [0.4, 0.5, 0.1]}),
            (ids["m4"], "sentiment", "random", {"label": "bogus"}, {"p": [0.55, 0.4, 0.05]}),
            (ids["m5"], "sentiment", "random", {"label": "negative"}, None),
            (ids["m6"], "topics", "random", {"topics": []}, None),
        ]
        conn.execute(
            insert(label_corrections),
            [
                {
                    "mention_id": i,
                    "field": f,
                    "workspace": "acme",
                    "origin": o,
                    "value": v,
                    "model_value": mv,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for i, f, o, v, mv in rows
            ],
        )
    with engine.connect() as conn:
        audits = prevalence_store.random_audits(conn, workspace="acme")
        other = prevalence_store.random_audits(conn, workspace="other")
    assert [(a.mention_id, a.p, a.label, a.language) for a in audits] == [
        (ids["m2"], (0.55, 0.4, 0.05), "neutral", "en")
    ]
    assert other == []
    with engine.begin() as conn:
        conn.execute(label_corrections.delete())


def _picker(engine: Engine, scope: Scope) -> QuotePicker:
    rng = np.random.default_rng(0)

    def vectors_for(ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
        v = rng.normal(size=(len(ids), 8)).astype(np.float32)
        return np.asarray(ids, np.int64), v / np.linalg.norm(v, axis=1, keepdims=True)

    return QuotePicker(engine, scope, vectors_for, lambda _q: np.ones(8, np.float32) / 8**0.5)


def _plan(intent: Intent, language: str = "en", **fields: Any) -> Plan:
    return Plan(
        question="negative mentions",
        intent=intent,
        language=language,
        reference=NOW,
        **fields,
    )


def _answer(engine: Engine, workspace: str, plan: Plan) -> tuple[Evidence, str]:
    scope = Scope(workspace, plan.filters(with_sentiment=False))
    quotes = _picker(engine, Scope(workspace, plan.filters()))
    evidence = analyse(plan, scope, engine, quotes, {}, prevalence_error=_general)
    return evidence, TemplateComposer().compose(plan, evidence)


def test_a_count_states_its_estimate_and_interval_and_passes_the_verifier(engine: Engine) -> None:
    plan = _plan(Intent.COUNT, window=W1, sentiment=Sentiment.NEGATIVE)
    evidence, answer = _answer(engine, "acme", plan)
    [count] = [f for f in evidence.facts if isinstance(f, CountFact)]
    est = count.estimate
    assert est is not None and est.method == "pcc"
    # Label count: 20 model + legacy + rated + corrected = 23; Σp: 20 x 0.55 + 20 x 0.4 + 6 x 0.1
    # + 1 (legacy) = 20.6, plus 2 exact.
    assert count.total == 23 and est.value == 23  # round(22.6)
    assert est.matters(count.total)
    line = f"about {est.value:g} negative mentions ({est.low:g}–{est.high:g})"
    assert line in answer, answer
    # No audits yet and a wide range (more than half the estimate): the answer says what
    # would narrow it, in words only (the verifier below sees no new number).
    assert est.high - est.low > est.value / 2
    assert f"{line}. Checking random mentions from the labelling queue would narrow" in answer
    assert f"(estimated {est.value:g}; 90% range {est.low:g}–{est.high:g})" in count.statement
    assert verify(answer, evidence) == []
    cited = evidence.quotes[0].id
    good = (
        f"There were {count.total} negative mentions; allowing for the classifier's errors "
        f"about {est.value:g} ({est.low:g}–{est.high:g}, a 90% range) [{cited}]."
    )
    assert verify(good, evidence) == []
    made_up = f"About {est.value:g} negative mentions ({est.low:g}–{est.high + 7:g}) [{cited}]."
    problems = verify(made_up, evidence)
    assert [p.kind for p in problems] == ["unsupported_number"]
    assert f"{est.high + 7:g}" in problems[0].detail


def test_a_russian_answer_states_the_estimate_too(engine: Engine) -> None:
    plan = _plan(Intent.COUNT, "ru", window=W1)
    evidence, answer = _answer(engine, "acme", plan)
    shares = [f for f in evidence.facts if isinstance(f, SentimentShareFact)]
    assert [f.sentiment for f in shares] == list(Sentiment)
    assert all(f.estimate is not None and f.share_estimate is not None for f in shares)
    assert "С учётом ошибок разметки: " in answer and "примерно" in answer, answer
    assert verify(answer, evidence) == []


def _bulk(engine: Engine, workspace: str, negatives: tuple[int, int], others: int) -> None:
    """``negatives`` model-labelled negatives in W0 and W1 (p = 0.8) and ``others`` neutral
    ones in each (p_negative = 0.1)."""
    rows = []
    for w, (window, n) in enumerate(zip((W0, W1), negatives, strict=True)):
        for i in range(n):
            at = window.start + timedelta(minutes=(i * 37) % (7 * 24 * 60))
            rows.append(Row(f"n{w}-{i}", at, "negative", (0.8, 0.15, 0.05)))
        for i in range(others):
            at = window.start + timedelta(minutes=(i * 53) % (7 * 24 * 60))
            rows.append(Row(f"o{w}-{i}", at, "neutral", (0.1, 0.8, 0.1)))
    _load(engine, workspace, rows)


def test_a_change_inside_the_labels_error_is_flagged(engine: Engine) -> None:
    # 400 -> 480 negatives: far beyond chance for the counts, but a classifier whose count
    # may be 20 % off (a fifth of it moving between weeks) could make it.
    _bulk(engine, "drift", (400, 480), 100)
    plan = _plan(Intent.WHY_CHANGE, window=W1, baseline=W0, sentiment=Sentiment.NEGATIVE)
    evidence, answer = _answer(engine, "drift", plan)
    [change] = [f for f in evidence.facts if isinstance(f, ChangeFact)]
    assert (change.current, change.baseline, change.significant) == (480, 400, True)
    assert change.current_estimate is not None and change.baseline_estimate is not None
    reasons = [f.reason for f in evidence.facts if isinstance(f, CaveatFact)]
    assert "within_label_error" in reasons and "noise" not in reasons
    assert "within the error of the sentiment labels" in answer
    assert "Allowing for labelling errors: about" in answer
    assert verify(answer, evidence) == []


def test_a_change_beyond_the_labels_error_is_not_flagged(engine: Engine) -> None:
    _bulk(engine, "surge", (200, 400), 100)
    plan = _plan(Intent.WHY_CHANGE, window=W1, baseline=W0, sentiment=Sentiment.NEGATIVE)
    evidence, _ = _answer(engine, "surge", plan)
    reasons = [f.reason for f in evidence.facts if isinstance(f, CaveatFact)]
    assert "within_label_error" not in reasons


def test_random_audits_replace_the_general_error(engine: Engine) -> None:
    # 40 random audits of the "surge" workspace's W1 negatives: the model said 0.8 negative,
    # users found half of them neutral. The estimate follows the audits, not the labels.
    m = mentions.c
    with engine.begin() as conn:
        ids = [
            i
            for (i,) in conn.execute(
                select(m.id)
                .where(m.workspace == "surge", m.external_id.like("n1-%"))
                .order_by(m.id)
                .limit(40)
            )
        ]
        conn.execute(
            insert(label_corrections),
            [
                {
                    "mention_id": i,
                    "field": "sentiment",
                    "workspace": "surge",
                    "origin": "random",
                    "value": {"label": "negative" if k % 2 else "neutral"},
                    "model_value": {"p": [0.8, 0.15, 0.05]},
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for k, i in enumerate(ids)
            ],
        )
    plan = _plan(Intent.COUNT, window=W1, sentiment=Sentiment.NEGATIVE)
    evidence, answer = _answer(engine, "surge", plan)
    [count] = [f for f in evidence.facts if isinstance(f, CountFact)]
    assert count.estimate is not None and count.estimate.method == "audited"
    # R = 20 / 32 = 0.625 over Σp = 400 x 0.8 + 100 x 0.1 = 330: about 206.
    assert count.total == 400 and count.estimate.value == pytest.approx(206, abs=1)
    assert count.estimate.low < 206 < count.estimate.high
    assert verify(answer, evidence) == []
    # Audited: the range is the workspace's own; no advice to audit.
    assert "labelling queue" not in answer


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with ExitStack() as stack:
        url = stack.enter_context(throwaway_postgres()) if request.param == "postgres" else None
        rt = Container(Settings(home=tmp_path, database_url=url, _env_file=None))  # type: ignore[call-arg]
        stack.callback(rt.close)
        yield rt.engine


def test_the_shipped_models_audit_probabilities_come_from_its_newest_report(
    store_engine: Engine,
) -> None:
    """SQL picks the newest refit report fit over the shipped model by a JSON path, which
    SQLite and PostgreSQL each read in their own dialect: a newer report over another model
    is passed over, and no report over the model means no probabilities."""
    reports = [
        {"base_model": "sentiment.v3", prevalence_store.SHIPPED_AUDITS: [[7, 0.2, 0.3, 0.5]]},
        {"base_model": "sentiment.v3", prevalence_store.SHIPPED_AUDITS: [[7, 0.6, 0.3, 0.1]]},
        {"base_model": "sentiment.v9", prevalence_store.SHIPPED_AUDITS: [[7, 0.1, 0.1, 0.8]]},
    ]
    with store_engine.begin() as conn:
        for report in reports:
            save_model(
                conn, workspace="acme", kind="sentiment", body=b"", report=report, active=False
            )
        assert prevalence_store._shipped_audits(conn, "acme", "sentiment.v3") == {
            7: [0.6, 0.3, 0.1]
        }
        assert prevalence_store._shipped_audits(conn, "acme", "sentiment.v1") == {}
        assert prevalence_store._shipped_audits(conn, "other", "sentiment.v9") == {}
