"""``hark keys``: API keys scoped to a workspace."""

from __future__ import annotations

from typing import Annotated

import typer

from hark.cli.common import JsonOpt, WorkspaceOpt, handles_errors, print_json, runtime
from hark.errors import ErrorCode, HarkError
from store import api_keys

app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)


@app.command("create")
@handles_errors
def create(
    name: Annotated[str, typer.Argument(help="What the key is for.")],
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a key; its secret is printed once and stored only as a hash."""
    assert workspace is not None
    with runtime().engine.begin() as conn:
        key, secret = api_keys.create_key(conn, workspace=workspace, name=name)
    if as_json:
        print_json({"id": key.id, "workspace": key.workspace, "name": key.name, "key": secret})
    else:
        typer.echo(secret)


@app.command("list")
@handles_errors
def list_(workspace: Annotated[str | None, typer.Option("--workspace", "-w")] = None) -> None:
    """List keys (prefixes only)."""
    with runtime().engine.connect() as conn:
        for k in api_keys.list_keys(conn, workspace=workspace):
            state = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
            typer.echo(f"{k.id}\t{k.workspace}\t{k.name}\t{k.prefix}…\t{state}")


@app.command("revoke")
@handles_errors
def revoke(key_id: Annotated[int, typer.Argument()]) -> None:
    """Revoke a key by id."""
    with runtime().engine.begin() as conn:
        if not api_keys.revoke_key(conn, key_id=key_id):
            raise HarkError(ErrorCode.NOT_FOUND, f"no active key with id {key_id}")
    typer.echo(f"revoked key {key_id}")
