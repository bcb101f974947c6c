"""``hark sync``, ``hark reindex``, ``hark check``: keep Chroma in step with SQL."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import JsonOpt, WorkspaceOpt, container, handles_errors, print_json


@handles_errors
def sync(ctx: typer.Context, workspace: WorkspaceOpt = None) -> None:
    """Index every mention that is stored but not (or no longer correctly) indexed."""
    from tqdm import tqdm

    assert workspace is not None
    index = container(ctx).index
    total = index.pending(workspace)
    with tqdm(total=total, desc="index", unit=" mentions", disable=None, leave=False) as bar:
        stats = index.sync(workspace, on_progress=bar.update)
    typer.echo(
        f"indexed {stats.indexed} (embedded {stats.embedded}, from cache {stats.cache_hits})"
    )


@handles_errors
def reindex(ctx: typer.Context, workspace: WorkspaceOpt = None) -> None:
    """Drop the workspace's vector collection and rebuild it from the SQL store."""
    from tqdm import tqdm

    assert workspace is not None
    index = container(ctx).index
    total = index.mentions(workspace)
    with tqdm(total=total, desc="reindex", unit=" mentions", disable=None, leave=False) as bar:
        stats = index.rebuild(workspace, on_progress=bar.update)
    typer.echo(
        f"reindexed {stats.indexed} mentions (embedded {stats.embedded}, "
        f"from cache {stats.cache_hits})"
    )


@handles_errors
def check(
    ctx: typer.Context,
    workspace: WorkspaceOpt = None,
    fix: Annotated[bool, typer.Option(help="Repair drift, then sync.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Report drift between the SQL store and the vector index; exit 1 if any."""
    assert workspace is not None
    report = container(ctx).index.check(workspace, fix=fix)
    summary = {
        "workspace": workspace,
        "in_sync": report.in_sync,
        "sql": report.sql_count,
        "index": report.index_count,
        "pending": len(report.pending),
        "missing": len(report.missing),
        "stale": len(report.stale),
        "orphaned": len(report.orphaned),
    }
    if as_json:
        print_json(summary)
    else:
        typer.echo(" ".join(f"{k}={v}" for k, v in summary.items()))
    if not report.in_sync:
        raise typer.Exit(1)
