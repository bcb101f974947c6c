"""``hark brief``: make an insight brief now (without a subcommand), list the workspace's
briefs, show an old one in any format."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli import brief_schedules
from cli.common import JsonOpt, WorkspaceOpt, container, handles_errors, print_json

app = typer.Typer(
    help="Make a brief (without a subcommand), list and show stored ones.",
    rich_markup_mode=None,
    invoke_without_command=True,
)

FormatOpt = Annotated[
    str,
    typer.Option("--format", "-f", help="markdown, html (a self-contained page), text or json."),
]
OutOpt = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="Write the brief to this file instead of printing it."),
]


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        typer.echo(f"error: cannot write {out}: {exc.strerror}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"written to {out}", err=True)


@app.callback()
@handles_errors
def brief(
    ctx: typer.Context,
    workspace: WorkspaceOpt = None,
    period: Annotated[
        str | None,
        typer.Option(
            help="FIRST..LAST in ISO dates, both included (2015-02-16..2015-02-22), or one "
            "day; default: the last whole week before the latest mention."
        ),
    ] = None,
    language: Annotated[str, typer.Option("--language", "-l", help="en, ru, kk, ...")] = "en",
    brand: Annotated[
        str | None, typer.Option(help="The brand the brief is for (leads the brand table).")
    ] = None,
    brands: Annotated[
        list[str] | None, typer.Option("--only-brand", help="Only mentions of this brand.")
    ] = None,
    sources: Annotated[list[str] | None, typer.Option("--source")] = None,
    locations: Annotated[list[str] | None, typer.Option("--location")] = None,
    baseline_periods: Annotated[
        int, typer.Option(min=0, max=12, help="Periods of the longer baseline.")
    ] = 4,
    fmt: FormatOpt = "markdown",
    out: OutOpt = None,
    no_llm: Annotated[
        bool, typer.Option("--no-llm", help="Use the template composer even with a model set.")
    ] = False,
    no_save: Annotated[
        bool, typer.Option("--no-save", help="Do not keep it in the workspace's history.")
    ] = False,
) -> None:
    """Make a brief of a period against the one before: key figures, rising issues, praise,
    emerging themes, spikes, brands side by side, notable mentions, what to look at."""
    if ctx.invoked_subcommand is not None:
        return
    from briefs.model import BriefFilters

    assert workspace is not None
    service = container(ctx).briefs
    made = service.make(
        workspace,
        period=period,
        language=language,
        filters=BriefFilters(
            brand=brand, brands=brands or [], sources=sources or [], locations=locations or []
        ),
        baseline_periods=baseline_periods,
        use_llm=not no_llm,
        save=not no_save,
    )
    _emit(service.render(made, fmt), out)
    if made.id is not None:
        typer.echo(f"(brief {made.id}; hark brief show {made.id} --format html)", err=True)
    for w in made.warnings:
        typer.echo(f"warning: {w}", err=True)


@app.command("list")
@handles_errors
def list_briefs(
    ctx: typer.Context,
    workspace: WorkspaceOpt = None,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
    as_json: JsonOpt = False,
) -> None:
    """The workspace's briefs, newest first."""
    assert workspace is not None
    rows = container(ctx).briefs.listing(workspace, limit=limit)
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("no briefs yet: make one with `hark brief`")
    for r in rows:
        typer.echo(f"{r['id']:>5}  {r['period']}  {r['language']}  {r['headline']}")


@app.command("show")
@handles_errors
def show(
    ctx: typer.Context,
    brief_id: Annotated[int, typer.Argument(min=1, help="The brief's id (hark brief list).")],
    workspace: WorkspaceOpt = None,
    fmt: FormatOpt = "markdown",
    out: OutOpt = None,
) -> None:
    """A stored brief, re-rendered in any format."""
    assert workspace is not None
    service = container(ctx).briefs
    _emit(service.render(service.get(workspace, brief_id), fmt), out)


app.add_typer(brief_schedules.schedules_app, name="schedule")
app.command("deliver")(brief_schedules.deliver)
app.command("deliveries")(brief_schedules.deliveries)
