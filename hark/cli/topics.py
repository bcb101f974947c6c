"""``hark topics``: discover topics the taxonomy misses, and promote them into it."""

from __future__ import annotations

from typing import Annotated

import typer

from enrichment.discovery_runs import promote
from hark.cli.common import JsonOpt, WorkspaceOpt, handles_errors, print_json, runtime
from store import enrichment as enrichment_store
from store import mentions as mention_store

app = typer.Typer(help="Discover new topics and promote them into the taxonomy.")


def _show(rows: list[dict], workspace: str, quotes: int) -> None:  # type: ignore[type-arg]
    rt = runtime()
    for c in rows:
        state = c["status"] + (f" as {c['promoted_as']}" if c["promoted_as"] else "")
        typer.echo(f"\n[{c['key']}] {c['label']}  ({c['size']} mentions, {state})")
        typer.echo("  terms: " + ", ".join(c["terms"]))
        with rt.engine.connect() as conn:
            shown = mention_store.get_mentions(
                conn, workspace=workspace, ids=c["quote_ids"][:quotes]
            )
        for m in shown:
            typer.echo(f"  - [{m.id}] {m.text[:160]}")


@app.command("discover")
@handles_errors
def discover(
    workspace: WorkspaceOpt = None,
    min_size: Annotated[int, typer.Option(help="Smallest cluster worth a topic.")] = 10,
    max_topics: Annotated[int, typer.Option(help="At most this many clusters.")] = 20,
    quotes: Annotated[int, typer.Option(help="Quotes shown per cluster.")] = 3,
    as_json: JsonOpt = False,
) -> None:
    """Cluster mentions no taxonomy topic covers; store the clusters as a new run."""
    assert workspace is not None
    rt = runtime()
    result = rt.discover(workspace, min_size=min_size, max_topics=max_topics)
    if as_json:
        print_json(
            {
                "run": result.run,
                "taxonomy_version": result.taxonomy_version,
                "considered": result.considered,
                "topics": [
                    {k: v for k, v in c.items() if k != "member_ids"} for c in result.topics
                ],
            }
        )
        return
    typer.echo(
        f"run {result.run}: {len(result.topics)} topics among {result.considered} "
        "uncovered mentions"
    )
    _show(result.topics, workspace, quotes)
    typer.echo("\npromote one with: hark topics promote KEY --name 'Its name'")


@app.command("list")
@handles_errors
def list_(
    workspace: WorkspaceOpt = None,
    run: Annotated[int | None, typer.Option(help="A run (default: the latest).")] = None,
    quotes: Annotated[int, typer.Option(help="Quotes shown per cluster.")] = 3,
) -> None:
    """Show a discovery run's clusters."""
    assert workspace is not None
    with runtime().engine.connect() as conn:
        rows = enrichment_store.discovered(conn, workspace=workspace, run=run)
    if not rows:
        typer.echo("no discovery runs yet: hark topics discover")
        return
    _show(rows, workspace, quotes)


@app.command("promote")
@handles_errors
def promote_(
    key: Annotated[str, typer.Argument(help="The cluster's key.")],
    workspace: WorkspaceOpt = None,
    name: Annotated[str | None, typer.Option(help="Topic name (default: its label).")] = None,
    description: Annotated[str, typer.Option(help="Topic description.")] = "",
    run: Annotated[int | None, typer.Option(help="Run (default: the latest).")] = None,
) -> None:
    """Add a discovered cluster to the taxonomy as a new version, then assign it."""
    assert workspace is not None
    rt = runtime()
    version, topic = promote(
        rt.engine, workspace=workspace, key=key, name=name, description=description, run=run
    )
    typer.echo(f"taxonomy version {version}: added topic {topic.id!r} ({topic.name})")
    typer.echo("run `hark enrich` to assign it to stored mentions")
