"""``hark workspace``: settings a workspace overrides, for now its time zone (where the days,
weeks and months of its questions begin)."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import JsonOpt, WorkspaceOpt, container, handles_errors, print_json

app = typer.Typer(
    help="Show or change a workspace's settings.", no_args_is_help=True, rich_markup_mode=None
)


@app.callback()
def settings_group() -> None:
    """Show or change a workspace's settings (`hark workspace timezone`)."""


@app.command("timezone")
@handles_errors
def timezone(
    ctx: typer.Context,
    zone: Annotated[
        str | None,
        typer.Argument(help="IANA time zone to set, e.g. America/Los_Angeles; none: show it."),
    ] = None,
    reset: Annotated[
        bool, typer.Option("--reset", help="Go back to HARK_TIMEZONE for this workspace.")
    ] = False,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show the workspace's time zone, or set it."""

    assert workspace is not None
    if zone is not None and reset:
        raise typer.BadParameter("give a zone or --reset, not both")
    service = container(ctx).workspace_settings
    if zone is not None or reset:
        got = service.set_timezone(workspace, zone)
    else:
        got = service.timezone_setting(workspace)
    if as_json:
        print_json({"workspace": workspace, "timezone": got.timezone, "source": got.source})
    else:
        note = "" if got.source == "workspace" else " (HARK_TIMEZONE)"
        typer.echo(f"{got.timezone}{note}")
