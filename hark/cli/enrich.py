"""``hark enrich``: derive fields for stored mentions (after a model or settings change)."""

from __future__ import annotations

from typing import Annotated

import typer
from tqdm import tqdm

from enrichment.reenrich import reenrich_languages
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
    """Fill derived fields (language; sentiment while indexing) and re-index what changed."""
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
    indexed = rt.sync_pending(workspace)
    summary = {
        "seen": stats.seen,
        "changed": stats.changed,
        "reindexed": indexed.indexed,
        "embedded": indexed.embedded,
    }
    if as_json:
        print_json(summary)
    else:
        typer.echo(" ".join(f"{k}={v}" for k, v in summary.items()))
