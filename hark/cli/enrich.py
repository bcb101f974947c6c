"""``hark enrich``: derive fields for stored mentions (after a model or settings change)."""

from __future__ import annotations

from typing import Annotated

import typer
from tqdm import tqdm

from enrichment.reenrich import reenrich_entities, reenrich_languages, reenrich_topics
from hark.cli.common import JsonOpt, WorkspaceOpt, handles_errors, print_json, runtime
from store import mentions as mention_store


@handles_errors
def enrich(
    workspace: WorkspaceOpt = None,
    everything: Annotated[
        bool, typer.Option("--all", help="Re-detect every derived field, not only missing ones.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Fill derived fields and re-index what changed: language and entities from the text,
    sentiment and topics from the vectors (cached: nothing is embedded again), topics under
    the active taxonomy version. Re-running changes nothing."""
    assert workspace is not None
    rt = runtime()
    with tqdm(desc="enrich", unit=" mentions", disable=None, leave=False) as bar:
        stats = reenrich_languages(
            rt.engine,
            workspace=workspace,
            enricher=rt.enricher,
            everything=everything,
            on_progress=bar.update,
        )
    if everything:
        # Sentiments are derived while indexing, where the vectors are at hand.
        with rt.engine.begin() as conn:
            mention_store.clear_sentiments(conn, workspace=workspace)
    entities = reenrich_entities(
        rt.engine,
        workspace=workspace,
        catalog=rt.entity_catalog(workspace),
        everything=everything,
    )
    indexed = rt.sync_pending(workspace)
    with tqdm(desc="topics", unit=" mentions", disable=None, leave=False) as bar:
        topics = reenrich_topics(
            rt.engine,
            workspace=workspace,
            enrichment=rt.vector_enrichment,
            on_progress=bar.update,
        )
    summary = {
        "seen": stats.seen,
        "changed": stats.changed,
        "reindexed": indexed.indexed,
        "embedded": indexed.embedded,
        "entities_matched": entities.seen,
        "topics_assigned": topics.seen,
    }
    if as_json:
        print_json(summary)
    else:
        typer.echo(" ".join(f"{k}={v}" for k, v in summary.items()))
