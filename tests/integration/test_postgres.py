"""The same store on PostgreSQL (skipped when no server answers at 127.0.0.1:5432)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hark.domain import SearchFilters
from hark.settings import Settings
from ingestion.mapping import load_mapping
from ingestion.pipeline import ingest_file
from retrieval.indexer import check_drift
from services.container import Container
from store import corrections
from store import mentions as mention_store
from tests.helpers import AIRLINE_EXCERPT, MemoisedEmbedder, throwaway_postgres

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def pg_runtime(tmp_path: Path, embedder: MemoisedEmbedder) -> Iterator[Container]:
    with throwaway_postgres() as url:
        settings = Settings(home=tmp_path / "home", database_url=url, _env_file=None)  # type: ignore[call-arg]
        rt = Container(settings, embedder=embedder)  # type: ignore[arg-type]
        try:
            yield rt
        finally:
            rt.close()


def test_ingest_is_idempotent_and_searchable_on_postgres(pg_runtime: Container) -> None:
    rt = pg_runtime
    mapping = load_mapping("twitter-us-airline-sentiment")
    first = ingest_file(
        rt.engine,
        workspace="pg",
        path=AIRLINE_EXCERPT,
        mapping=mapping,
        batch_size=30,
        index=rt.index.target("pg"),
    )
    second = ingest_file(
        rt.engine,
        workspace="pg",
        path=AIRLINE_EXCERPT,
        mapping=mapping,
        batch_size=30,
        index=rt.index.target("pg"),
    )
    assert first.inserted == 85 and first.duplicates >= 1
    assert second.inserted == second.updated == second.embedded == 0
    filters = SearchFilters(brands=["Delta"])
    with rt.engine.connect() as conn:
        delta = mention_store.count_mentions(conn, workspace="pg", filters=filters)
    result = rt.search.query("pg", "flight", filters, k=50)
    assert result.method == "exact" and len(result.hits) == delta
    assert result.hits
    assert all(h.mention.created_at and h.mention.created_at.tzinfo for h in result.hits)
    assert check_drift(rt.engine, workspace="pg", index=rt.index.collection("pg")).in_sync


def test_a_restored_version_is_never_switched_off_on_postgres(pg_runtime: Container) -> None:
    """deactivate's one statement reads the restore mark inside the JSON report, as on
    SQLite: a version a user restored stays active, any other is switched off."""
    with pg_runtime.engine.begin() as conn:
        for active in (False, True):
            corrections.save_model(
                conn, workspace="pg", kind="sentiment", body=b"", report={}, active=active
            )
        assert corrections.deactivate(conn, workspace="pg", kind="sentiment", version=2)
        assert corrections.activate(conn, workspace="pg", kind="sentiment", version=1)
        assert not corrections.deactivate(conn, workspace="pg", kind="sentiment", version=1)
        assert corrections.active_versions(conn, workspace="pg") == {"sentiment": 1}
