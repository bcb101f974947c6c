"""Topic discovery on a workspace: a run over uncovered mentions, then promotion into the
taxonomy as a new version that `enrich` assigns."""

from __future__ import annotations

import pytest

from enrichment.catalogs import get_catalog, parse, set_catalog
from enrichment.discovery_runs import promote, run_discovery
from enrichment.reenrich import reenrich_topics
from hark.errors import HarkError
from services.container import Container
from store import enrichment as enrichment_store
from tests.helpers import ingest_airline_excerpt

pytestmark = pytest.mark.integration


def test_discover_promote_and_assign(rt: Container) -> None:
    with pytest.raises(HarkError, match="no uncovered mentions"):
        run_discovery(rt.engine, workspace="acme", embed=rt.enrich.embed_cached)
    ingest_airline_excerpt(rt)
    # A taxonomy that covers one theme only: discovery looks at everything else.
    set_catalog(
        rt.engine,
        workspace="acme",
        kind="taxonomy",
        body=parse("taxonomy", text="topics: [{name: Lost luggage, examples: [my bag is lost]}]"),
    )
    reenrich_topics(rt.engine, workspace="acme", enrichment=rt.enrich.vector_enrichment)
    run = run_discovery(rt.engine, workspace="acme", embed=rt.enrich.embed_cached, min_size=5)
    assert run.run == 1 and run.taxonomy_version == 1 and run.topics
    with rt.engine.connect() as conn:
        covered = enrichment_store.topics_of(
            conn, ids=[i for t in run.topics for i in t["member_ids"]], version=1
        )
    assert not covered, "discovery must only cluster mentions the taxonomy does not cover"
    first = run.topics[0]
    assert first["terms"] and first["quote_ids"]
    assert set(first["quote_ids"]) <= set(first["member_ids"])

    version, topic = promote(rt.engine, workspace="acme", key=first["key"], name="Found topic")
    assert version == 2 and topic.id == "found_topic" and len(topic.examples) >= 1
    taxonomy = get_catalog(rt.engine, workspace="acme", kind="taxonomy")
    assert [t["id"] for t in taxonomy.body["topics"]] == ["lost_luggage", "found_topic"]
    with pytest.raises(HarkError, match="promoted already"):
        promote(rt.engine, workspace="acme", key=first["key"])
    assigned = reenrich_topics(rt.engine, workspace="acme", enrichment=rt.enrich.vector_enrichment)
    assert assigned.seen > 0
    # A second run is numbered and kept beside the first.
    again = run_discovery(rt.engine, workspace="acme", embed=rt.enrich.embed_cached, min_size=5)
    assert again.run == 2
