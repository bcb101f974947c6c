"""Entry point of the ``hark`` command."""

from __future__ import annotations

from typing import Annotated

import typer

from cli import (
    ask,
    brief,
    catalogs,
    chat,
    enrich,
    index,
    ingest,
    keys,
    label,
    mcp,
    search,
    topics,
    workspace,
)
from cli.common import container, handles_errors

# Plain help (no rich markup): rendering it with rich imports markdown-it and friends, which
# alone took longer than the 0.5 s a newcomer's `hark --help` should take.
app = typer.Typer(
    help="Hark: listen to what customers say about a brand.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.command()(ingest.ingest)
app.command()(ingest.mappings)
app.command()(search.search)
app.command()(ask.ask)
app.command()(index.sync)
app.command()(index.reindex)
app.command()(index.check)
app.command()(enrich.enrich)
app.add_typer(keys.app, name="keys")
app.add_typer(catalogs.taxonomy, name="taxonomy")
app.add_typer(catalogs.entities, name="entities")
app.add_typer(topics.app, name="topics")
app.add_typer(workspace.app, name="workspace")
app.add_typer(label.app, name="label")
app.add_typer(brief.app, name="brief")
app.command()(mcp.mcp)
app.command()(chat.chat)


@app.command()
@handles_errors
def migrate(ctx: typer.Context) -> None:
    """Create or upgrade the database schema (other commands do this on their own too)."""
    c = container(ctx)
    _ = c.engine
    typer.echo(f"schema up to date: {c.engine.url.render_as_string(hide_password=True)}")


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
) -> None:
    """Run the HTTP API (uvicorn)."""
    import uvicorn

    uvicorn.run("api.app:create_app", factory=True, host=host, port=port)


if __name__ == "__main__":
    app()
