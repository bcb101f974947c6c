"""Users' labels on real airline tweets: corrections win for their own mention and survive
re-enrichment, the labeling queue mixes uncertain and random picks, a refit makes a versioned
head that re-labels from cached vectors, and an earlier version can be restored."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from enrichment.clauses import topic_parts
from enrichment.topic_calibration import MIN_MENTIONS
from enrichment.workspace_sentiment import MIN_AUDITS_JUDGED
from hark import audit_sample
from hark.errors import HarkError
from services.container import Container
from services.labels import RefitReport
from store import prevalence as prevalence_store
from store.corrections import deactivate, model_body, save_model
from store.tables import embeddings, label_corrections, mention_labels, mentions
from tests.helpers import api_auth, assert_error, ingest_airline_excerpt

pytestmark = pytest.mark.integration


def _rows(rt: Container, workspace: str = "acme") -> dict[int, Any]:
    with rt.engine.connect() as conn:
        return {
            r.id: r
            for r in conn.execute(
                select(mentions).where(
                    mentions.c.workspace == workspace, mentions.c.duplicate_of.is_(None)
                )
            )
        }


def _crowd(rt: Container) -> dict[int, str]:
    """The crowd's sentiment of each tweet (evaluation labels): here, what a user says."""
    with rt.engine.connect() as conn:
        return {
            mid: labels["sentiment"]
            for mid, labels in conn.execute(
                select(mention_labels.c.mention_id, mention_labels.c.labels)
            )
        }


def test_model_labels_carry_calibrated_probabilities_and_their_origin(rt: Container) -> None:
    ingest_airline_excerpt(rt)
    rows = list(_rows(rt).values())
    assert rows
    model = rt.enrich.sentiment_model
    assert model is not None
    for r in rows:
        assert r.sentiment_origin == "model" and r.sentiment_model == model.version
        probs = (r.p_negative, r.p_neutral, r.p_positive)
        assert abs(sum(probs) - 1) < 1e-6
        assert r.sentiment == ("negative", "neutral", "positive")[probs.index(max(probs))]


def test_a_correction_wins_and_survives_reenrichment(rt: Container) -> None:
    ingest_airline_excerpt(rt)
    rows = _rows(rt)
    target = next(r for r in rows.values() if r.sentiment == "negative")
    got = rt.labels.correct("acme", target.id, sentiment="positive")
    assert got.sentiment == "positive" and got.sentiment_origin == "correction"
    assert got.probabilities == {"negative": 0.0, "neutral": 0.0, "positive": 1.0}
    assert got.corrected == {"sentiment": "positive"}
    with rt.engine.connect() as conn:
        stored = conn.execute(
            select(label_corrections).where(label_corrections.c.mention_id == target.id)
        ).one()
    # What the model said is kept beside the correction: with random picks, these pairs
    # measure the model's error in this workspace.
    assert stored.model_value["label"] == "negative" and stored.model_value["origin"] == "model"
    assert stored.origin == "manual"
    rt.enrich.reenrich("acme", everything=True)
    again = _rows(rt)[target.id]
    assert (again.sentiment, again.sentiment_origin) == ("positive", "correction")
    # Search filters read the index, which was told.
    hits = rt.search.mentions("acme", [target.id])
    assert hits[0].sentiment == "positive"


def test_bad_corrections_are_refused_and_change_nothing(rt: Container) -> None:
    ingest_airline_excerpt(rt)
    rows = _rows(rt)
    some = next(iter(rows))
    with pytest.raises(HarkError, match="no mention"):
        rt.labels.correct("acme", 10**9, sentiment="negative")
    with pytest.raises(HarkError, match="no taxonomy"):
        rt.labels.correct("acme", some, topics=["delays"])
    with pytest.raises(HarkError, match="random audit sample"):
        outsider = next(i for i in rows if not audit_sample.is_member(i))
        rt.labels.correct("acme", outsider, sentiment="negative", pick="random")
    # A member is offered only as a random pick: taken as uncertain it would leave the sample.
    with pytest.raises(HarkError, match="only as random picks"):
        member = next(i for i in rows if audit_sample.is_member(i))
        rt.labels.correct("acme", member, sentiment="negative", pick="uncertain")
    # Another workspace cannot label this one's mentions.
    with pytest.raises(HarkError, match="no mention"):
        rt.labels.correct("other", some, sentiment="negative")
    with rt.engine.connect() as conn:
        assert conn.execute(select(label_corrections)).first() is None


def test_queue_mixes_uncertain_and_random_picks(rt: Container) -> None:
    ingest_airline_excerpt(rt)
    rows = _rows(rt)
    queue = rt.labels.queue("acme", limit=12)
    assert len(queue) == 12 and len({q.mention_id for q in queue}) == 12
    picks = [q.pick for q in queue]
    assert "random" in picks and "uncertain" in picks
    # Audit members come only as random picks: corrected as uncertain ones, they would leave
    # the sample, and the audits left would flatter the model.
    for q in rt.labels.queue("acme", limit=80):
        assert audit_sample.is_member(q.mention_id) == (q.pick == "random"), q
    uncertain = [q for q in queue if q.pick == "uncertain"]
    margins = [
        sorted(q.probabilities.values())[-1] - sorted(q.probabilities.values())[-2]
        for q in uncertain
        if q.probabilities
    ]
    all_margins = sorted(
        sorted((r.p_negative, r.p_neutral, r.p_positive))[-1]
        - sorted((r.p_negative, r.p_neutral, r.p_positive))[-2]
        for r in rows.values()
    )
    # The uncertain picks come from the least sure half of the workspace.
    assert max(margins) <= all_margins[len(all_margins) // 2]
    # Labelled mentions leave the queue; a random pick is recorded as one.
    first_random = next(q for q in queue if q.pick == "random")
    said = rows[first_random.mention_id].sentiment
    wrong = next(label for label in ("negative", "neutral", "positive") if label != said)
    rt.labels.correct("acme", first_random.mention_id, sentiment=wrong, pick="random")
    after = {q.mention_id for q in rt.labels.queue("acme", limit=50)}
    assert first_random.mention_id not in after
    stats = rt.labels.stats("acme")
    assert stats["random_audits"] == 1 and stats["audit_accuracy"] == 0.0
    # Agreement is the model's stored label against the correction, over random picks only.
    second = next(
        q for q in queue if q.pick == "random" and q.mention_id != first_random.mention_id
    )
    kept = rows[second.mention_id].sentiment
    rt.labels.correct("acme", second.mention_id, sentiment=kept, pick="random")
    assert rt.labels.stats("acme")["audit_accuracy"] == 0.5


def test_a_correction_keeps_the_origin_it_came_with(rt: Container) -> None:
    """A member of the audit sample corrected by hand is not an audit, and sending its
    correction again as a random pick does not make it one (nor does a manual edit undo
    an audit)."""
    ingest_airline_excerpt(rt)
    members = [i for i in _rows(rt) if audit_sample.is_member(i)]
    by_hand, audited = members[0], members[1]
    rt.labels.correct("acme", by_hand, sentiment="negative")
    rt.labels.correct("acme", by_hand, sentiment="positive", pick="random")
    rt.labels.correct("acme", audited, sentiment="negative", pick="random")
    rt.labels.correct("acme", audited, sentiment="neutral")
    stats = rt.labels.stats("acme")
    assert stats["corrections"]["sentiment"] == {"manual": 1, "random": 1}
    assert stats["random_audits"] == 1


def test_refit_relabels_from_cached_vectors_and_restores(rt: Container) -> None:
    ingest_airline_excerpt(rt)
    rows = _rows(rt)
    with pytest.raises(HarkError, match="at least 10"):
        rt.labels.refit("acme", ["sentiment"])
    base_version = rt.enrich.sentiment_model.version  # type: ignore[union-attr]
    # A workspace whose people call these tweets neutral, whatever their tone: the shipped
    # model disagrees with most of them, a head learns it.
    taught = sorted(rows)[:40]
    for i in taught:
        rt.labels.correct("acme", i, sentiment="neutral")
    embedded_before = rt.embedder.calls if hasattr(rt.embedder, "calls") else None
    (report,) = rt.labels.refit("acme", ["sentiment"])
    assert (report.kind, report.version, report.corrections, report.active) == (
        "sentiment",
        1,
        40,
        True,
    )
    assert report.agreement_after > report.agreement_before  # type: ignore[operator]
    assert report.applied["sentiment_relabelled"] == len(rows) - len(taught)
    if embedded_before is not None:
        assert rt.embedder.calls == embedded_before  # nothing embedded
    after = _rows(rt)
    untaught = [r for i, r in after.items() if i not in taught]
    assert all(after[i].sentiment_origin == "correction" for i in taught)
    assert {r.sentiment_model for r in untaught} == {f"{base_version}+ws1"}
    assert report.applied["sentiment_changed"] > 0
    # A second refit is version 2; version 1 stays and can be restored, or none at all.
    rt.labels.correct("acme", taught[0], sentiment="negative")
    rt.labels.refit("acme", ["sentiment"])
    versions = {(m["version"], m["active"]) for m in rt.labels.models("acme", "sentiment")}
    assert versions == {(1, False), (2, True)}
    rt.labels.restore("acme", "sentiment", 1)
    assert {r.sentiment_model for i, r in _rows(rt).items() if i not in taught} == {
        f"{base_version}+ws1"
    }
    rt.labels.restore("acme", "sentiment", None)
    assert {r.sentiment_model for i, r in _rows(rt).items() if i not in taught} == {base_version}
    with pytest.raises(HarkError, match="no sentiment model version 9"):
        rt.labels.restore("acme", "sentiment", 9)


def test_a_refit_that_does_worse_is_kept_but_not_used(rt: Container) -> None:
    """The crowd's own labels of tweets the shipped model was trained on: a head fit on them
    agrees with them less, on the folds it did not see, than the shipped model does (all of
    the excerpt's tweets but ten, which stay model-labelled)."""
    ingest_airline_excerpt(rt)
    crowd = _crowd(rt)
    rows = _rows(rt)
    for i in [i for i in sorted(rows) if i in crowd][:-10]:
        rt.labels.correct("acme", i, sentiment=crowd[i])
    (report,) = rt.labels.refit("acme", ["sentiment"])
    assert report.agreement_after < report.agreement_before  # type: ignore[operator]
    assert not report.active and "not activated" in (report.note or "")
    assert report.applied == {}
    assert [(m["version"], m["active"]) for m in rt.labels.models("acme", "sentiment")] == [
        (1, False)
    ]
    base_version = rt.enrich.sentiment_model.version  # type: ignore[union-attr]
    assert {r.sentiment_model for r in _rows(rt).values() if r.sentiment_origin == "model"} == {
        base_version
    }


def test_a_refit_that_only_ties_the_shipped_model_is_not_used(rt: Container) -> None:
    """The crowd's labels of the excerpt's first 40 tweets, which the shipped model saw in
    training: its heads agree with them no more often than it does. A first refit like
    this one, of 100 queue picks of airline tweets, tied on the corrections and made the
    whole workspace's labels worse (accuracy 0.87 -> 0.73-0.77), so a tie keeps the
    shipped model."""
    ingest_airline_excerpt(rt)
    crowd = _crowd(rt)
    for i in [i for i in sorted(_rows(rt)) if i in crowd][:40]:
        rt.labels.correct("acme", i, sentiment=crowd[i])
    (report,) = rt.labels.refit("acme", ["sentiment"])
    assert report.agreement_after == report.agreement_before
    assert not report.active and "more of them than the shipped model" in (report.note or "")
    base_version = rt.enrich.sentiment_model.version  # type: ignore[union-attr]
    assert {r.sentiment_model for r in _rows(rt).values() if r.sentiment_origin == "model"} == {
        base_version
    }


def _overruled_head(rt: Container) -> RefitReport:
    """v1, a head that learnt that this workspace calls its first 40 tweets neutral; then
    the user corrects them, and most others, with the crowd's labels, on which a head does
    worse than the shipped model (the next refit is not used)."""
    ingest_airline_excerpt(rt)
    crowd = _crowd(rt)
    rows = _rows(rt)
    for i in sorted(rows)[:40]:
        rt.labels.correct("acme", i, sentiment="neutral")
    (first,) = rt.labels.refit("acme", ["sentiment"])
    assert first.active
    for i in [i for i in sorted(rows) if i in crowd][:-10]:
        rt.labels.correct("acme", i, sentiment=crowd[i])
    return first


def test_a_refit_that_is_not_used_switches_the_one_before_off(
    client: TestClient, rt: Container
) -> None:
    """v1 (``_overruled_head``), fit on corrections since overruled and never checked on
    the rest, is not left in use: the workspace is back on the shipped model."""
    first = _overruled_head(rt)
    refit = client.post("/v1/labeling/refit?kind=sentiment&wait=true", headers=api_auth(rt, "acme"))
    assert refit.status_code == 200, refit.text
    (second,) = refit.json()
    assert second["active"] is False and second["switched_off"] == first.version
    assert f"v{first.version}, in use until now, is switched off" in second["note"]
    assert second["applied"]["sentiment_relabelled"] > 0
    assert second["agreement_after"] < second["agreement_before"]
    assert second["random_audits"] == 0 and second["audit_agreement_before"] is None
    assert [(m["version"], m["active"]) for m in rt.labels.models("acme", "sentiment")] == [
        (1, False),
        (2, False),
    ]
    base_version = rt.enrich.sentiment_model.version  # type: ignore[union-attr]
    assert {r.sentiment_model for r in _rows(rt).values() if r.sentiment_origin == "model"} == {
        base_version
    }
    # Switching off touches only the version that was in use, and never one a user restored
    # (here v1, as by another process between a refit's read and its write).
    rt.labels.restore("acme", "sentiment", first.version)
    with rt.engine.begin() as conn:
        assert not deactivate(conn, workspace="acme", kind="sentiment", version=2)
        assert not deactivate(conn, workspace="acme", kind="sentiment", version=1)
    assert [m["active"] for m in rt.labels.models("acme", "sentiment")] == [True, False]


def test_a_refit_that_is_not_used_leaves_a_version_the_user_restored_in_use(
    client: TestClient, rt: Container
) -> None:
    """The user restores v1 after a failed refit switched it off: they chose it, so the next
    failed refit leaves it in use and says so, where it would switch off a head that was in
    use only because a refit made it so."""
    first = _overruled_head(rt)
    (second,) = rt.labels.refit("acme", ["sentiment"])
    assert second.switched_off == first.version and second.kept_restored is None
    restored = client.put(
        "/v1/labeling/models/sentiment/active",
        json={"version": first.version},
        headers=api_auth(rt, "acme"),
    )
    assert restored.status_code == 200, restored.text
    refit = client.post("/v1/labeling/refit?kind=sentiment&wait=true", headers=api_auth(rt, "acme"))
    assert refit.status_code == 200, refit.text
    (third,) = refit.json()
    assert third["active"] is False and third["switched_off"] is None
    assert third["kept_restored"] == first.version
    assert f"v{first.version}, which you restored, stays in use" in third["note"]
    assert third["applied"] == {}
    assert [(m["version"], m["active"]) for m in rt.labels.models("acme", "sentiment")] == [
        (1, True),
        (2, False),
        (3, False),
    ]
    stored = rt.labels.models("acme", "sentiment")
    assert "restored_at" in stored[0]["report"] and stored[2]["report"]["kept_restored"] == 1
    listed = client.get("/v1/labeling/models?kind=sentiment", headers=api_auth(rt, "acme"))
    assert [m["restored"] for m in listed.json()] == [True, False, False]
    base_version = rt.enrich.sentiment_model.version  # type: ignore[union-attr]
    model_labelled = {
        r.sentiment_model for r in _rows(rt).values() if r.sentiment_origin == "model"
    }
    assert model_labelled == {f"{base_version}+ws{first.version}"}


def test_audits_made_under_a_head_switched_off_still_correct_the_counts(rt: Container) -> None:
    """Random audits the user made while v1 was in use were shown v1's probabilities; once
    a failed refit puts the workspace back on the shipped model they count with the
    shipped model's own probabilities of them, not left out."""
    ingest_airline_excerpt(rt)
    crowd = _crowd(rt)
    rows = _rows(rt)
    members = [i for i in sorted(rows) if audit_sample.is_member(i) and i in crowd]
    for i in [i for i in sorted(rows) if i not in members][:40]:
        rt.labels.correct("acme", i, sentiment="neutral")
    (first,) = rt.labels.refit("acme", ["sentiment"])
    assert first.active
    base = rt.enrich.sentiment_model.version  # type: ignore[union-attr]
    under_v1 = f"{base}+ws{first.version}"
    assert {_rows(rt)[i].sentiment_model for i in members} == {under_v1}
    for i in members:
        rt.labels.correct("acme", i, sentiment=crowd[i], pick="random")
    for i in [i for i in sorted(rows) if i in crowd and i not in members][:-10]:
        rt.labels.correct("acme", i, sentiment=crowd[i])
    (second,) = rt.labels.refit("acme", ["sentiment"])
    assert not second.active and second.switched_off == first.version
    with rt.engine.connect() as conn:
        audits = prevalence_store.random_audits(conn, workspace="acme", model_version=base)
    assert [a.mention_id for a in audits] == members
    # Counted with the shipped model's probabilities, beside the head's they were shown.
    assert all(a.p_at_audit is not None for a in audits)
    assert any(a.p != pytest.approx(a.p_at_audit, abs=1e-3) for a in audits)
    assert all(sum(a.p) == pytest.approx(1, abs=1e-3) for a in audits)


def test_a_refit_keeps_its_random_audits_with_held_out_probabilities(rt: Container) -> None:
    """The random audits a head was fit on still measure it: each with the probabilities of
    the head fit on the other folds, not the shipped model's it was audited under, nor the
    refit head's own (which has seen it)."""
    ingest_airline_excerpt(rt)
    rows = _rows(rt)
    members = [i for i in sorted(rows) if audit_sample.is_member(i)]
    audited, late = members[:-1], members[-1]
    manual = [i for i in sorted(rows) if i not in members][: 40 - len(audited)]
    for i in audited:
        rt.labels.correct("acme", i, sentiment="negative", pick="random")
    for i in manual:
        rt.labels.correct("acme", i, sentiment="neutral")
    (report,) = rt.labels.refit("acme", ["sentiment"])
    assert report.active
    # The check counts the audits among the corrections; too few of them to judge apart.
    (stored,) = rt.labels.models("acme", "sentiment")
    assert stored["report"]["random_audits"] == len(audited) < MIN_AUDITS_JUDGED
    assert report.audit_agreement_before is report.audit_agreement_after is None
    base = rt.enrich.sentiment_model.version  # type: ignore[union-attr]
    with rt.engine.connect() as conn:
        under_base = prevalence_store.random_audits(conn, workspace="acme", model_version=base)
        under_refit = prevalence_store.random_audits(
            conn, workspace="acme", model_version=f"{base}+ws{report.version}"
        )
        under_other = prevalence_store.random_audits(
            conn, workspace="acme", model_version=f"{base}+ws{report.version + 1}"
        )
    # Audited under the shipped model: with its probabilities, as they were stored.
    assert [a.mention_id for a in under_base] == audited
    for a in under_base:
        stored = rows[a.mention_id]
        assert a.p == pytest.approx((stored.p_negative, stored.p_neutral, stored.p_positive))
    # Under the refit: the same audits and labels, with held-out probabilities that learnt
    # from the other corrections.
    assert [(a.mention_id, a.label) for a in under_refit] == [(i, "negative") for i in audited]
    moved = [
        a.p != pytest.approx(b.p, abs=1e-3) for a, b in zip(under_refit, under_base, strict=True)
    ]
    assert any(moved)
    # ...and carry what the user was shown, which says how large the whole correction was.
    assert [a.p_at_audit for a in under_refit] == [a.p for a in under_base]
    assert all(a.p_at_audit is None for a in under_base)
    assert all(sum(a.p) == pytest.approx(1, abs=1e-3) for a in under_refit)
    assert under_other == []
    # An audit made under the refit model counts with what that model said.
    after = _rows(rt)
    assert after[late].sentiment_model == f"{base}+ws{report.version}"
    rt.labels.correct("acme", late, sentiment="positive", pick="random")
    with rt.engine.connect() as conn:
        again = prevalence_store.random_audits(
            conn, workspace="acme", model_version=f"{base}+ws{report.version}"
        )
    [added] = [a for a in again if a.mention_id == late]
    row = after[late]
    assert added.p == pytest.approx((row.p_negative, row.p_neutral, row.p_positive))


def test_a_head_fit_over_another_shipped_model_is_not_applied(rt: Container) -> None:
    """After an upgrade of the shipped model, a head fit over the old one would add its
    corrections to class scores it never saw: the workspace uses the shipped model alone
    until it refits."""
    ingest_airline_excerpt(rt)
    for i in sorted(_rows(rt))[:12]:
        rt.labels.correct("acme", i, sentiment="neutral")
    (report,) = rt.labels.refit("acme", ["sentiment"])
    base = rt.enrich.sentiment_model.version  # type: ignore[union-attr]
    assert rt.enrich.sentiment_for("acme").version == f"{base}+ws{report.version}"  # type: ignore[union-attr]
    with rt.engine.begin() as conn:
        body = model_body(conn, workspace="acme", kind="sentiment", version=report.version)
        old = save_model(
            conn,
            workspace="acme",
            kind="sentiment",
            body=body,
            report={"base_model": "sentiment.v0"},
        )
    assert old == report.version + 1
    assert rt.enrich.sentiment_for("acme").version == base  # type: ignore[union-attr]


def test_topic_and_brand_corrections_win(rt: Container) -> None:
    ingest_airline_excerpt(rt)
    rt.catalogs.set(
        "acme",
        "taxonomy",
        data={
            "topics": [
                {"name": "Delays", "examples": ["my flight was delayed for hours"]},
                {"name": "Baggage", "examples": ["they lost my bag"]},
            ]
        },
        defer=lambda f: f(),
    )
    rt.catalogs.set(
        "acme",
        "entities",
        data={
            "entities": [
                {"name": "United", "kind": "brand", "aliases": ["@united"]},
                {"name": "Delta", "kind": "competitor", "aliases": ["@delta"]},
            ]
        },
        defer=lambda f: f(),
    )
    some = sorted(_rows(rt))[3]
    with pytest.raises(HarkError, match="not topics of this workspace"):
        rt.labels.correct("acme", some, topics=["food"])
    got = rt.labels.correct("acme", some, topics=["baggage", "delays"], brand="delta")
    assert got.topics == ["baggage", "delays"] and got.brand == "delta"
    rt.enrich.reenrich("acme", everything=True)
    again = rt.labels.labels("acme", some)
    assert again.topics == ["baggage", "delays"] and again.brand == "delta"
    cleared = rt.labels.correct("acme", some, topics=[], brand=None)
    assert cleared.topics == [] and cleared.brand is None


def test_labels_over_http(client: TestClient, rt: Container) -> None:
    auth = api_auth(rt, "acme")
    ingest_airline_excerpt(rt)
    queue = client.get("/v1/labeling/queue?limit=4", headers=auth).json()
    assert len(queue) == 4 and {"mention_id", "pick", "why", "probabilities"} <= set(queue[0])
    item = queue[0]
    put = client.put(
        f"/v1/mentions/{item['mention_id']}/labels",
        json={"sentiment": "negative", "pick": item["pick"]},
        headers=auth,
    )
    assert put.status_code == 200, put.text
    assert put.json()["corrected"] == {"sentiment": "negative"}
    assert_error(
        client.put(
            f"/v1/mentions/{item['mention_id']}/labels", json={"sentiment": "awful"}, headers=auth
        ),
        422,
        "validation_error",
    )
    assert_error(
        client.put(f"/v1/mentions/{item['mention_id']}/labels", json={}, headers=auth),
        422,
        "validation_error",
    )
    assert_error(
        client.put("/v1/mentions/999999/labels", json={"sentiment": "neutral"}, headers=auth),
        404,
        "not_found",
    )
    # Another workspace's key sees no such mention.
    assert_error(
        client.put(
            f"/v1/mentions/{item['mention_id']}/labels",
            json={"sentiment": "neutral"},
            headers=api_auth(rt, "other"),
        ),
        404,
        "not_found",
    )
    # The index learns the correction: a sentiment filter finds the mention under its new
    # label (every positive fits in k), not its old one.
    client.put(
        f"/v1/mentions/{item['mention_id']}/labels", json={"sentiment": "positive"}, headers=auth
    )
    found = client.get("/v1/mentions/search?q=flight&sentiment=positive&k=100", headers=auth).json()
    assert item["mention_id"] in [h["mention"]["id"] for h in found["hits"]]
    refit = client.post("/v1/labeling/refit?kind=sentiment&wait=true", headers=auth)
    assert_error(refit, 422, "validation_error")
    # Neither kind can be refit: one error says why for each.
    both = assert_error(
        client.post("/v1/labeling/refit?wait=true", headers=auth), 422, "validation_error"
    )
    assert "sentiment refit needs" in both["message"] and "no taxonomy" in both["message"]
    gone = client.delete(f"/v1/mentions/{item['mention_id']}/labels/sentiment", headers=auth)
    assert gone.status_code == 200 and gone.json()["corrected"] == {}
    assert gone.json()["sentiment_origin"] == "model"
    stats = client.get("/v1/labeling/stats", headers=auth).json()
    assert stats["corrections"] == {}


def test_topic_refit_refines_the_workspace_topic_model(rt: Container) -> None:
    ingest_airline_excerpt(rt)
    rt.catalogs.set(
        "acme",
        "taxonomy",
        data={"topics": [{"name": "Delays"}, {"name": "Baggage"}]},
        defer=lambda f: f(),
    )
    before = rt.enrich.topic_model("acme")
    assert before is not None and set(before.stages().values()) == {"prototype"}
    ids = sorted(_rows(rt))[:12]
    for n, mid in enumerate(ids):
        rt.labels.correct("acme", mid, topics=["baggage"] if n % 2 else ["delays"])
    # Both kinds asked: sentiment has too few corrections and is skipped, topics refit.
    (report,) = rt.labels.refit("acme")
    assert (report.kind, report.version, report.by_label) == (
        "topics",
        1,
        {"delays": 6, "baggage": 6},
    )
    after = rt.enrich.topic_model("acme")
    assert after is not None and set(after.stages().values()) != {"prototype"}
    # Corrected mentions keep exactly their topics after the refit re-assigned everything.
    assert rt.labels.labels("acme", ids[1]).topics == ["baggage"]
    rt.labels.restore("acme", "topics", None)
    restored = rt.enrich.topic_model("acme")
    assert restored is not None and set(restored.stages().values()) == {"prototype"}


def test_topic_refit_calibrates_on_the_clauses_enrichment_reads(rt: Container) -> None:
    """A refit keeps the parts each corrected mention's topics are read from (its sentences
    and contrasting clauses); the refit model decides mentions by a rule calibrated on them
    (enrichment/topic_calibration.py) and an earlier snapshot without them still loads."""
    ingest_airline_excerpt(rt)
    rt.catalogs.set(
        "acme",
        "taxonomy",
        data={"topics": [{"name": "Delays"}, {"name": "Baggage"}, {"name": "Staff"}]},
        defer=lambda f: f(),
    )
    rows = _rows(rt)
    multi = sorted(i for i, r in rows.items() if len(topic_parts(r.text, r.title)) > 1)
    single = sorted(i for i, r in rows.items() if len(topic_parts(r.text, r.title)) == 1)
    ids = multi[:16] + single[:8]
    assert len(ids) == 24 >= MIN_MENTIONS
    for n, mid in enumerate(ids):
        rt.labels.correct("acme", mid, topics=[["delays"], ["baggage", "staff"], []][n % 3])
    with rt.engine.connect() as conn:
        cached = conn.execute(select(func.count()).select_from(embeddings)).scalar_one()
    rt.labels.refit("acme", ["topics"])
    with rt.engine.connect() as conn:
        body = json.loads(model_body(conn, workspace="acme", kind="topics", version=1))
        # The clauses were embedded when the mentions were enriched: a refit embeds nothing.
        assert conn.execute(select(func.count()).select_from(embeddings)).scalar_one() == cached
    assert [r["mention_id"] for r in body] == sorted(ids)
    for r in body:
        parts = topic_parts(rows[r["mention_id"]].text, rows[r["mention_id"]].title)
        assert r["clauses"] == (parts if r["mention_id"] in multi else [])
    model = rt.enrich.topic_model("acme")
    assert model is not None and model.heads is not None and model.heads.rule is not None
    rule = model.heads.rule
    assert 0.0 <= rule.f1_contest <= 1.0 and 0.0 <= rule.f1_per_topic <= 1.0
    # The same snapshot as an older version stored it (no clauses): calibrated on whole texts.
    old = [{k: v for k, v in r.items() if k != "clauses"} for r in body]
    examples = rt.enrich._topic_examples(json.dumps(old).encode())
    assert examples is not None and examples.clauses is None
    assert all(len(p) == 1 for p in examples.parts())
    fresh = rt.enrich._topic_examples(json.dumps(body).encode())
    assert fresh is not None and sum(len(p) > 1 for p in fresh.parts()) == 16
