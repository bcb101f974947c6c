"""``hark enrich``: derive fields for stored mentions (after a model or catalog change)."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import JsonOpt, WorkspaceOpt, container, handles_errors, print_json


@handles_errors
def enrich(
    ctx: typer.Context,
    workspace: WorkspaceOpt = None,
    everything: Annotated[
        bool, typer.Option("--all", help="Re-derive every field, not only missing or stale ones.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Fill derived fields and re-index what changed: language and entities from the text,
    sentiment and topics from the vectors (cached: nothing is embedded again), topics and
    entities under the active taxonomy and catalog versions. Re-running changes nothing."""
    from tqdm import tqdm

    assert workspace is not None
    with tqdm(desc="enrich", unit=" mentions", disable=None, leave=False) as bar:
        summary = container(ctx).enrich.reenrich(
            workspace, everything=everything, on_progress=bar.update
        )
    if as_json:
        print_json(summary)
    else:
        typer.echo(" ".join(f"{k}={v}" for k, v in summary.items()))
