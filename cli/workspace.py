"""``hark workspace``: settings a workspace overrides: its time zone (where the days, weeks
and months of its questions begin) and the tone and signature of its reply drafts."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import JsonOpt, WorkspaceOpt, container, handles_errors, print_json

app = typer.Typer(
    help="Show or change a workspace's settings.", no_args_is_help=True, rich_markup_mode=None
)


@app.callback()
def settings_group() -> None:
    """Show or change a workspace's settings (`hark workspace timezone`, `hark workspace
    reply-tone`)."""


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


@app.command("reply-tone")
@handles_errors
def reply_tone(
    ctx: typer.Context,
    guidance: Annotated[
        str | None,
        typer.Argument(
            help='How reply drafts should sound and what they may offer, e.g. "formal, use '
            "'вы', no emoji\" (at most 1000 characters); none: show it."
        ),
    ] = None,
    signature: Annotated[
        str | None,
        typer.Option("--signature", help="The line drafts are signed with, e.g. 'Команда Kaspi'."),
    ] = None,
    reset: Annotated[
        bool, typer.Option("--reset", help="Drop the workspace's tone guidance and signature.")
    ] = False,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show the workspace's reply tone and signature, or set them."""

    assert workspace is not None
    if reset and (guidance is not None or signature is not None):
        raise typer.BadParameter("give guidance or --signature, or --reset, not both")
    service = container(ctx).workspace_settings
    if reset:
        got = service.update(workspace, reply_tone=None, reply_signature=None).reply
    elif guidance is not None or signature is not None:
        # Only the fields given change; the services stack loads when a command runs.
        changes = {"reply_tone": guidance, "reply_signature": signature}
        got = service.update(workspace, **{k: v for k, v in changes.items() if v is not None}).reply
    else:
        got = service.reply_style(workspace)
    if as_json:
        print_json({"workspace": workspace, "tone": got.tone, "signature": got.signature})
    else:
        typer.echo(f"tone: {got.tone or '(none)'}")
        typer.echo(f"signature: {got.signature or '(none)'}")
