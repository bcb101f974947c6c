"""``hark keys``: API keys scoped to a workspace."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import JsonOpt, WorkspaceOpt, container, handles_errors, print_json

app = typer.Typer(
    help="Create, list and revoke API keys.", no_args_is_help=True, rich_markup_mode=None
)


@app.command("create")
@handles_errors
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="What the key is for.")],
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a key; its secret is printed once and stored only as a hash."""
    assert workspace is not None
    key, secret = container(ctx).keys.create(workspace, name)
    if as_json:
        print_json({"id": key.id, "workspace": key.workspace, "name": key.name, "key": secret})
    else:
        typer.echo(secret)


@app.command("list")
@handles_errors
def list_(
    ctx: typer.Context, workspace: Annotated[str | None, typer.Option("--workspace", "-w")] = None
) -> None:
    """List keys (prefixes only)."""
    for k in container(ctx).keys.list(workspace):
        state = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
        typer.echo(f"{k.id}\t{k.workspace}\t{k.name}\t{k.prefix}…\t{state}")


@app.command("revoke")
@handles_errors
def revoke(ctx: typer.Context, key_id: Annotated[int, typer.Argument()]) -> None:
    """Revoke a key by id."""
    container(ctx).keys.revoke(key_id)
    typer.echo(f"revoked key {key_id}")
