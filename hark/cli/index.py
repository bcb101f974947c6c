"""``hark sync``, ``hark reindex``, ``hark check``: keep Chroma in step with SQL."""

from __future__ import annotations

from typing import Annotated

import typer
from tqdm import tqdm

from hark.cli.common import JsonOpt, WorkspaceOpt, handles_errors, print_json, runtime
from retrieval.indexer import check_drift, rebuild_index, repair_drift
from store import mentions as mention_store


@handles_errors
def sync(workspace: WorkspaceOpt = None) -> None:
    """Index every mention that is stored but not (or no longer correctly) indexed."""
    assert workspace is not None
    rt = runtime()
    with rt.engine.connect() as conn:
        total = mention_store.count_pending_for_index(conn, workspace=workspace)
    with tqdm(total=total, desc="index", unit=" mentions", disable=None, leave=False) as bar:
        stats = rt.sync_pending(workspace, on_progress=bar.update)
    typer.echo(
        f"indexed {stats.indexed} (embedded {stats.embedded}, from cache {stats.cache_hits})"
    )


@handles_errors
def reindex(workspace: WorkspaceOpt = None) -> None:
    """Drop the workspace's vector collection and rebuild it from the SQL store."""
    assert workspace is not None
    rt = runtime()
    with rt.engine.connect() as conn:
        total = mention_store.count_mentions(conn, workspace=workspace)
    with tqdm(total=total, desc="reindex", unit=" mentions", disable=None, leave=False) as bar:
        stats = rebuild_index(
            rt.engine,
            workspace=workspace,
            embedder=rt.embedder,
            index=rt.index(workspace),
            batch_size=rt.settings.embed_batch_size,
            on_progress=bar.update,
        )
    typer.echo(
        f"reindexed {stats.indexed} mentions (embedded {stats.embedded}, "
        f"from cache {stats.cache_hits})"
    )


@handles_errors
def check(
    workspace: WorkspaceOpt = None,
    fix: Annotated[bool, typer.Option(help="Repair drift, then sync.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Report drift between the SQL store and the vector index; exit 1 if any."""
    assert workspace is not None
    rt = runtime()
    index = rt.index(workspace)
    report = check_drift(rt.engine, workspace=workspace, index=index)
    if fix and not report.in_sync:
        repair_drift(rt.engine, workspace=workspace, index=index, report=report)
        rt.sync_pending(workspace)
        report = check_drift(rt.engine, workspace=workspace, index=index)
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
