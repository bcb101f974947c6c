"""``hark taxonomy`` and ``hark entities``: a workspace's versioned enrichment configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from cli.common import JsonOpt, WorkspaceOpt, container, handles_errors, print_json
from hark.errors import ErrorCode, HarkError

FileArg = Annotated[Path, typer.Argument(help="YAML file.")]
VersionOpt = Annotated[int | None, typer.Option(help="An older version (default: active).")]
ApplyOpt = Annotated[
    bool,
    typer.Option(
        "--apply/--no-apply",
        help="Re-enrich stored mentions under a new version before exiting (else: "
        "`hark enrich` later).",
    ),
]


def _group(kind: Literal["taxonomy", "entities"], help_text: str) -> typer.Typer:
    app = typer.Typer(help=help_text, no_args_is_help=True, rich_markup_mode=None)

    @app.command("set")
    @handles_errors
    def set_(
        ctx: typer.Context,
        path: FileArg,
        workspace: WorkspaceOpt = None,
        apply: ApplyOpt = True,
        as_json: JsonOpt = False,
    ) -> None:
        """Validate the file and make it the active version (unchanged content: no new
        version), then apply it to stored mentions."""
        from services.defer import run_now

        assert workspace is not None
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise HarkError(ErrorCode.BAD_FILE, f"cannot read {path}: {exc}") from exc
        state = container(ctx).catalogs.set(
            workspace, kind, yaml_text=text, apply=apply, defer=run_now
        )
        summary = {"kind": kind, "version": state.version, "created": state.created}
        if as_json:
            print_json(summary)
            return
        verb = "new version" if state.created else "unchanged, still version"
        then = "" if apply or not state.created else "; run `hark enrich` to apply it"
        typer.echo(f"{kind}: {verb} {state.version}{then}")

    @app.command("show")
    @handles_errors
    def show(
        ctx: typer.Context, workspace: WorkspaceOpt = None, version: VersionOpt = None
    ) -> None:
        """Print the active (or given) version as YAML."""
        import yaml

        assert workspace is not None
        state = container(ctx).catalogs.get(workspace, kind, version)
        typer.echo(f"# {kind} version {state.version}")
        typer.echo(yaml.safe_dump(state.body, allow_unicode=True, sort_keys=False).rstrip())

    return app


taxonomy = _group("taxonomy", "The workspace's topic taxonomy (versioned).")
entities = _group("entities", "The workspace's brands and competitors (versioned).")
