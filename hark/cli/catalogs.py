"""``hark taxonomy`` and ``hark entities``: a workspace's versioned enrichment configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import yaml

from enrichment.catalogs import Kind, get_catalog, parse, set_catalog
from hark.cli.common import JsonOpt, WorkspaceOpt, handles_errors, print_json, runtime
from hark.errors import ErrorCode, HarkError

FileArg = Annotated[Path, typer.Argument(help="YAML file.")]
VersionOpt = Annotated[int | None, typer.Option(help="An older version (default: active).")]


def _group(kind: Kind, help_text: str) -> typer.Typer:
    app = typer.Typer(help=help_text, no_args_is_help=True)

    @app.command("set")
    @handles_errors
    def set_(path: FileArg, workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
        """Validate the file and make it the active version (unchanged content: no new version).
        Then run `hark enrich` to apply it to stored mentions."""
        assert workspace is not None
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise HarkError(ErrorCode.BAD_FILE, f"cannot read {path}: {exc}") from exc
        state = set_catalog(
            runtime().engine, workspace=workspace, kind=kind, body=parse(kind, text=text)
        )
        summary = {"kind": kind, "version": state.version, "created": state.created}
        if as_json:
            print_json(summary)
        else:
            verb = "new version" if state.created else "unchanged, still version"
            typer.echo(f"{kind}: {verb} {state.version}; run `hark enrich` to apply it")

    @app.command("show")
    @handles_errors
    def show(workspace: WorkspaceOpt = None, version: VersionOpt = None) -> None:
        """Print the active (or given) version as YAML."""
        assert workspace is not None
        state = get_catalog(runtime().engine, workspace=workspace, kind=kind, version=version)
        typer.echo(f"# {kind} version {state.version}")
        typer.echo(yaml.safe_dump(state.body, allow_unicode=True, sort_keys=False).rstrip())

    return app


taxonomy = _group("taxonomy", "The workspace's topic taxonomy (versioned).")
entities = _group("entities", "The workspace's brands and competitors (versioned).")
