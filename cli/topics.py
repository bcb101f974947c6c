"""``hark topics``: discover topics the taxonomy misses, and promote them into it."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cli.common import JsonOpt, WorkspaceOpt, container, handles_errors, print_json

app = typer.Typer(
    help="Discover new topics and promote them into the taxonomy.", rich_markup_mode=None
)


def _show(ctx: typer.Context, rows: list[dict[str, Any]], workspace: str, quotes: int) -> None:
    search = container(ctx).search
    for c in rows:
        state = c["status"] + (f" as {c['promoted_as']}" if c["promoted_as"] else "")
        typer.echo(f"\n[{c['key']}] {c['label']}  ({c['size']} mentions, {state})")
        typer.echo("  terms: " + ", ".join(c["terms"]))
        for m in search.mentions(workspace, c["quote_ids"][:quotes]):
            typer.echo(f"  - [{m.id}] {m.text[:160]}")


@app.command("discover")
@handles_errors
def discover(
    ctx: typer.Context,
    workspace: WorkspaceOpt = None,
    min_size: Annotated[int, typer.Option(help="Smallest cluster worth a topic.")] = 10,
    max_topics: Annotated[int, typer.Option(help="At most this many clusters.")] = 20,
    quotes: Annotated[int, typer.Option(help="Quotes shown per cluster.")] = 3,
    as_json: JsonOpt = False,
) -> None:
    """Cluster mentions no taxonomy topic covers; store the clusters as a new run."""
    assert workspace is not None
    result = container(ctx).discovery.run(workspace, min_size=min_size, max_topics=max_topics)
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
    _show(ctx, result.topics, workspace, quotes)
    typer.echo("\npromote one with: hark topics promote KEY --name 'Its name'")


@app.command("list")
@handles_errors
def list_(
    ctx: typer.Context,
    workspace: WorkspaceOpt = None,
    run: Annotated[int | None, typer.Option(help="A run (default: the latest).")] = None,
    quotes: Annotated[int, typer.Option(help="Quotes shown per cluster.")] = 3,
) -> None:
    """Show a discovery run's clusters."""
    assert workspace is not None
    rows = container(ctx).discovery.clusters(workspace, run)
    if not rows:
        typer.echo("no discovery runs yet: hark topics discover")
        return
    _show(ctx, rows, workspace, quotes)


@app.command("promote")
@handles_errors
def promote_(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="The cluster's key.")],
    workspace: WorkspaceOpt = None,
    name: Annotated[str | None, typer.Option(help="Topic name (default: its label).")] = None,
    description: Annotated[str, typer.Option(help="Topic description.")] = "",
    run: Annotated[int | None, typer.Option(help="Run (default: the latest).")] = None,
    apply: Annotated[
        bool, typer.Option("--apply/--no-apply", help="Assign it to stored mentions now.")
    ] = True,
) -> None:
    """Add a discovered cluster to the taxonomy as a new version, then assign it."""
    from services.defer import run_now

    assert workspace is not None
    version, topic = container(ctx).discovery.promote(
        workspace,
        key,
        name=name,
        description=description,
        run=run,
        apply=apply,
        defer=run_now,
    )
    typer.echo(f"taxonomy version {version}: added topic {topic.id!r} ({topic.name})")
    if not apply:
        typer.echo("run `hark enrich` to assign it to stored mentions")
