"""Themes over a real workspace: ingested, enriched and indexed airline tweets, vectors from
the ask service's own lookup (the index mirror), counts checked against analytics."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from analytics.scope import Scope, Window
from ask.themes import theme_report
from services.container import Container
from store.analytics import grouped_counts
from store.evidence import scope_rows
from tests.helpers import ingest_airline_excerpt

pytestmark = pytest.mark.integration

ALL_FEBRUARY = Window(datetime(2015, 2, 1, tzinfo=UTC), datetime(2015, 3, 1, tzinfo=UTC))


def test_themes_of_an_ingested_workspace(rt: Container) -> None:
    ingest_airline_excerpt(rt)
    scope = Scope("acme")
    report = theme_report(
        rt.engine,
        scope,
        ALL_FEBRUARY,
        None,
        vectors_for=rt.ask.asker.vectors_for("acme"),
        sentiment=None,
        limit=10,
        min_size=3,
    )
    with rt.engine.connect() as conn:
        total = grouped_counts(conn, scope=scope, windows=[ALL_FEBRUARY])[(0,)]
        counted = {r.id for r in scope_rows(conn, scope=scope, window=ALL_FEBRUARY, limit=1000)}
    assert report.current_read == total and not report.capped
    assert report.clustered == total  # every counted mention is indexed: none left out
    assert report.themes
    members = [i for t in report.themes for i in t.member_ids]
    assert set(members) <= counted and len(members) == len(set(members))
    assert sum(t.current for t in report.themes) <= total
    brands = {"united", "delta", "southwest", "american", "virgin", "airways", "jetblue"}
    for t in report.themes:
        assert t.current == len(t.member_ids) and t.baseline == 0
        assert set(t.quote_ids) <= set(t.member_ids) and 1 <= len(t.quote_ids) <= 3
        assert not {w for term in t.terms for w in term.split()} & brands
